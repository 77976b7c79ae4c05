/* log_test.c - logfmt and JSON event lines, error ranking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"

static char *capture(int json, log_level min, log_level level)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    log_setup(min, json, f);
    log_msg(level, "fetch", KV(KV_S("file", "a b.ret"), KV_I("bytes", 1234), KV_S("q", "say \"hi\"")),
            "downloaded %d file", 1);
    fclose(f);
    log_setup(LOG_INFO, 0, NULL);
    return buf;
}

static void test_logfmt(void **state)
{
    (void)state;
    char *s = capture(0, LOG_INFO, LOG_INFO);
    /* skip the timestamp */
    char *rest = strchr(s, ' ');
    assert_non_null(rest);
    assert_string_equal(rest, " level=info component=fetch msg=\"downloaded 1 file\" file=\"a b.ret\" bytes=1234 "
                              "q=\"say \\\"hi\\\"\"\n");
    assert_memory_equal(s, "ts=", 3);
    free(s);
}

/* A HINT line is a field of its own, last: one event, one line. */
static void test_hint_one_line(void **state)
{
    (void)state;
    for (int json = 0; json <= 1; json++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        log_setup(LOG_INFO, json, f);
        log_msg(LOG_ERROR, "migrate", KV(KV_S("file", "009.sql")), "checksum differs\nHINT: applied migrations must not change");
        log_msg(LOG_WARN, "x", NULL, "two\nlines");
        fclose(f);
        log_setup(LOG_INFO, 0, NULL);
        int lines = 0;
        for (const char *p = buf; *p; p++)
            lines += *p == '\n';
        assert_int_equal(lines, 2);
        if (json) {
            assert_non_null(strstr(buf, "\"level\":\"error\",\"component\":\"migrate\",\"msg\":\"checksum differs\","
                                        "\"file\":\"009.sql\",\"hint\":\"applied migrations must not change\"}\n"));
            assert_non_null(strstr(buf, "\"msg\":\"two\\nlines\"}\n"));
        } else {
            assert_non_null(strstr(buf, " level=error component=migrate msg=\"checksum differs\" file=009.sql "
                                        "hint=\"applied migrations must not change\"\n"));
            assert_non_null(strstr(buf, " level=warn component=x msg=\"two\\nlines\"\n"));
        }
        free(buf);
    }
}

static void test_json(void **state)
{
    (void)state;
    char *s = capture(1, LOG_INFO, LOG_WARN);
    assert_non_null(strstr(s, "\"level\":\"warn\",\"component\":\"fetch\",\"msg\":\"downloaded 1 file\","
                              "\"file\":\"a b.ret\",\"bytes\":1234,\"q\":\"say \\\"hi\\\"\"}\n"));
    assert_memory_equal(s, "{\"ts\":\"", 7);
    free(s);
}

/* Control characters from outside (a payer name, a remote file name) never
 * reach the log raw: C0, DEL, C1 (CSI 0x9B, NEL 0x85 as UTF-8 or as a
 * Latin-1 byte) are escaped in values and in the message; UTF-8 text stays. */
static char *capture_hostile(int json)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    log_setup(LOG_INFO, json, f);
    log_msg(LOG_INFO, "fetch",
            KV(KV_S("utf8", "Jos\xc3\xa9"), KV_S("c1", "a\xc2\x9b" "2Jb\xc2\x85"), KV_S("latin1", "x\x9b" "y"),
               KV_S("del", "d\x7f"), KV_S("esc", "\x1b[2J")),
            "name %s", "n\xc2\x9b\x1b" "m\x85");
    fclose(f);
    log_setup(LOG_INFO, 0, NULL);
    return buf;
}

static void test_control_characters(void **state)
{
    (void)state;
    char *s = capture_hostile(0);
    char *rest = strchr(s, ' ');
    assert_non_null(rest);
    assert_string_equal(rest, " level=info component=fetch msg=\"name n\\u009b\\u001bm\\\\x85\" utf8=Jos\xc3\xa9 c1=\"a\\u009b2Jb\\u0085\""
                              " latin1=\"x\\\\x9by\" del=\"d\\u007f\" esc=\"\\u001b[2J\"\n");
    free(s);
    s = capture_hostile(1);
    assert_non_null(strstr(s, "\"msg\":\"name n\\u009b\\u001bm\\\\x85\",\"utf8\":\"Jos\xc3\xa9\","
                              "\"c1\":\"a\\u009b2Jb\\u0085\",\"latin1\":\"x\\\\x9by\",\"del\":\"d\\u007f\","
                              "\"esc\":\"\\u001b[2J\"}\n"));
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        assert_true(*p >= 0x20 || *p == '\n');
        assert_true(*p != 0x7f);
        if (*p == 0xc2)
            assert_true(p[1] >= 0xa0);
        assert_true(*p < 0x80 || *p == 0xc3 || *p == 0xa9);
    }
    free(s);
}

static void test_threshold(void **state)
{
    (void)state;
    char *s = capture(0, LOG_WARN, LOG_INFO);
    assert_string_equal(s, "");
    free(s);
}

static void test_err(void **state)
{
    (void)state;
    err_t e = { 0 };
    assert_int_equal(err_set(&e, EX_DATAERR, "bad %s", "thing"), EX_DATAERR);
    err_prefix(&e, "f.ret:%d", 3);
    assert_string_equal(e.msg, "f.ret:3: bad thing");
    assert_int_equal(err_worst(0, EX_DATAERR), EX_DATAERR);
    assert_int_equal(err_worst(EX_UNAVAILABLE, EX_DATAERR), EX_UNAVAILABLE);
    assert_int_equal(err_worst(EX_UNAVAILABLE, EX_SOFTWARE), EX_SOFTWARE);
    /* the order of err_codes[].rank: 70 > 74, 77 > 69 > 78 > 75 > 65 > 64 > 0 */
    assert_int_equal(err_worst(EX_IOERR, EX_UNAVAILABLE), EX_IOERR);
    assert_int_equal(err_worst(EX_NOPERM, EX_CONFIG), EX_NOPERM);
    assert_int_equal(err_worst(EX_IOERR, EX_SOFTWARE), EX_SOFTWARE);
    assert_int_equal(err_worst(EX_TEMPFAIL, EX_CONFIG), EX_CONFIG);
    assert_int_equal(err_worst(EX_TEMPFAIL, EX_DATAERR), EX_TEMPFAIL);
    assert_int_equal(err_worst(EX_USAGE, 0), EX_USAGE);
    assert_int_equal(err_worst(EX_DATAERR, 99), 99); /* an unknown code counts as internal */
    int n = 0;
    for (const err_code_info *c = err_codes; c->brief; c++, n++)
        assert_ptr_equal(err_code_find(c->code), c);
    assert_int_equal(n, 9);
    assert_null(err_code_find(99));
    err_clear(&e);
    assert_int_equal(e.code, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logfmt),
        cmocka_unit_test(test_hint_one_line),
        cmocka_unit_test(test_json), cmocka_unit_test(test_control_characters),
        cmocka_unit_test(test_threshold),
        cmocka_unit_test(test_err),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
