/* sftp_hostkey.c - the server's host key: known_hosts (strict,
 * accept-new, @revoked lines), or a pinned SHA-256 fingerprint
 * (docs/fetch.md), checked before authentication. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sftp_int.h"

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
void sftp_prefer_known_algs(sftp_conn *c)
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
        return err_fail(e, EX_SOFTWARE, "cannot format a known_hosts line for %s", host);
    int fd = open(c->ep->known_hosts, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_fail(e, EX_CONFIG, "cannot record the host key in %s: %s", c->ep->known_hosts, strerror(errno));
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
        return err_fail(e, EX_CONFIG, "cannot record the host key in %s: %s", c->ep->known_hosts, strerror(saved));
    return 0;
}

/* The names of the key types whose bits (in all_keybits[] order) are set
 * in mask, comma-separated, into types. */
static void keybit_list(unsigned mask, char *types, size_t n)
{
    size_t types_len = 0;
    types[0] = '\0';
    for (size_t i = 0; i < sizeof all_keybits / sizeof all_keybits[0]; i++)
        if (mask & (1u << i)) {
            snprintf(types + types_len, n - types_len, "%s%s", *types ? ", " : "", keybit_name(all_keybits[i]));
            types_len = strlen(types);
        }
}

/* No known_hosts line for the offered key's type: refused when the host
 * has lines of other types (its key changed), else recorded with
 * accept-new, else refused. 0, or -1 with e set. */
static int host_key_unknown(sftp_conn *c, LIBSSH2_KNOWNHOSTS *kh, const char *host, const char *key, size_t klen,
                            int keybit, int accept_new, err_t *e)
{
    const sftp_endpoint *ep = c->ep;
    const char *kname = keybit_name(keybit);
    unsigned other = known_types(c, kh);
    if (other) {
        char types[256];
        keybit_list(other, types, sizeof types);
        return err_fail(e, EX_UNAVAILABLE,
                        "host key of %s has changed: %s holds a %s key, the server offered %s (%s)\n"
                        "HINT: nothing was downloaded; confirm the new key with the server's operator, then "
                        "replace the line for %s in %s",
                        host, ep->known_hosts, types, c->fingerprint, kname, host, ep->known_hosts);
    }
    if (!accept_new)
        return err_fail(e, EX_UNAVAILABLE,
                        "host key of %s is not in %s: the server offered %s (%s)\n"
                        "HINT: nothing was downloaded; confirm the fingerprint with the server's operator, then add "
                        "the key (ssh-keyscan -p %lld %s >> %s) or set host_key_sha256 with host_key_check = fingerprint",
                        host, ep->known_hosts, c->fingerprint, kname, ep->port, ep->host, ep->known_hosts);
    if (known_append(c, kh, key, klen, keybit, e) < 0)
        return -1;
    log_msg(LOG_WARN, "sftp",
            KV(KV_S("host", host), KV_S("fingerprint", c->fingerprint), KV_S("known_hosts", ep->known_hosts)),
            "unknown host key recorded (host_key_check = accept-new)");
    return 0;
}

int sftp_check_host_key(sftp_conn *c, err_t *e)
{
    const sftp_endpoint *ep = c->ep;
    size_t klen = 0;
    int ktype = 0;
    const char *key = libssh2_session_hostkey(c->ssh, &klen, &ktype);
    const char *sha = libssh2_hostkey_hash(c->ssh, LIBSSH2_HOSTKEY_HASH_SHA256);
    if (!key || !sha)
        return err_fail(e, EX_UNAVAILABLE, "%s:%lld sent no host key", ep->host, ep->port);
    sftp_fingerprint_format((const unsigned char *)sha, c->fingerprint);
    int keybit = knownhost_keybit(ktype);
    const char *kname = keybit_name(keybit);
    char host[600];
    host_label(ep, host, sizeof host);

    if (!strcmp(ep->host_key_check, "fingerprint")) {
        if (!strcmp(c->fingerprint, ep->host_key_sha256))
            return 0;
        return err_fail(e, EX_UNAVAILABLE,
                       "host key of %s does not match host_key_sha256: expected %s, offered %s (%s)\n"
                       "HINT: nothing was downloaded; if the server's key really changed, confirm the new "
                       "fingerprint with its operator out of band, then update host_key_sha256",
                       host, ep->host_key_sha256, c->fingerprint, kname);
    }

    int accept_new = !strcmp(ep->host_key_check, "accept-new");
    int revoked = 0;
    LIBSSH2_KNOWNHOSTS *kh = known_load(c, ep->known_hosts, accept_new, key, klen, &revoked, e);
    if (!kh)
        return -1;
    if (revoked) {
        libssh2_knownhost_free(kh);
        return err_fail(e, EX_UNAVAILABLE,
                       "host key of %s is revoked: %s:%d marks the key the server offered, %s (%s), @revoked\n"
                       "HINT: nothing was downloaded; the server still uses a key that was revoked. Ask its "
                       "operator which key is current and confirm its fingerprint out of band",
                       host, ep->known_hosts, revoked, c->fingerprint, kname);
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
        rc = host_key_unknown(c, kh, host, key, klen, keybit, accept_new, e);
    } else {
        rc = err_set(e, EX_UNAVAILABLE, "cannot check the host key of %s against %s", host, ep->known_hosts);
    }
    libssh2_knownhost_free(kh);
    return rc ? -1 : 0;
}
