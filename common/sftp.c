/* sftp.c - libssh2 SFTP client: connect, host key, auth, list, download,
 * upload. See sftp.h for the contract and docs/fetch.md for the host key
 * modes.
 *
 * Every libssh2 call runs non-blocking and loops on LIBSSH2_ERROR_EAGAIN
 * through conn_wait(), the one place that waits: it polls the socket in the
 * directions libssh2_session_block_directions() reports, and gives up with
 * "timeout while <step> after Ns" once timeout_seconds pass without the
 * call completing. */
#include "common/sftp.h"

#include <errno.h>
#include <fcntl.h>
#include <libssh2.h>
#include <libssh2_sftp.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/progress.h"

/* Bytes asked of libssh2_sftp_read() per call. libssh2 splits a read into
 * 30000-byte SFTP requests and keeps that many in flight, so a large buffer
 * is what pipelines the download. */
#define READ_BUF (2u << 20)
#define WRITE_BUF (1u << 20)

struct sftp_conn {
    const sftp_endpoint *ep;
    int sock;
    LIBSSH2_SESSION *ssh;
    LIBSSH2_SFTP *sftp;
    long timeout_ms;
    long long deadline_ms; /* CLOCK_MONOTONIC ms after which every wait fails; 0 = none */
    int broken;      /* a network failure happened: no polite goodbye */
    char fingerprint[SFTP_FINGERPRINT_LEN + 1];
};

/* ---- pure helpers ------------------------------------------------------- */

void sftp_fingerprint_format(const unsigned char sha256[32], char *out)
{
    unsigned char b64[48];
    int n = EVP_EncodeBlock(b64, sha256, 32); /* 44 characters, one '=' */
    while (n > 0 && b64[n - 1] == '=')
        n--;
    memcpy(out, "SHA256:", 7);
    memcpy(out + 7, b64, (size_t)n);
    out[7 + n] = '\0';
}

long sftp_backoff_ms(int attempt, long base_ms, long cap_ms, uint32_t rnd)
{
    if (base_ms <= 0 || cap_ms <= 0)
        return 0;
    long d = base_ms;
    for (int i = 0; i < attempt && d < cap_ms; i++)
        d *= 2;
    if (d > cap_ms)
        d = cap_ms;
    long half = d / 2;
    return half + (long)((double)(d - half) * ((double)rnd / 4294967296.0));
}

int sftp_read_secret(const char *path, const char *what, char *buf, size_t n, err_t *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return err_set(e, EX_CONFIG, "cannot open %s %s: %s", what, path, strerror(errno)), -1;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return err_set(e, EX_CONFIG, "%s %s is not a regular file", what, path), -1;
    }
    if (st.st_mode & 077) {
        close(fd);
        return err_set(e, EX_CONFIG,
                       "%s %s is accessible by group or others (mode %04o); refusing to use it\n"
                       "HINT: chmod 600 %s",
                       what, path, (unsigned)(st.st_mode & 07777), path),
               -1;
    }
    size_t len = 0;
    ssize_t r;
    while (len + 1 < n && (r = read(fd, buf + len, n - 1 - len)) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            close(fd);
            return err_set(e, EX_CONFIG, "cannot read %s %s: %s", what, path, strerror(errno)), -1;
        }
        len += (size_t)r;
    }
    char extra;
    int too_long = len + 1 >= n && read(fd, &extra, 1) == 1;
    close(fd);
    if (too_long) {
        explicit_bzero(buf, n);
        return err_set(e, EX_CONFIG, "%s %s is longer than %zu bytes", what, path, n - 2), -1;
    }
    buf[len] = '\0';
    if (len && buf[len - 1] == '\n')
        buf[--len] = '\0';
    if (len && buf[len - 1] == '\r')
        buf[--len] = '\0';
    return 0;
}

/* ---- the wait helper ---------------------------------------------------- */

/* After a network failure: shut the socket down so that every later libssh2
 * call (closing handles, freeing the session) fails at once instead of
 * waiting on a dead or frozen peer, and still frees its memory. */
