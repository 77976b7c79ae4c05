/* sftp_test.c - the pure pieces of the SFTP client (common/sftp*.c): fingerprint formatting,
 * retry backoff, and reading secret files (mode checks, exact messages). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/sftp.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fingerprint_empty_digest),
        cmocka_unit_test(test_fingerprint_zeros_and_ones),
        cmocka_unit_test(test_backoff_grows_and_caps),
        cmocka_unit_test(test_secret_read),
        cmocka_unit_test(test_secret_mode_refused),
        cmocka_unit_test(test_secret_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
