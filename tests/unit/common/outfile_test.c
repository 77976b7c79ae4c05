/* outfile_test.c - deterministic gzip and atomic publication. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/csvout.h"
#include "common/outfile.h"

static const char text[] = "\"request_id\",\"name\"\r\n\"1\",\"Silva, Jo\xc3\xa3o \"\"Jota\"\"\"\r\n";

static void test_gzip_fixed_header_and_roundtrip(void **state)
{
    (void)state;
    err_t e = { 0 };
    unsigned char *a = NULL, *b = NULL;
    size_t al = 0, bl = 0;
    assert_int_equal(outfile_gzip(text, strlen(text), &a, &al, &e), 0);
    sleep(1); /* a header with a time in it would now differ */
    assert_int_equal(outfile_gzip(text, strlen(text), &b, &bl, &e), 0);
    assert_int_equal(al, bl);
    assert_memory_equal(a, b, al);
    /* magic, deflate, no FNAME/FCOMMENT, mtime 0, level-9 xfl, OS unknown */
    static const unsigned char hdr[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255 };
    assert_memory_equal(a, hdr, sizeof hdr);

    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    char out[256];
    z.next_in = a;
    z.avail_in = (uInt)al;
    z.next_out = (Bytef *)out;
    z.avail_out = sizeof out;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.total_out, strlen(text));
    assert_memory_equal(out, text, strlen(text));
    inflateEnd(&z);
    free(a);
    free(b);
}

static void test_gzip_empty(void **state)
{
    (void)state;
    err_t e = { 0 };
    unsigned char *a = NULL;
    size_t al = 0;
    assert_int_equal(outfile_gzip("", 0, &a, &al, &e), 0);
    assert_true(al >= 20);
    free(a);
}

/* A compressor kept across members gives each the bytes a fresh one gives,
 * whatever came before it (another input, another level, a larger input). */
static void test_gz_reused_same_bytes(void **state)
{
    (void)state;
    err_t e = { 0 };
    size_t big_len = 300000;
    char *big = malloc(big_len);
    assert_non_null(big);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (char)("0123456789,\"ORD\r\n"[(i * 7 + i / 13) % 17]);
    struct { const char *in; size_t len; int level; } seq[] = {
        { text, strlen(text), 6 }, { big, big_len, 6 }, { text, strlen(text), 6 }, { text, strlen(text), 1 },
        { big, big_len, 1 }, { big, big_len, 9 }, { "", 0, 9 }, { text, strlen(text), 6 },
    };
    outfile_gz g = { 0 };
    for (size_t k = 0; k < sizeof seq / sizeof seq[0]; k++) {
        unsigned char *a = NULL, *b = NULL;
        size_t al = 0, bl = 0;
        assert_int_equal(outfile_gz_compress(&g, seq[k].in, seq[k].len, seq[k].level, &a, &al, &e), 0);
        assert_int_equal(outfile_gzip_level(seq[k].in, seq[k].len, seq[k].level, &b, &bl, &e), 0);
        assert_int_equal(al, bl);
        assert_memory_equal(a, b, al);
        assert_int_equal(a[8], seq[k].level == 9 ? 2 : seq[k].level == 1 ? 4 : 0);
        free(a);
        free(b);
    }
    outfile_gz_free(&g);
    free(big);
}

static void test_publish(void **state)
{
    (void)state;
    char dir[] = "/tmp/settle-outfile-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[sizeof dir + 16];
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    err_t e = { 0 };
    assert_int_equal(outfile_mkdirs(sub, &e), 0);
    assert_int_equal(outfile_mkdirs(sub, &e), 0);
    assert_int_equal(outfile_publish(sub, "f.txt", "hello", 5, &e), 0);
    char p[sizeof sub + 16];
    snprintf(p, sizeof p, "%s/f.txt", sub);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_size, 5);
    snprintf(p, sizeof p, "%s/.f.txt.part", sub);
    assert_int_not_equal(stat(p, &st), 0);
    /* A directory that is not there: an error naming the file, nothing left. */
    assert_int_equal(outfile_publish("/nonexistent-settle", "f.txt", "x", 1, &e), -1);
    assert_non_null(strstr(e.msg, "cannot create /nonexistent-settle/.f.txt.part"));
    snprintf(p, sizeof p, "rm -rf '%s'", dir);
    assert_int_equal(system(p), 0);
}

static void test_csvout_row(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const char *row[] = { "1", "a;b", "say \"hi\"", NULL, "line\nbreak" };
    assert_int_equal(csvout_row(f, ';', "\r\n", row, 5), 0);
    fclose(f);
    assert_string_equal(buf, "\"1\";\"a;b\";\"say \"\"hi\"\"\";\"\";\"line\nbreak\"\r\n");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gzip_fixed_header_and_roundtrip),
        cmocka_unit_test(test_gzip_empty),
        cmocka_unit_test(test_gz_reused_same_bytes),
        cmocka_unit_test(test_publish),
        cmocka_unit_test(test_csvout_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