static void conn_break(sftp_conn *c)
{
    if (!c->broken && c->sock >= 0)
        shutdown(c->sock, SHUT_RDWR);
    c->broken = 1;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until the socket is ready in the directions libssh2 is blocked on.
 * *deadline is 0 on the first wait of a call and set here. 0 to try the
 * call again, -1 with e set (EX_TEMPFAIL) on timeout. */
static int conn_wait(sftp_conn *c, long long *deadline, const char *step, err_t *e)
{
    long long now = now_ms();
    if (!*deadline)
        *deadline = now + c->timeout_ms;
    for (;;) {
        if (c->deadline_ms && now >= c->deadline_ms)
            return conn_break(c), err_set(e, EX_TEMPFAIL, "the source's time budget (max_source_seconds) ran out while %s",
                                          step),
                   -1;
        long long left = *deadline - now;
        if (left <= 0)
            return conn_break(c), err_set(e, EX_TEMPFAIL, "timeout while %s after %llds", step,
                           (long long)c->ep->timeout_seconds),
                   -1;
        int dir = libssh2_session_block_directions(c->ssh);
        struct pollfd p = { .fd = c->sock };
        if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
            p.events |= POLLIN;
        if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
            p.events |= POLLOUT;
        if (!p.events)
            p.events = POLLIN;
        int r = poll(&p, 1, (int)(left > 1000 ? 1000 : left));
        if (r > 0)
            return 0;
        if (r < 0 && errno != EINTR)
            return err_set(e, EX_TEMPFAIL, "poll failed while %s: %s", step, strerror(errno)), -1;
        now = now_ms();
    }
}

/* Fill e from the session's last error for a failed step. */
static int ssh_fail(sftp_conn *c, const char *step, int rc, err_t *e)
{
    char *msg = NULL;
    libssh2_session_last_error(c->ssh, &msg, NULL, 0);
    if (rc == LIBSSH2_ERROR_SFTP_PROTOCOL && c->sftp) {
        unsigned long st = libssh2_sftp_last_error(c->sftp);
        const char *what = st == LIBSSH2_FX_NO_SUCH_FILE ? "no such file"
                         : st == LIBSSH2_FX_PERMISSION_DENIED ? "permission denied"
                         : st == LIBSSH2_FX_FILE_ALREADY_EXISTS ? "file already exists"
                         : st == LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM ? "no space left on the server"
                         : st == LIBSSH2_FX_FAILURE ? "failure (the server gives no detail; e.g. the target exists)"
                         : NULL;
        if (what)
            return err_set(e, EX_DATAERR, "%s: %s", step, what), -1;
        return err_set(e, EX_DATAERR, "%s: SFTP status %lu", step, st), -1;
    }
    conn_break(c);
    return err_set(e, EX_TEMPFAIL, "%s: %s", step, msg && *msg ? msg : "connection lost"), -1;
}

/* Run a libssh2 call returning int until it is not EAGAIN. */
#define SSH_CALL(c, rc, step, e, expr)                                 \
    do {                                                               \
        long long dl_ = 0;                                             \
        while (((rc) = (expr)) == LIBSSH2_ERROR_EAGAIN)                \
            if (conn_wait((c), &dl_, (step), (e)) < 0)                 \
                break;                                                 \
    } while (0)

/* Run a libssh2 call returning a pointer until it is not NULL-with-EAGAIN.
 * On failure ptr is NULL and rc holds the session's error. */
#define SSH_PCALL(c, ptr, rc, step, e, expr)                                           \
    do {                                                                               \
        long long dl_ = 0;                                                             \
        (rc) = 0;                                                                      \
        while (!((ptr) = (expr))) {                                                    \
            (rc) = libssh2_session_last_errno((c)->ssh);                               \
            if ((rc) != LIBSSH2_ERROR_EAGAIN || conn_wait((c), &dl_, (step), (e)) < 0) \
                break;                                                                 \
        }                                                                              \
    } while (0)

/* ---- connect ------------------------------------------------------------- */

static int tcp_connect(sftp_conn *c, err_t *e)
{
    const sftp_endpoint *ep = c->ep;
    char port[16];
    snprintf(port, sizeof port, "%lld", ep->port);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
    int g = getaddrinfo(ep->host, port, &hints, &res);
    if (g)
        return err_set(e, g == EAI_AGAIN ? EX_TEMPFAIL : EX_UNAVAILABLE, "cannot resolve %s: %s", ep->host,
                       gai_strerror(g)),
               -1;
    int last = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        int s = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (s < 0) {
            last = errno;
            continue;
        }
        if (connect(s, a->ai_addr, a->ai_addrlen) < 0 && errno != EINPROGRESS) {
            last = errno;
            close(s);
            continue;
        }
        struct pollfd p = { .fd = s, .events = POLLOUT };
        int r;
        do
            r = poll(&p, 1, (int)c->timeout_ms);
        while (r < 0 && errno == EINTR);
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (r == 0)
            soerr = ETIMEDOUT;
        else if (r < 0 || getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
            soerr = errno;
        if (!soerr) {
            freeaddrinfo(res);
            c->sock = s;
            return 0;
        }
        last = soerr;
        close(s);
    }
    freeaddrinfo(res);
    if (last == ETIMEDOUT)
        return err_set(e, EX_TEMPFAIL, "timeout while connecting to %s:%lld after %llds", ep->host, ep->port,
                       ep->timeout_seconds),
               -1;
    return err_set(e, EX_TEMPFAIL, "cannot connect to %s:%lld: %s", ep->host, ep->port, strerror(last)), -1;
}

/* ---- host key -------------------------------------------------------------- */

static int knownhost_keybit(int hostkey_type)
{
    switch (hostkey_type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA: return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
    case LIBSSH2_HOSTKEY_TYPE_DSS: return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
    case LIBSSH2_HOSTKEY_TYPE_ED25519: return LIBSSH2_KNOWNHOST_KEY_ED25519;
    default: return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
    }
}

static const char *keybit_name(int bit)
{
    switch (bit) {
    case LIBSSH2_KNOWNHOST_KEY_SSHRSA: return "ssh-rsa";
    case LIBSSH2_KNOWNHOST_KEY_SSHDSS: return "ssh-dss";
    case LIBSSH2_KNOWNHOST_KEY_ECDSA_256: return "ecdsa-sha2-nistp256";
    case LIBSSH2_KNOWNHOST_KEY_ECDSA_384: return "ecdsa-sha2-nistp384";
    case LIBSSH2_KNOWNHOST_KEY_ECDSA_521: return "ecdsa-sha2-nistp521";
    case LIBSSH2_KNOWNHOST_KEY_ED25519: return "ssh-ed25519";
    default: return "unknown";
    }
}

/* Host key algorithms for each known_hosts key type, for method_pref. */
static const char *keybit_algs(int bit)
{
    switch (bit) {
    case LIBSSH2_KNOWNHOST_KEY_SSHRSA: return "rsa-sha2-512,rsa-sha2-256,ssh-rsa";
    case LIBSSH2_KNOWNHOST_KEY_SSHDSS: return "ssh-dss";
    case LIBSSH2_KNOWNHOST_KEY_ECDSA_256: return "ecdsa-sha2-nistp256";
    case LIBSSH2_KNOWNHOST_KEY_ECDSA_384: return "ecdsa-sha2-nistp384";
    case LIBSSH2_KNOWNHOST_KEY_ECDSA_521: return "ecdsa-sha2-nistp521";
    case LIBSSH2_KNOWNHOST_KEY_ED25519: return "ssh-ed25519";
    default: return NULL;
    }
}

static const int all_keybits[] = {
    LIBSSH2_KNOWNHOST_KEY_ED25519,   LIBSSH2_KNOWNHOST_KEY_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_384,
    LIBSSH2_KNOWNHOST_KEY_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_SSHRSA,    LIBSSH2_KNOWNHOST_KEY_SSHDSS,
};

/* Load known_hosts line by line, skipping lines libssh2 cannot parse
 * (certificate authorities, key types it does not know) instead of
 * refusing the whole file. NULL with e set when the file cannot be read. */
/* Read known_hosts into a libssh2 collection. libssh2 understands no
 * marker lines: it skips them, so a key listed @revoked was still trusted.
 * Here @revoked lines are honoured (key, klen: the key the server offered;
 * its first @revoked line goes to *revoked_line, whatever host pattern the
 * line names, as a revoked key must never be accepted), and any other
 * marker (@cert-authority: libssh2 checks no host certificates) refuses the
 * whole file rather than silently mean less than it says. */
static LIBSSH2_KNOWNHOSTS *known_load(sftp_conn *c, const char *path, int may_be_missing, const char *key,
                                      size_t klen, int *revoked_line, err_t *e)
{
    char offered[16384] = "";
    if (key && klen && klen < (sizeof offered / 4) * 3 - 3)
        EVP_EncodeBlock((unsigned char *)offered, (const unsigned char *)key, (int)klen);
    if (revoked_line)
        *revoked_line = 0;
    LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(c->ssh);
    if (!kh)
        return err_set(e, EX_SOFTWARE, "cannot start the known_hosts reader"), NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT && may_be_missing)
            return kh;
        err_set(e, EX_CONFIG, "cannot open known_hosts %s: %s\nHINT: a missing known_hosts file is an error under "
                "host_key_check = strict; add the server's key (ssh-keyscan, checked with the bank) or use accept-new",
                path, strerror(errno));
        libssh2_knownhost_free(kh);
        return NULL;
    }
    char line[16384];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        const char *p = line + strspn(line, " \t");
        if (*p == '#' || *p == '\n' || !*p)
            continue;
        if (*p == '@') {
            size_t mlen = strcspn(p, " \t\r\n");
            if (mlen == 8 && !strncmp(p, "@revoked", 8)) {
                char b64[16384];
                if (sscanf(p + 8, " %*s %*s %16383s", b64) == 1 && *offered && !strcmp(b64, offered) &&
                    revoked_line && !*revoked_line)
                    *revoked_line = lineno;
                continue;
            }
            err_set(e, EX_CONFIG,
                    "known_hosts %s:%d: '%.*s' lines cannot be honoured (libssh2 checks no host certificates); "
                    "refusing the file\nHINT: list the server's host key itself instead, or pin it with "
                    "host_key_check = fingerprint",
                    path, lineno, (int)(mlen > 40 ? 40 : mlen), p);
            fclose(f);
            libssh2_knownhost_free(kh);
            return NULL;
        }
        if (libssh2_knownhost_readline(kh, line, strlen(line), LIBSSH2_KNOWNHOST_FILE_OPENSSH))
            log_msg(LOG_DEBUG, "sftp", KV(KV_S("file", path), KV_I("line", lineno)),
                    "known_hosts line not understood by libssh2, ignored");
    }
    fclose(f);
    return kh;
}

