/* reader.c - reading a whole input file for the reader unit tests
 * (reader.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "tests/support/reader.h"

int reader_nwarn;
char reader_last_warn[1200];

static void on_warn(void *arg, long line, const char *msg)
{
    (void)arg;
    (void)line;
    reader_nwarn++;
    snprintf(reader_last_warn, sizeof reader_last_warn, "%s", msg);
}

int reader_read_all(const char *path, settle_record *recs, int max, file_info *fi, err_t *e)
{
    parse_opts o = { .warn = on_warn };
    reader_nwarn = 0;
    reader_last_warn[0] = '\0';
    parser *p = parser_open(path, NULL, &o, e);
    if (!p)
        return -1;
    int n = 0, rc;
    settle_record rec;
    while ((rc = parser_next(p, &rec, e)) == 1) {
        assert_true(n < max);
        recs[n++] = rec;
    }
    if (fi)
        *fi = *parser_info(p);
    parser_close(p);
    return rc < 0 ? -1 : n;
}

void reader_assert_date(settle_date d, int y, int m, int dd)
{
    assert_int_equal(d.y, y);
    assert_int_equal(d.m, m);
    assert_int_equal(d.d, dd);
}

void reader_expect_error(const char *dir, const char *file, const char *msg)
{
    settle_record r[16];
    err_t e = { 0 };
    char path[256];
    snprintf(path, sizeof path, "%s%s", dir, file);
    assert_int_equal(reader_read_all(path, r, 16, NULL, &e), -1);
    assert_int_equal(e.code, EX_DATAERR);
    char want[1200];
    snprintf(want, sizeof want, "%s:%s", path, msg);
    assert_string_equal(e.msg, want);
}
