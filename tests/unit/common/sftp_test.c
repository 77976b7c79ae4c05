/* sftp_test.c - the pure pieces of the SFTP client (common/sftp*.c): fingerprint formatting,
 * retry backoff, reading secret files (mode checks, exact messages), and telling a
 * refusal from an answer that never came (over a real socket pair). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/sftp.h"
#include "common/sftp_int.h"

static void test_fingerprint_empty_digest(void **state)
{
    (void)state;
    unsigned char md[32];
    unsigned n = 0;
    EVP_Digest("", 0, md, &n, EVP_sha256(), NULL);
    char fp[SFTP_FINGERPRINT_LEN + 1];
    sftp_fingerprint_format(md, fp);
    /* base64(SHA-256("")) is 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU= */
    assert_string_equal(fp, "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
    assert_int_equal(strlen(fp), SFTP_FINGERPRINT_LEN);
}

static void test_fingerprint_zeros_and_ones(void **state)
{
    (void)state;
    unsigned char md[32];
    char fp[SFTP_FINGERPRINT_LEN + 1];
    memset(md, 0, sizeof md);
    sftp_fingerprint_format(md, fp);
    assert_string_equal(fp, "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    memset(md, 0xff, sizeof md);
    sftp_fingerprint_format(md, fp);
    assert_string_equal(fp, "SHA256://////////////////////////////////////////8");
}

static void test_backoff_grows_and_caps(void **state)
{
    (void)state;
    /* rnd 0: exactly half of the exponential step */
    assert_int_equal(sftp_backoff_ms(0, 1000, 30000, 0), 500);
    assert_int_equal(sftp_backoff_ms(1, 1000, 30000, 0), 1000);
    assert_int_equal(sftp_backoff_ms(2, 1000, 30000, 0), 2000);
    assert_int_equal(sftp_backoff_ms(3, 1000, 30000, 0), 4000);
    /* capped at 30 s, never above */
    assert_int_equal(sftp_backoff_ms(10, 1000, 30000, 0), 15000);
    assert_true(sftp_backoff_ms(10, 1000, 30000, UINT32_MAX) <= 30000);
    assert_true(sftp_backoff_ms(10, 1000, 30000, UINT32_MAX) > 29990);
    assert_true(sftp_backoff_ms(60, 1000, 30000, UINT32_MAX) <= 30000);
    /* jitter spans the upper half */
    assert_int_equal(sftp_backoff_ms(0, 1000, 30000, 0x80000000u), 750);
    assert_true(sftp_backoff_ms(2, 1000, 30000, UINT32_MAX) < 4000);
    assert_true(sftp_backoff_ms(2, 1000, 30000, UINT32_MAX) >= 3999);
    /* no base, no wait */
    assert_int_equal(sftp_backoff_ms(3, 0, 30000, 12345), 0);
}

static char secret_path[64];

static void write_secret(const char *text, mode_t mode)
{
    snprintf(secret_path, sizeof secret_path, "/tmp/settle-sftp-test-XXXXXX");
    int fd = mkstemp(secret_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    chmod(secret_path, mode);
}

static void test_secret_read(void **state)
{
    (void)state;
    char buf[64];
    err_t e = { 0 };
    write_secret("hunter2\r\n", 0600);
    assert_int_equal(sftp_read_secret(secret_path, "password_file", buf, sizeof buf, &e), 0);
    assert_string_equal(buf, "hunter2");
    unlink(secret_path);
    write_secret("no newline", 0400);
    assert_int_equal(sftp_read_secret(secret_path, "password_file", buf, sizeof buf, &e), 0);
    assert_string_equal(buf, "no newline");
    unlink(secret_path);
}

static void test_secret_mode_refused(void **state)
{
    (void)state;
    char buf[64], want[512];
    err_t e = { 0 };
    write_secret("hunter2\n", 0644);
    assert_int_equal(sftp_read_secret(secret_path, "identity_passphrase_file", buf, sizeof buf, &e), -1);
    assert_int_equal(e.code, EX_CONFIG);
    snprintf(want, sizeof want,
             "identity_passphrase_file %s is accessible by group or others (mode 0644); refusing to use it\n"
             "HINT: chmod 600 %s",
             secret_path, secret_path);
    assert_string_equal(e.msg, want);
    assert_null(strstr(e.msg, "hunter2"));
    chmod(secret_path, 0640);
    assert_int_equal(sftp_read_secret(secret_path, "password_file", buf, sizeof buf, &e), -1);
    assert_non_null(strstr(e.msg, "(mode 0640)"));
    unlink(secret_path);
}

static void test_secret_too_long(void **state)
{
    (void)state;
    char buf[8], want[256];
    err_t e = { 0 };
    write_secret("0123456789abcdef", 0600);
    assert_int_equal(sftp_read_secret(secret_path, "password_file", buf, sizeof buf, &e), -1);
    snprintf(want, sizeof want, "password_file %s is longer than 6 bytes", secret_path);
    assert_string_equal(e.msg, want);
    assert_null(strstr(e.msg, "0123"));
    unlink(secret_path);
    assert_int_equal(sftp_read_secret("/nonexistent/secret", "password_file", buf, sizeof buf, &e), -1);
    assert_string_equal(e.msg, "cannot open password_file /nonexistent/secret: No such file or directory");
}

/* libssh2 codes that mean "no answer came", not "the server said no". */
static void test_rc_no_answer(void **state)
{
    (void)state;
    assert_true(sftp_rc_no_answer(LIBSSH2_ERROR_TIMEOUT));
    assert_true(sftp_rc_no_answer(LIBSSH2_ERROR_SOCKET_NONE));
    assert_true(sftp_rc_no_answer(LIBSSH2_ERROR_SOCKET_SEND));
    assert_true(sftp_rc_no_answer(LIBSSH2_ERROR_SOCKET_RECV));
    assert_true(sftp_rc_no_answer(LIBSSH2_ERROR_SOCKET_DISCONNECT));
    assert_true(sftp_rc_no_answer(LIBSSH2_ERROR_SOCKET_TIMEOUT));
    assert_false(sftp_rc_no_answer(LIBSSH2_ERROR_AUTHENTICATION_FAILED));
    assert_false(sftp_rc_no_answer(LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED));
    assert_false(sftp_rc_no_answer(LIBSSH2_ERROR_EAGAIN));
    assert_false(sftp_rc_no_answer(0));
}

/* A connection over one end of a socket pair; the test plays the server
 * with the other end. */
static sftp_endpoint no_answer_ep = { .name = "s", .timeout_seconds = 5 };

static void conn_pair(sftp_conn *c, int sv[2])
{
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    memset(c, 0, sizeof *c);
    c->ep = &no_answer_ep;
    c->sock = sv[0];
    c->timeout_ms = 5000;
}

static void test_conn_alive(void **state)
{
    (void)state;
    sftp_conn c;
    int sv[2];
    conn_pair(&c, sv);
    assert_true(sftp_conn_alive(&c));           /* up, nothing to read */
    assert_int_equal(write(sv[1], "x", 1), 1);
    assert_true(sftp_conn_alive(&c));           /* up, bytes waiting (not consumed) */
    char b;
    assert_int_equal(read(sv[0], &b, 1), 1);
    close(sv[1]);
    assert_false(sftp_conn_alive(&c));          /* the server closed it */
    close(sv[0]);

    conn_pair(&c, sv);
    sftp_conn_break(&c);
    assert_false(sftp_conn_alive(&c));          /* shut down here (a timeout) */
    close(sv[0]);
    close(sv[1]);
}

/* What sftp_no_answer() says: the budget first, then the lost connection,
 * then libssh2's own timeout; never a refusal, always EX_TEMPFAIL. */
static void test_no_answer_messages(void **state)
{
    (void)state;
    sftp_conn c;
    int sv[2];
    err_t e = { 0 };

    conn_pair(&c, sv);
    c.deadline_ms = sftp_now_ms() - 1;
    assert_int_equal(sftp_no_answer(&c, "authenticating with a public key", LIBSSH2_ERROR_AUTHENTICATION_FAILED, &e), -1);
    assert_int_equal(e.code, EX_TEMPFAIL);
    assert_string_equal(e.msg, "the source's time budget (max_source_seconds) ran out while authenticating with a public key");
    assert_true(c.broken);
    close(sv[0]);
    close(sv[1]);

    conn_pair(&c, sv);
    c.deadline_ms = sftp_now_ms() + 60000;      /* budget left: not the reason */
    close(sv[1]);
    assert_int_equal(sftp_no_answer(&c, "authenticating with a public key", LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED, &e), -1);
    assert_int_equal(e.code, EX_TEMPFAIL);
    assert_string_equal(e.msg, "connection lost while authenticating with a public key: the server closed it before answering");
    assert_null(strstr(e.msg, "refused"));
    close(sv[0]);

    conn_pair(&c, sv);
    assert_int_equal(sftp_no_answer(&c, "authenticating with a password", LIBSSH2_ERROR_TIMEOUT, &e), -1);
    assert_int_equal(e.code, EX_TEMPFAIL);
    assert_string_equal(e.msg, "timeout while authenticating with a password: the server did not answer");
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fingerprint_empty_digest),
        cmocka_unit_test(test_fingerprint_zeros_and_ones),
        cmocka_unit_test(test_backoff_grows_and_caps),
        cmocka_unit_test(test_secret_read),
        cmocka_unit_test(test_secret_mode_refused),
        cmocka_unit_test(test_secret_too_long),
        cmocka_unit_test(test_rc_no_answer),
        cmocka_unit_test(test_conn_alive),
        cmocka_unit_test(test_no_answer_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