/* The key types known_hosts holds for this host, as a bit per all_keybits. */
static unsigned known_types(sftp_conn *c, LIBSSH2_KNOWNHOSTS *kh)
{
    static const char dummy[] = "not-a-real-key";
    unsigned mask = 0;
    for (size_t i = 0; i < sizeof all_keybits / sizeof all_keybits[0]; i++) {
        struct libssh2_knownhost *found = NULL;
        int r = libssh2_knownhost_checkp(kh, c->ep->host, (int)c->ep->port, dummy, sizeof dummy - 1,
                                         LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | all_keybits[i],
                                         &found);
        if (r == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
            mask |= 1u << i;
    }
    return mask;
}

/* Prefer the host key algorithms known_hosts has a key for (as OpenSSH
 * does), so a server with several host keys offers the one we know. */
static void prefer_known_algs(sftp_conn *c)
{
    if (!strcmp(c->ep->host_key_check, "fingerprint") || !c->ep->known_hosts)
        return;
    err_t ignore = { 0 };
    LIBSSH2_KNOWNHOSTS *kh = known_load(c, c->ep->known_hosts, 1, NULL, 0, NULL, &ignore);
    if (!kh)
        return;
    unsigned mask = known_types(c, kh);
    libssh2_knownhost_free(kh);
    if (!mask)
        return;
    /* Only algorithms this libssh2 supports: 1.10 strips the others with an
     * overlapping memcpy (undefined behaviour). */
    const char **algs = NULL;
    int n_algs = libssh2_session_supported_algs(c->ssh, LIBSSH2_METHOD_HOSTKEY, &algs);
    if (n_algs <= 0)
        return;
    char pref[512] = "";
    size_t pref_len = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < sizeof all_keybits / sizeof all_keybits[0]; i++) {
            if (!!(mask & (1u << i)) != !pass)
                continue;
            char list[128];
            snprintf(list, sizeof list, "%s", keybit_algs(all_keybits[i]));
            for (char *save = NULL, *a = strtok_r(list, ",", &save); a; a = strtok_r(NULL, ",", &save))
                for (int j = 0; j < n_algs; j++)
                    if (!strcmp(algs[j], a)) {
                        snprintf(pref + pref_len, sizeof pref - pref_len, "%s%s", *pref ? "," : "", a);
                        pref_len = strlen(pref);
                        break;
                    }
        }
    libssh2_free(c->ssh, algs);
    if (*pref)
        libssh2_session_method_pref(c->ssh, LIBSSH2_METHOD_HOSTKEY, pref);
}

