/* sftp.c - libssh2 SFTP client, the connection: connect (with retries and
 * backoff), the one wait helper, open and close. The host key check is in
 * sftp_hostkey.c, authentication in sftp_auth.c, listing and transfers in
 * sftp_xfer.c; sftp_int.h is what they share. See sftp.h for the contract
 * and docs/fetch.md for the host key modes. */
#include "common/sftp.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sftp_int.h"

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

/* ---- the wait helper ---------------------------------------------------- */

/* After a network failure: shut the socket down so that every later libssh2
 * call (closing handles, freeing the session) fails at once instead of
 * waiting on a dead or frozen peer, and still frees its memory. */
void sftp_conn_break(sftp_conn *c)
{
    if (!c->broken && c->sock >= 0)
        shutdown(c->sock, SHUT_RDWR);
    c->broken = 1;
}

long long sftp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sftp_budget_spent(const sftp_conn *c)
{
    return c->deadline_ms && sftp_now_ms() >= c->deadline_ms;
}

int sftp_budget_fail(sftp_conn *c, const char *step, err_t *e)
{
    sftp_conn_break(c);
    return err_fail(e, EX_TEMPFAIL, "the source's time budget (max_source_seconds) ran out while %s", step);
}

/* Wait until the socket is ready in the directions libssh2 is blocked on.
 * *deadline is 0 on the first wait of a call and set here. 0 to try the
 * call again, -1 with e set (EX_TEMPFAIL) on timeout. */
int sftp_conn_wait(sftp_conn *c, long long *deadline, const char *step, err_t *e)
{
    long long now = sftp_now_ms();
    if (!*deadline)
        *deadline = now + c->timeout_ms;
    for (;;) {
        if (c->deadline_ms && now >= c->deadline_ms)
            return sftp_budget_fail(c, step, e);
        long long left = *deadline - now;
        if (left <= 0)
            return sftp_conn_break(c), err_fail(e, EX_TEMPFAIL, "timeout while %s after %llds", step,
                           (long long)c->ep->timeout_seconds);
        if (c->deadline_ms && c->deadline_ms - now < left)
            left = c->deadline_ms - now; /* wake up when the budget ends, not a second later */
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
            return err_fail(e, EX_TEMPFAIL, "poll failed while %s: %s", step, strerror(errno));
        now = sftp_now_ms();
    }
}

/* Fill e from the session's last error for a failed step. */
int sftp_ssh_fail(sftp_conn *c, const char *step, int rc, err_t *e)
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
            return err_fail(e, EX_DATAERR, "%s: %s", step, what);
        return err_fail(e, EX_DATAERR, "%s: SFTP status %lu", step, st);
    }
    sftp_conn_break(c);
    return err_fail(e, EX_TEMPFAIL, "%s: %s", step, msg && *msg ? msg : "connection lost");
}

