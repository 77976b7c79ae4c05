/* sftp_auth.c - authentication: public key (with an optional passphrase
 * file), then password; secrets read from files only others cannot read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/sftp_int.h"
#include "common/testhook.h"

int sftp_read_secret(const char *path, const char *what, char *buf, size_t n, err_t *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return err_fail(e, EX_CONFIG, "cannot open %s %s: %s", what, path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return err_fail(e, EX_CONFIG, "%s %s is not a regular file", what, path);
    }
    if (st.st_mode & 077) {
        close(fd);
        return err_fail(e, EX_CONFIG,
                       "%s %s is accessible by group or others (mode %04o); refusing to use it\n"
                       "HINT: chmod 600 %s",
                       what, path, (unsigned)(st.st_mode & 07777), path);
    }
    size_t len = 0;
    ssize_t r;
    while (len + 1 < n && (r = read(fd, buf + len, n - 1 - len)) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            close(fd);
            return err_fail(e, EX_CONFIG, "cannot read %s %s: %s", what, path, strerror(errno));
        }
        len += (size_t)r;
    }
    char extra;
    int too_long = len + 1 >= n && read(fd, &extra, 1) == 1;
    close(fd);
    if (too_long) {
        explicit_bzero(buf, n);
        return err_fail(e, EX_CONFIG, "%s %s is longer than %zu bytes", what, path, n - 2);
    }
    buf[len] = '\0';
    if (len && buf[len - 1] == '\n')
        buf[--len] = '\0';
    if (len && buf[len - 1] == '\r')
        buf[--len] = '\0';
    return 0;
}

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

/* libssh2 gives a refusal (LIBSSH2_ERROR_AUTHENTICATION_FAILED,
 * LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED) and an answer that never came (its
 * wait for the reply failed: the connection lost, its own timeout) the same
 * code; 1.10 even reports a lost connection during a password attempt as
 * LIBSSH2_ERROR_TIMEOUT. A refusal is believed only when the connection
 * that carried it is still up and the budget has not run out; anything else
 * is no answer (sftp_no_answer: the budget, the timeout or the connection,
 * EX_TEMPFAIL, retried), never "refused authentication". */
static int auth_refused(sftp_conn *c, int rc)
{
    if (rc != LIBSSH2_ERROR_AUTHENTICATION_FAILED && rc != LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED)
        return 0;
    return !sftp_budget_spent(c) && sftp_conn_alive(c);
}

/* A failed step other than a refusal: no answer (connection, timeout,
 * budget) or the session's own error. Always -1. */
static int auth_fail(sftp_conn *c, const char *step, int rc, err_t *e)
{
    if (sftp_rc_no_answer(rc) || rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED || rc == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED ||
        !sftp_conn_alive(c) || sftp_budget_spent(c))
        return sftp_no_answer(c, step, rc, e);
    return sftp_ssh_fail(c, step, rc, e);
}

int sftp_authenticate(sftp_conn *c, err_t *e)
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
        return auth_fail(c, "asking for authentication methods", rc, e);
    }
    char secret[1024];
    char tried[256] = "";

    if (ep->identity && strstr(methods, "publickey")) {
        secret[0] = '\0';
        if (ep->identity_passphrase_file &&
            sftp_read_secret(ep->identity_passphrase_file, "identity_passphrase_file", secret, sizeof secret, e) < 0)
            return -1;
        /* tests freeze or kill the server's session here (fetch_slow.sh, fetch_hostkey.sh) */
        testhook("sftp:before-publickey");
        SSH_CALL(c, rc, "authenticating with a public key", e,
                 libssh2_userauth_publickey_fromfile_ex(c->ssh, ep->user, (unsigned)strlen(ep->user), NULL,
                                                        ep->identity, secret[0] ? secret : NULL));
        explicit_bzero(secret, sizeof secret);
        if (rc == 0)
            return 0;
        if (rc == LIBSSH2_ERROR_EAGAIN)
            return -1;
        if (rc == LIBSSH2_ERROR_FILE)
            return err_fail(e, EX_CONFIG,
                           "cannot load private key %s: wrong or missing passphrase, or a format libssh2 cannot read\n"
                           "HINT: check identity_passphrase_file; keys must be OpenSSH or PEM ed25519/RSA keys",
                           ep->identity);
        if (!auth_refused(c, rc))
            return auth_fail(c, "authenticating with a public key", rc, e);
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
        if (rc != LIBSSH2_ERROR_AUTHENTICATION_FAILED || !auth_refused(c, rc))
            return auth_fail(c, "authenticating with a password", rc, e);
        snprintf(tried + strlen(tried), sizeof tried - strlen(tried), "%spassword from %s", *tried ? " and " : "",
                 ep->password_file);
    }
    if (!*tried)
        return err_fail(e, EX_UNAVAILABLE,
                       "%s:%lld offers no authentication method we are configured for (server offers: %s)\n"
                       "HINT: set identity (public key) or password_file",
                       ep->host, ep->port, methods);
    return err_fail(e, EX_UNAVAILABLE, "%s:%lld refused authentication as %s with %s\n"
                   "HINT: check that the public key is in the server's authorized_keys for this user%s",
                   ep->host, ep->port, ep->user, tried,
                   ep->identity && identity_is_rsa(ep->identity) && libssh2_version(0x010b00) == NULL
                       ? "; libssh2 before 1.11 signs RSA keys with SHA-1 (ssh-rsa), which OpenSSH 8.8 and "
                         "later refuse by default: prefer an ed25519 key"
                       : "");
}