/* Fingerprint of a base64 key blob as stored in known_hosts. */
static void fingerprint_of_b64(const char *b64, char *out)
{
    size_t len = strlen(b64);
    unsigned char *raw = malloc(len + 4);
    memcpy(out, "(unreadable)", sizeof "(unreadable)");
    if (!raw)
        return;
    int n = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)len);
    if (n > 0) {
        while (len && b64[len - 1] == '=') /* EVP_DecodeBlock counts padding as zero bytes */
            len--, n--;
        unsigned char md[32];
        unsigned mdn = 0;
        EVP_Digest(raw, (size_t)n, md, &mdn, EVP_sha256(), NULL);
        sftp_fingerprint_format(md, out);
    }
    free(raw);
}

static void host_label(const sftp_endpoint *ep, char *out, size_t n)
{
    if (ep->port == 22)
        snprintf(out, n, "%s", ep->host);
    else
        snprintf(out, n, "[%s]:%lld", ep->host, ep->port);
}

/* Record an unknown host's key at the end of known_hosts (accept-new). */
static int known_append(sftp_conn *c, LIBSSH2_KNOWNHOSTS *kh, const char *key, size_t klen, int keybit, err_t *e)
{
    char host[600], line[16384];
    size_t outlen = 0;
    struct libssh2_knownhost *added = NULL;
    host_label(c->ep, host, sizeof host);
    if (libssh2_knownhost_addc(kh, host, NULL, key, klen, NULL, 0,
                               LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | keybit, &added) ||
        libssh2_knownhost_writeline(kh, added, line, sizeof line, &outlen, LIBSSH2_KNOWNHOST_FILE_OPENSSH))
        return err_set(e, EX_SOFTWARE, "cannot format a known_hosts line for %s", host), -1;
    int fd = open(c->ep->known_hosts, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(e, EX_CONFIG, "cannot record the host key in %s: %s", c->ep->known_hosts, strerror(errno)), -1;
    /* Start on a new line even when the file does not end with one. */
    struct stat st;
    char last = '\n';
    if (!fstat(fd, &st) && st.st_size > 0) {
        int rfd = open(c->ep->known_hosts, O_RDONLY | O_CLOEXEC);
        if (rfd >= 0) {
            if (pread(rfd, &last, 1, st.st_size - 1) != 1)
                last = '\n';
            close(rfd);
        }
    }
    int bad = (last != '\n' && write(fd, "\n", 1) != 1) || write(fd, line, outlen) != (ssize_t)outlen || fsync(fd);
    int saved = errno;
    close(fd);
    if (bad)
        return err_set(e, EX_CONFIG, "cannot record the host key in %s: %s", c->ep->known_hosts, strerror(saved)), -1;
    return 0;
}

static int check_host_key(sftp_conn *c, err_t *e)
{
    const sftp_endpoint *ep = c->ep;
    size_t klen = 0;
    int ktype = 0;
    const char *key = libssh2_session_hostkey(c->ssh, &klen, &ktype);
    const char *sha = libssh2_hostkey_hash(c->ssh, LIBSSH2_HOSTKEY_HASH_SHA256);
    if (!key || !sha)
        return err_set(e, EX_UNAVAILABLE, "%s:%lld sent no host key", ep->host, ep->port), -1;
    sftp_fingerprint_format((const unsigned char *)sha, c->fingerprint);
    int keybit = knownhost_keybit(ktype);
    const char *kname = keybit_name(keybit);
    char host[600];
    host_label(ep, host, sizeof host);

    if (!strcmp(ep->host_key_check, "fingerprint")) {
        if (!strcmp(c->fingerprint, ep->host_key_sha256))
            return 0;
        return err_set(e, EX_UNAVAILABLE,
                       "host key of %s does not match host_key_sha256: expected %s, offered %s (%s)\n"
                       "HINT: nothing was downloaded; if the server's key really changed, confirm the new "
                       "fingerprint with its operator out of band, then update host_key_sha256",
                       host, ep->host_key_sha256, c->fingerprint, kname),
               -1;
    }

    int accept_new = !strcmp(ep->host_key_check, "accept-new");
    int revoked = 0;
    LIBSSH2_KNOWNHOSTS *kh = known_load(c, ep->known_hosts, accept_new, key, klen, &revoked, e);
    if (!kh)
        return -1;
    if (revoked) {
        libssh2_knownhost_free(kh);
        return err_set(e, EX_UNAVAILABLE,
                       "host key of %s is revoked: %s:%d marks the key the server offered, %s (%s), @revoked\n"
                       "HINT: nothing was downloaded; the server still uses a key that was revoked. Ask its "
                       "operator which key is current and confirm its fingerprint out of band",
                       host, ep->known_hosts, revoked, c->fingerprint, kname),
               -1;
    }
    struct libssh2_knownhost *found = NULL;
    int r = libssh2_knownhost_checkp(kh, ep->host, (int)ep->port, key, klen,
                                     LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | keybit, &found);
    int rc = 0;
    if (r == LIBSSH2_KNOWNHOST_CHECK_MATCH) {
        rc = 0;
    } else if (r == LIBSSH2_KNOWNHOST_CHECK_MISMATCH) {
        char expected[128];
        fingerprint_of_b64(found && found->key ? found->key : "", expected);
        rc = err_set(e, EX_UNAVAILABLE,
                     "host key of %s has changed: %s holds %s, the server offered %s (%s)\n"
                     "HINT: nothing was downloaded; this may be an attack. If the server's key really changed, "
                     "confirm the new fingerprint with its operator, then replace the line for %s in %s",
                     host, ep->known_hosts, expected, c->fingerprint, kname, host, ep->known_hosts);
    } else if (r == LIBSSH2_KNOWNHOST_CHECK_NOTFOUND) {
        unsigned other = known_types(c, kh);
        if (other) {
            char types[256] = "";
            size_t types_len = 0;
            for (size_t i = 0; i < sizeof all_keybits / sizeof all_keybits[0]; i++)
                if (other & (1u << i)) {
                    snprintf(types + types_len, sizeof types - types_len, "%s%s", *types ? ", " : "",
                             keybit_name(all_keybits[i]));
                    types_len = strlen(types);
                }
            rc = err_set(e, EX_UNAVAILABLE,
                         "host key of %s has changed: %s holds a %s key, the server offered %s (%s)\n"
                         "HINT: nothing was downloaded; confirm the new key with the server's operator, then "
                         "replace the line for %s in %s",
                         host, ep->known_hosts, types, c->fingerprint, kname, host, ep->known_hosts);
        } else if (accept_new) {
            if (known_append(c, kh, key, klen, keybit, e) < 0)
                rc = -1;
            else
                log_msg(LOG_WARN, "sftp",
                        KV(KV_S("host", host), KV_S("fingerprint", c->fingerprint), KV_S("known_hosts", ep->known_hosts)),
                        "unknown host key recorded (host_key_check = accept-new)");
        } else {
            rc = err_set(e, EX_UNAVAILABLE,
                         "host key of %s is not in %s: the server offered %s (%s)\n"
                         "HINT: nothing was downloaded; confirm the fingerprint with the server's operator, then add "
                         "the key (ssh-keyscan -p %lld %s >> %s) or set host_key_sha256 with host_key_check = fingerprint",
                         host, ep->known_hosts, c->fingerprint, kname, ep->port, ep->host, ep->known_hosts);
        }
    } else {
        rc = err_set(e, EX_UNAVAILABLE, "cannot check the host key of %s against %s", host, ep->known_hosts);
    }
    libssh2_knownhost_free(kh);
    return rc ? -1 : 0;
}

/* ---- authentication ----------------------------------------------------- */

/* Whether a private key file holds an RSA key, judged from its PEM header
 * or the .pub file beside it (OpenSSH-format keys do not say). */
static int identity_is_rsa(const char *path)
{
    char buf[64] = "", pub[4096];
    FILE *f = fopen(path, "r");
    if (f) {
        if (!fgets(buf, sizeof buf, f))
            buf[0] = '\0';
        fclose(f);
        if (strstr(buf, "BEGIN RSA PRIVATE KEY"))
            return 1;
    }
    snprintf(pub, sizeof pub, "%s.pub", path);
    f = fopen(pub, "r");
    if (!f)
        return 0;
    if (!fgets(buf, sizeof buf, f))
        buf[0] = '\0';
    fclose(f);
    return !strncmp(buf, "ssh-rsa ", 8);
}

static int authenticate(sftp_conn *c, err_t *e)
{
    const sftp_endpoint *ep = c->ep;
    int rc;
    char *methods;
    SSH_PCALL(c, methods, rc, "asking for authentication methods", e,
              libssh2_userauth_list(c->ssh, ep->user, (unsigned)strlen(ep->user)));
    if (!methods) {
        if (libssh2_userauth_authenticated(c->ssh))
            return 0;
        if (rc == LIBSSH2_ERROR_EAGAIN)
            return -1;
        return ssh_fail(c, "asking for authentication methods", rc, e);
    }
    char secret[1024];
    char tried[256] = "";

    if (ep->identity && strstr(methods, "publickey")) {
        secret[0] = '\0';
        if (ep->identity_passphrase_file &&
            sftp_read_secret(ep->identity_passphrase_file, "identity_passphrase_file", secret, sizeof secret, e) < 0)
            return -1;
        SSH_CALL(c, rc, "authenticating with a public key", e,
                 libssh2_userauth_publickey_fromfile_ex(c->ssh, ep->user, (unsigned)strlen(ep->user), NULL,
                                                        ep->identity, secret[0] ? secret : NULL));
        explicit_bzero(secret, sizeof secret);
        if (rc == 0)
            return 0;
        if (rc == LIBSSH2_ERROR_EAGAIN)
            return -1;
        if (rc == LIBSSH2_ERROR_FILE)
            return err_set(e, EX_CONFIG,
                           "cannot load private key %s: wrong or missing passphrase, or a format libssh2 cannot read\n"
                           "HINT: check identity_passphrase_file; keys must be OpenSSH or PEM ed25519/RSA keys",
                           ep->identity),
                   -1;
        if (rc != LIBSSH2_ERROR_AUTHENTICATION_FAILED && rc != LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED)
            return ssh_fail(c, "authenticating with a public key", rc, e);
        snprintf(tried, sizeof tried, "public key %s", ep->identity);
    }
    if (ep->password_file && strstr(methods, "password")) {
        if (sftp_read_secret(ep->password_file, "password_file", secret, sizeof secret, e) < 0)
            return -1;
        SSH_CALL(c, rc, "authenticating with a password", e,
                 libssh2_userauth_password_ex(c->ssh, ep->user, (unsigned)strlen(ep->user), secret,
                                              (unsigned)strlen(secret), NULL));
        explicit_bzero(secret, sizeof secret);
        if (rc == 0)
            return 0;
        if (rc == LIBSSH2_ERROR_EAGAIN)
            return -1;
        if (rc != LIBSSH2_ERROR_AUTHENTICATION_FAILED)
            return ssh_fail(c, "authenticating with a password", rc, e);
        snprintf(tried + strlen(tried), sizeof tried - strlen(tried), "%spassword from %s", *tried ? " and " : "",
                 ep->password_file);
    }
    if (!*tried)
        return err_set(e, EX_UNAVAILABLE,
                       "%s:%lld offers no authentication method we are configured for (server offers: %s)\n"
                       "HINT: set identity (public key) or password_file",
                       ep->host, ep->port, methods),
               -1;
    return err_set(e, EX_UNAVAILABLE, "%s:%lld refused authentication as %s with %s\n"
                   "HINT: check that the public key is in the server's authorized_keys for this user%s",
                   ep->host, ep->port, ep->user, tried,
                   ep->identity && identity_is_rsa(ep->identity) && libssh2_version(0x010b00) == NULL
                       ? "; libssh2 before 1.11 signs RSA keys with SHA-1 (ssh-rsa), which OpenSSH 8.8 and "
                         "later refuse by default: prefer an ed25519 key"
                       : ""),
           -1;
}

/* ---- open / close ---------------------------------------------------------- */

static void conn_free(sftp_conn *c)
{
    if (!c)
        return;
    if (c->sftp) {
        int rc;
        err_t ignore;
        SSH_CALL(c, rc, "closing SFTP", &ignore, libssh2_sftp_shutdown(c->sftp));
        (void)rc;
    }
    if (c->ssh) {
        int rc;
        err_t ignore;
        if (!c->broken)
            SSH_CALL(c, rc, "disconnecting", &ignore, libssh2_session_disconnect(c->ssh, "settle: done"));
        conn_break(c); /* nothing more to say: freeing must not wait */
        libssh2_session_set_blocking(c->ssh, 1);
        libssh2_session_free(c->ssh);
    }
    if (c->sock >= 0)
        close(c->sock);
    free(c);
}

static sftp_conn *open_once(const sftp_endpoint *ep, err_t *e)
{
    sftp_conn *c = calloc(1, sizeof *c);
    if (!c)
        return err_set(e, EX_SOFTWARE, "out of memory"), NULL;
    c->ep = ep;
    c->sock = -1;
    c->timeout_ms = ep->timeout_seconds * 1000;
    if (tcp_connect(c, e) < 0)
        goto fail;
    c->ssh = libssh2_session_init();
    if (!c->ssh) {
        err_set(e, EX_SOFTWARE, "cannot start an SSH session");
        goto fail;
    }
    libssh2_session_set_blocking(c->ssh, 0);
    prefer_known_algs(c);
    int rc;
    SSH_CALL(c, rc, "handshaking", e, libssh2_session_handshake(c->ssh, c->sock));
    if (rc) {
        if (rc != LIBSSH2_ERROR_EAGAIN)
            ssh_fail(c, "SSH handshake", rc, e);
        goto fail;
    }
    if (check_host_key(c, e) < 0 || authenticate(c, e) < 0)
        goto fail;
    SSH_PCALL(c, c->sftp, rc, "starting SFTP", e, libssh2_sftp_init(c->ssh));
    if (!c->sftp) {
        if (rc != LIBSSH2_ERROR_EAGAIN)
            ssh_fail(c, "starting SFTP", rc, e);
        goto fail;
    }
    return c;
fail:
    conn_free(c);
    return NULL;
}

static uint32_t jitter_random(void)
{
    static int seeded;
    if (!seeded) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        srandom((unsigned)(ts.tv_nsec ^ getpid()));
        seeded = 1;
    }
    return ((uint32_t)random() << 1) ^ (uint32_t)random();
}