int sftp_conn_alive(sftp_conn *c)
{
    if (c->broken || c->sock < 0)
        return 0;
    char b;
    ssize_t r = recv(c->sock, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    if (r > 0)
        return 1;
    if (r == 0)
        return 0; /* the server closed it */
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

int sftp_rc_no_answer(int rc)
{
    return rc == LIBSSH2_ERROR_TIMEOUT || rc == LIBSSH2_ERROR_SOCKET_NONE || rc == LIBSSH2_ERROR_SOCKET_SEND ||
           rc == LIBSSH2_ERROR_SOCKET_RECV || rc == LIBSSH2_ERROR_SOCKET_DISCONNECT ||
           rc == LIBSSH2_ERROR_SOCKET_TIMEOUT;
}

int sftp_no_answer(sftp_conn *c, const char *step, int rc, err_t *e)
{
    if (sftp_budget_spent(c))
        return sftp_budget_fail(c, step, e);
    int alive = sftp_conn_alive(c);
    sftp_conn_break(c);
    if (rc == LIBSSH2_ERROR_TIMEOUT && alive) /* libssh2's own wait for a packet (LIBSSH2_READ_TIMEOUT) */
        return err_fail(e, EX_TEMPFAIL, "timeout while %s: the server did not answer", step);
    return err_fail(e, EX_TEMPFAIL, "connection lost while %s: the server closed it before answering", step);
}

/* ---- connect ------------------------------------------------------------- */

static int tcp_connect(sftp_conn *c, err_t *e)
{
    const sftp_endpoint *ep = c->ep;
    char port[16];
    snprintf(port, sizeof port, "%lld", ep->port);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
    int g = getaddrinfo(ep->host, port, &hints, &res);
    if (g)
        return err_fail(e, g == EAI_AGAIN ? EX_TEMPFAIL : EX_UNAVAILABLE, "cannot resolve %s: %s", ep->host,
                       gai_strerror(g));
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
        long long wait_ms = c->timeout_ms;
        if (c->deadline_ms && c->deadline_ms - sftp_now_ms() < wait_ms)
            wait_ms = c->deadline_ms - sftp_now_ms();
        int r = 0;
        if (wait_ms > 0)
            do
                r = poll(&p, 1, (int)wait_ms);
            while (r < 0 && errno == EINTR);
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (r == 0 && sftp_budget_spent(c)) {
            close(s);
            freeaddrinfo(res);
            char step[600];
            snprintf(step, sizeof step, "connecting to %s:%lld", ep->host, ep->port);
            return sftp_budget_fail(c, step, e);
        }
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
        return err_fail(e, EX_TEMPFAIL, "timeout while connecting to %s:%lld after %llds", ep->host, ep->port,
                       ep->timeout_seconds);
    return err_fail(e, EX_TEMPFAIL, "cannot connect to %s:%lld: %s", ep->host, ep->port, strerror(last));
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
        sftp_conn_break(c); /* nothing more to say: freeing must not wait */
        libssh2_session_set_blocking(c->ssh, 1);
        libssh2_session_free(c->ssh);
    }
    if (c->sock >= 0)
        close(c->sock);
    free(c);
}

static sftp_conn *open_once(const sftp_endpoint *ep, long long deadline_ms, err_t *e)
{
    sftp_conn *c = calloc(1, sizeof *c);
    if (!c)
        return err_set(e, EX_SOFTWARE, "out of memory"), NULL;
    c->ep = ep;
    c->sock = -1;
    c->timeout_ms = ep->timeout_seconds * 1000;
    c->deadline_ms = deadline_ms;
    if (tcp_connect(c, e) < 0)
        goto fail;
    c->ssh = libssh2_session_init();
    if (!c->ssh) {
        err_set(e, EX_SOFTWARE, "cannot start an SSH session");
        goto fail;
    }
    libssh2_session_set_blocking(c->ssh, 0);
    sftp_prefer_known_algs(c);
    int rc;
    SSH_CALL(c, rc, "handshaking", e, libssh2_session_handshake(c->ssh, c->sock));
    if (rc) {
        /* a handshake cut short (connection lost, libssh2's own timeout,
         * the budget) is no answer, whatever code libssh2 gives it */
        if (rc != LIBSSH2_ERROR_EAGAIN) {
            if (sftp_rc_no_answer(rc) || sftp_budget_spent(c) || !sftp_conn_alive(c))
                sftp_no_answer(c, "handshaking", rc, e);
            else
                sftp_ssh_fail(c, "SSH handshake", rc, e);
        }
        goto fail;
    }
    if (sftp_check_host_key(c, e) < 0 || sftp_authenticate(c, e) < 0)
        goto fail;
    SSH_PCALL(c, c->sftp, rc, "starting SFTP", e, libssh2_sftp_init(c->ssh));
    if (!c->sftp) {
        if (rc != LIBSSH2_ERROR_EAGAIN) {
            if (sftp_budget_spent(c))
                sftp_budget_fail(c, "starting SFTP", e);
            else
                sftp_ssh_fail(c, "starting SFTP", rc, e);
        }
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
            return err_fail(e, EX_CONFIG, "cannot read %s %s: %s", what[i], path[i], strerror(errno));
        if (st.st_mode & 077)
            return err_fail(e, EX_CONFIG,
                           "%s %s is accessible by group or others (mode %04o); refusing to use it\n"
                           "HINT: chmod 600 %s",
                           what[i], path[i], (unsigned)(st.st_mode & 07777), path[i]);
    }
    return 0;
}

sftp_conn *sftp_open(const sftp_endpoint *ep, err_t *e)
{
    return sftp_open_within(ep, 0, e);
}

sftp_conn *sftp_open_within(const sftp_endpoint *ep, long long budget_ms, err_t *e)
{
    long long deadline = budget_ms > 0 ? sftp_now_ms() + budget_ms : 0;
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
        sftp_conn *c = open_once(ep, deadline, e);
        if (c) {
            if (attempt)
                log_msg(LOG_INFO, "sftp", KV(KV_S("endpoint", ep->name), KV_I("attempt", attempt + 1)), "connected");
            return c;
        }
        if (e->code != EX_TEMPFAIL || attempt >= ep->retries || (deadline && sftp_now_ms() >= deadline))
            return NULL;
        long ms = sftp_backoff_ms(attempt, base, 60000, jitter_random());
        if (deadline && sftp_now_ms() + ms >= deadline) { /* no time left for another attempt */
            char last[sizeof e->msg];
            snprintf(last, sizeof last, "%s", e->msg);
            err_set(e, EX_TEMPFAIL,
                    "the source's time budget (max_source_seconds) runs out before another connection attempt "
                    "(%d made, the last one failed: %s)",
                    attempt + 1, last);
            return NULL;
        }
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

