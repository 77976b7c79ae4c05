/* hash_test.c - SHA-256 (common/hash.c): the streaming digest fetch uses
 * while downloading equals the one-shot and the whole-file digests, in any
 * split, and a resumed download's prefix is hashed from the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hash.h"

static void test_known_digest(void **state)
{
    (void)state;
    char hex[SHA256_HEX_LEN + 1];
    sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    err_t e = { 0 };
    sha256_stream *s = sha256_stream_new(&e);
    assert_non_null(s);
    sha256_stream_final(s, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"); /* empty */
}

static void test_stream_equals_one_shot_in_any_split(void **state)
{
    (void)state;
    static unsigned char data[100000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 131 + (i >> 7));
    char want[SHA256_HEX_LEN + 1], got[SHA256_HEX_LEN + 1];
    sha256_hex(data, sizeof data, want);
    const size_t steps[] = { 1, 7, 64, 4096, 30000, 99999 };
    for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
        err_t e = { 0 };
        sha256_stream *s = sha256_stream_new(&e);
        assert_non_null(s);
        for (size_t off = 0; off < sizeof data; off += steps[k])
            sha256_stream_update(s, data + off, off + steps[k] <= sizeof data ? steps[k] : sizeof data - off);
        sha256_stream_final(s, got);
        assert_string_equal(got, want);
    }
}

static void test_prefix_from_a_file(void **state)
{
    (void)state;
    char path[] = "/tmp/settle-hash-test.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static unsigned char data[200000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i ^ (i >> 9));
    assert_int_equal(write(fd, data, sizeof data), (ssize_t)sizeof data);
    close(fd);
    char want[SHA256_HEX_LEN + 1], got[SHA256_HEX_LEN + 1];
    err_t e = { 0 };
    assert_int_equal(sha256_file_hex(path, want, &e), 0);
    /* a download resumed at 150000: the prefix from the .part, the rest as it arrives */
    sha256_stream *s = sha256_stream_new(&e);
    assert_int_equal(sha256_stream_file_prefix(s, path, 150000, &e), 0);
    sha256_stream_update(s, data + 150000, sizeof data - 150000);
    sha256_stream_final(s, got);
    assert_string_equal(got, want);
    /* a .part shorter than the offset claimed is an error, not a wrong digest */
    s = sha256_stream_new(&e);
    assert_int_equal(sha256_stream_file_prefix(s, path, sizeof data + 1, &e), -1);
    assert_int_equal(e.code, EX_IOERR);
    assert_non_null(strstr(e.msg, "shorter than expected"));
    sha256_stream_free(s);
    sha256_stream_free(NULL);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_digest),
        cmocka_unit_test(test_stream_equals_one_shot_in_any_split),
        cmocka_unit_test(test_prefix_from_a_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