/* Refuse key and secret files others can read before touching the network. */
static int check_local_files(const sftp_endpoint *ep, err_t *e)
{
    const char *what[] = { "identity", "identity_passphrase_file", "password_file" };
    const char *path[] = { ep->identity, ep->identity_passphrase_file, ep->password_file };
    for (int i = 0; i < 3; i++) {
        struct stat st;
        if (!path[i])
            continue;
        if (stat(path[i], &st) < 0)
            return err_set(e, EX_CONFIG, "cannot read %s %s: %s", what[i], path[i], strerror(errno)), -1;
        if (st.st_mode & 077)
            return err_set(e, EX_CONFIG,
                           "%s %s is accessible by group or others (mode %04o); refusing to use it\n"
                           "HINT: chmod 600 %s",
                           what[i], path[i], (unsigned)(st.st_mode & 07777), path[i]),
                   -1;
    }
    return 0;
}

sftp_conn *sftp_open(const sftp_endpoint *ep, err_t *e)
{
    if (check_local_files(ep, e) < 0)
        return NULL;
    static int inited;
    if (!inited) {
        if (libssh2_init(0))
            return err_set(e, EX_SOFTWARE, "cannot initialise libssh2"), NULL;
        inited = 1;
    }
    const char *b = getenv("SETTLE_SFTP_BACKOFF_MS");
    long base = b && *b ? strtol(b, NULL, 10) : 1000;
    for (int attempt = 0;; attempt++) {
        sftp_conn *c = open_once(ep, e);
        if (c) {
            if (attempt)
                log_msg(LOG_INFO, "sftp", KV(KV_S("endpoint", ep->name), KV_I("attempt", attempt + 1)), "connected");
            return c;
        }
        if (e->code != EX_TEMPFAIL || attempt >= ep->retries)
            return NULL;
        long ms = sftp_backoff_ms(attempt, base, 60000, jitter_random());
        log_msg(LOG_WARN, "sftp",
                KV(KV_S("endpoint", ep->name), KV_S("error", e->msg), KV_I("attempt", attempt + 1),
                   KV_I("retry_in_ms", ms)),
                "connection failed, retrying");
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
    }
}

void sftp_close(sftp_conn *c)
{
    conn_free(c);
}

const char *sftp_host_fingerprint(const sftp_conn *c)
{
    return c->fingerprint;
}

/* ---- files ---------------------------------------------------------------- */

static void fill_entry(sftp_entry *x, const LIBSSH2_SFTP_ATTRIBUTES *a)
{
    x->size = (a->flags & LIBSSH2_SFTP_ATTR_SIZE) ? a->filesize : 0;
    x->mtime = (a->flags & LIBSSH2_SFTP_ATTR_ACMODTIME) ? (int64_t)a->mtime : 0;
    if (!(a->flags & LIBSSH2_SFTP_ATTR_PERMISSIONS))
        x->type = SFTP_OTHER;
    else if (LIBSSH2_SFTP_S_ISREG(a->permissions))
        x->type = SFTP_REGULAR;
    else if (LIBSSH2_SFTP_S_ISDIR(a->permissions))
        x->type = SFTP_DIRECTORY;
    else
        x->type = SFTP_OTHER;
}

void sftp_list_free(sftp_entry *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].name);
    free(v);
}

static void close_handle(sftp_conn *c, LIBSSH2_SFTP_HANDLE *h)
{
    int rc;
    err_t ignore;
    SSH_CALL(c, rc, "closing a remote file", &ignore, libssh2_sftp_close_handle(h));
    (void)rc;
}

int sftp_list(sftp_conn *c, const char *dir, sftp_entry **out, size_t *n, err_t *e)
{
    char step[1200];
    snprintf(step, sizeof step, "listing %s", dir);
    LIBSSH2_SFTP_HANDLE *h;
    int rc;
    SSH_PCALL(c, h, rc, step, e, libssh2_sftp_opendir(c->sftp, dir));
    if (!h)
        return rc == LIBSSH2_ERROR_EAGAIN ? -1 : ssh_fail(c, step, rc, e);
    sftp_entry *v = NULL;
    size_t cnt = 0, cap = 0;
    char name[4096];
    for (;;) {
        LIBSSH2_SFTP_ATTRIBUTES a;
        SSH_CALL(c, rc, step, e, libssh2_sftp_readdir_ex(h, name, sizeof name, NULL, 0, &a));
        if (rc == 0)
            break;
        if (rc < 0) {
            if (rc != LIBSSH2_ERROR_EAGAIN)
                ssh_fail(c, step, rc, e);
            sftp_list_free(v, cnt);
            close_handle(c, h);
            return -1;
        }
        size_t len = (size_t)rc;
        if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
            continue;
        if (cnt == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            sftp_entry *g = realloc(v, ncap * sizeof *v);
            if (!g) {
                sftp_list_free(v, cnt);
                close_handle(c, h);
                return err_set(e, EX_SOFTWARE, "out of memory"), -1;
            }
            v = g;
            cap = ncap;
        }
        sftp_entry *x = &v[cnt];
        x->name = malloc(len + 1);
        if (!x->name) {
            sftp_list_free(v, cnt);
            close_handle(c, h);
            return err_set(e, EX_SOFTWARE, "out of memory"), -1;
        }
        memcpy(x->name, name, len);
        x->name[len] = '\0';
        x->name_len = len;
        fill_entry(x, &a);
        cnt++;
    }
    close_handle(c, h);
    *out = v;
    *n = cnt;
    return 0;
}

int sftp_stat(sftp_conn *c, const char *path, sftp_entry *out, err_t *e)
{
    char step[1200];
    snprintf(step, sizeof step, "reading the attributes of %s", path);
    LIBSSH2_SFTP_ATTRIBUTES a;
    int rc;
    SSH_CALL(c, rc, step, e,
             libssh2_sftp_stat_ex(c->sftp, path, (unsigned)strlen(path), LIBSSH2_SFTP_STAT, &a));
    if (rc)
        return rc == LIBSSH2_ERROR_EAGAIN ? -1 : ssh_fail(c, step, rc, e);
    memset(out, 0, sizeof *out);
    fill_entry(out, &a);
    return 0;
}

static int write_all(int fd, const char *buf, size_t n)
{
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

int sftp_download(sftp_conn *c, const char *path, int fd, uint64_t offset, uint64_t limit, uint64_t *total,
                  err_t *e)
{
    char step[1200];
    snprintf(step, sizeof step, "opening %s", path);
    LIBSSH2_SFTP_HANDLE *h;
    int rc;
    SSH_PCALL(c, h, rc, step, e,
              libssh2_sftp_open_ex(c->sftp, path, (unsigned)strlen(path), LIBSSH2_FXF_READ, 0, LIBSSH2_SFTP_OPENFILE));
    if (!h)
        return rc == LIBSSH2_ERROR_EAGAIN ? -1 : ssh_fail(c, step, rc, e);
    if (offset)
        libssh2_sftp_seek64(h, offset);
    char *buf = malloc(READ_BUF);
    if (!buf) {
        close_handle(c, h);
        return err_set(e, EX_SOFTWARE, "out of memory"), -1;
    }
    snprintf(step, sizeof step, "reading %s", path);
    uint64_t got = offset;
    int ret = 0;
    /* timeout_seconds restarts on every read, so a server trickling a few
     * bytes at a time never times out: measure the rate over windows of
     * timeout_seconds (a short read or a short stall is fine; only a
     * window's average counts) and cut a download slower than
     * min_bytes_per_second (EX_TEMPFAIL: the .part is resumed next time). */
    long long win_start = now_ms(), win_ms = c->timeout_ms > 1000 ? c->timeout_ms : 1000;
    uint64_t win_bytes = 0;
    for (;;) {
        ssize_t r;
        long long dl = 0;
        long long now = now_ms();
        if (c->deadline_ms && now >= c->deadline_ms) {
            conn_break(c);
            err_set(e, EX_TEMPFAIL, "the source's time budget (max_source_seconds) ran out while %s", step);
            ret = -1;
            break;
        }
        if (now - win_start >= win_ms) {
            long long rate = (long long)(win_bytes * 1000 / (uint64_t)(now - win_start));
            if (c->ep->min_bytes_per_second > 0 && rate < c->ep->min_bytes_per_second) {
                conn_break(c);
                err_set(e, EX_TEMPFAIL,
                        "%s too slow: %lld bytes/s over the last %llds, less than min_bytes_per_second = %lld "
                        "(%llu bytes so far, kept for resuming)",
                        step, rate, (now - win_start) / 1000, c->ep->min_bytes_per_second, (unsigned long long)got);
                ret = -1;
                break;
            }
            win_start = now;
            win_bytes = 0;
        }
        while ((r = libssh2_sftp_read(h, buf, READ_BUF)) == LIBSSH2_ERROR_EAGAIN)
            if (conn_wait(c, &dl, step, e) < 0)
                break;
        if (r == 0)
            break;
        if (r < 0) {
            if (r != LIBSSH2_ERROR_EAGAIN)
                ssh_fail(c, step, (int)r, e);
            ret = -1;
            break;
        }
        if (limit && got + (uint64_t)r > limit) {
            err_set(e, EX_DATAERR, "%s has more than the %llu bytes expected", path, (unsigned long long)limit);
            ret = -1;
            break;
        }
        if (write_all(fd, buf, (size_t)r) < 0) {
            err_set(e, EX_IOERR, "cannot write the download of %s: %s", path, strerror(errno));
            ret = -1;
            break;
        }
        got += (uint64_t)r;
        win_bytes += (uint64_t)r;
        if (limit)
            progress_update("fetch %s: %llu of %llu MB", path, (unsigned long long)(got >> 20),
                            (unsigned long long)(limit >> 20));
        else
            progress_update("fetch %s: %llu MB", path, (unsigned long long)(got >> 20));
    }
    progress_done();
    free(buf);
    if (total)
        *total = got;
    close_handle(c, h); /* fails at once after a network failure (conn_break) */
    return ret;
}

void sftp_set_budget(sftp_conn *c, long long ms)
{
    c->deadline_ms = ms > 0 ? now_ms() + ms : 0;
}

int sftp_rename(sftp_conn *c, const char *from, const char *to, err_t *e)
{
    char step[2400];
    snprintf(step, sizeof step, "renaming %s to %s", from, to);
    int rc;
    SSH_CALL(c, rc, step, e,
             libssh2_sftp_rename_ex(c->sftp, from, (unsigned)strlen(from), to, (unsigned)strlen(to),
                                    LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE));
    if (rc)
        return rc == LIBSSH2_ERROR_EAGAIN ? -1 : ssh_fail(c, step, rc, e);
    return 0;
}

int sftp_remove(sftp_conn *c, const char *path, err_t *e)
{
    char step[1200];
    snprintf(step, sizeof step, "removing %s", path);
    int rc;
    SSH_CALL(c, rc, step, e, libssh2_sftp_unlink_ex(c->sftp, path, (unsigned)strlen(path)));
    if (rc)
        return rc == LIBSSH2_ERROR_EAGAIN ? -1 : ssh_fail(c, step, rc, e);
    return 0;
}

int sftp_upload(sftp_conn *c, const char *local_path, const char *dir, const char *name, err_t *e)
{
    int fd = open(local_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, EX_IOERR, "cannot open %s: %s", local_path, strerror(errno)), -1;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return err_set(e, EX_IOERR, "cannot stat %s: %s", local_path, strerror(errno)), -1;
    }
    char final[2048], tmp[2100], step[2400];
    snprintf(final, sizeof final, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.part", final);
    snprintf(step, sizeof step, "creating %s", tmp);
    LIBSSH2_SFTP_HANDLE *h;
    int rc;
    SSH_PCALL(c, h, rc, step, e,
              libssh2_sftp_open_ex(c->sftp, tmp, (unsigned)strlen(tmp),
                                   LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC,
                                   LIBSSH2_SFTP_S_IRUSR | LIBSSH2_SFTP_S_IWUSR, LIBSSH2_SFTP_OPENFILE));
    if (!h) {
        close(fd);
        return rc == LIBSSH2_ERROR_EAGAIN ? -1 : ssh_fail(c, step, rc, e);
    }
    char *buf = malloc(WRITE_BUF);
    int ret = buf ? 0 : (err_set(e, EX_SOFTWARE, "out of memory"), -1);
    snprintf(step, sizeof step, "writing %s", tmp);
    while (ret == 0) {
        ssize_t n = read(fd, buf, WRITE_BUF);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err_set(e, EX_IOERR, "cannot read %s: %s", local_path, strerror(errno));
            ret = -1;
            break;
        }
        if (n == 0)
            break;
        size_t off = 0;
        while (off < (size_t)n) {
            ssize_t w;
            long long dl = 0;
            while ((w = libssh2_sftp_write(h, buf + off, (size_t)n - off)) == LIBSSH2_ERROR_EAGAIN)
                if (conn_wait(c, &dl, step, e) < 0)
                    break;
            if (w < 0) {
                if (w != LIBSSH2_ERROR_EAGAIN)
                    ssh_fail(c, step, (int)w, e);
                ret = -1;
                break;
            }
            off += (size_t)w;
        }
    }
    free(buf);
    close(fd);
    if (ret == 0) {
        LIBSSH2_SFTP_ATTRIBUTES a;
        snprintf(step, sizeof step, "checking the size of %s", tmp);
        SSH_CALL(c, rc, step, e, libssh2_sftp_fstat_ex(h, &a, 0));
        if (rc)
            ret = rc == LIBSSH2_ERROR_EAGAIN ? -1 : ssh_fail(c, step, rc, e);
        else if (!(a.flags & LIBSSH2_SFTP_ATTR_SIZE) || a.filesize != (uint64_t)st.st_size) {
            err_set(e, EX_DATAERR, "%s holds %llu bytes after upload, expected %lld", tmp,
                    (unsigned long long)a.filesize, (long long)st.st_size);
            ret = -1;
        }
    }
    close_handle(c, h); /* fails at once after a network failure (conn_break) */
    if (ret == 0)
        ret = sftp_rename(c, tmp, final, e);
    if (ret < 0 && e->code != EX_TEMPFAIL) {
        err_t ignore = { 0 };
        sftp_remove(c, tmp, &ignore);
    }
    return ret;
}
