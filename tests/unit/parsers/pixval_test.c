/* pixval_test.c - the values shared by the three Pix readers
 * (parsers/pixval.c): amounts, timestamps, Brazilian dates, text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "parsers/pixval.h"

static int amt(const char *s, int64_t *c) { return pixval_amount(s, strlen(s), c); }
static int grp(const char *s, char dec, int64_t *c) { return pixval_amount_grouped(s, strlen(s), dec, c); }
static int ts(const char *s, unsigned f, int off, int64_t *t) { return pixval_timestamp(s, strlen(s), f, off, t); }

static void amounts(void **state)
{
    (void)state;
    int64_t c = -1;
    assert_int_equal(amt("0.01", &c), 0);
    assert_int_equal(c, 1);
    assert_int_equal(amt("1234567890.99", &c), 0);
    assert_int_equal(c, 123456789099LL);
    const char *bad[] = { "", "1", "1.0", "1.000", ".50", "12345678901.00", "-1.00", "+1.00", "1,00", "1 .00",
                          "1.0a", "0x1.00" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        c = 77;
        assert_int_equal(amt(bad[i], &c), -1);
        assert_int_equal(c, 77); /* untouched */
    }
    /* never reads past n */
    assert_int_equal(pixval_amount("9.001", 4, &c), 0);
    assert_int_equal(c, 900);
}

static void grouped(void **state)
{
    (void)state;
    int64_t c = 0;
    assert_int_equal(grp("1.234,56", ',', &c), 0);
    assert_int_equal(c, 123456);
    assert_int_equal(grp("1,234.56", '.', &c), 0);
    assert_int_equal(c, 123456);
    assert_int_equal(grp("1234.56", '.', &c), 0);
    assert_int_equal(c, 123456);
    assert_int_equal(grp("-1.00", '.', &c), -2);
    const char *bad[] = { "1,23.45", "1234,567.00", ",123.00", "1.5", "1.234", "12345678901.00", "1.234,56" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(grp(bad[i], '.', &c), -1);
}

static void timestamps(void **state)
{
    (void)state;
    int64_t t = 0;
    assert_int_equal(ts("2021-11-30T20:15:00.358Z", PIXVAL_TS_UTC_ONLY, 0, &t), 0);
    assert_int_equal(t, 1638303300);
    assert_int_equal(ts("2021-11-30T17:15:00-03:00", PIXVAL_TS_OFFSET_REQUIRED, 0, &t), 0);
    assert_int_equal(t, 1638303300);
    assert_int_equal(ts("2021-11-30t20:15:00z", PIXVAL_TS_OFFSET_REQUIRED, 0, &t), 0);
    assert_int_equal(t, 1638303300);
    /* no offset: the default applies, or it is refused */
    assert_int_equal(ts("2021-11-30T17:15:00", 0, -180, &t), 0);
    assert_int_equal(t, 1638303300);
    assert_int_equal(ts("2021-11-30T17:15:00", PIXVAL_TS_OFFSET_REQUIRED, -180, &t), -1);
    assert_int_equal(ts("2021-11-30T17:15:00", PIXVAL_TS_UTC_ONLY, 0, &t), -1);
    assert_int_equal(ts("2021-11-30T17:15:00-03:00", PIXVAL_TS_UTC_ONLY, 0, &t), -1);
    /* a date alone and a space: only when the layout says so */
    assert_int_equal(ts("2021-11-30", PIXVAL_TS_DATE_OK, -180, &t), 0);
    assert_int_equal(t, 1638241200);
    assert_int_equal(ts("2021-11-30", 0, -180, &t), -1);
    assert_int_equal(ts("2021-11-30 17:15:00", PIXVAL_TS_SPACE_OK, -180, &t), 0);
    assert_int_equal(ts("2021-11-30 17:15:00", 0, -180, &t), -1);
    const char *bad[] = { "2021-02-29T00:00:00Z", "2021-13-01T00:00:00Z", "1969-12-31T23:59:59Z",
                          "2021-11-30T24:00:00Z", "2021-11-30T20:60:00Z", "2021-11-30T20:15:60Z",
                          "2021-11-30T20:15:00.Z", "2021-11-30T20:15:00+24:00", "2021-11-30T20:15:00+0300",
                          "2021-11-30T20:15:00Zjunk", "2021-11-30T20:15", "21-11-30T20:15:00Z",
                          "2021-11-30T20:15:00.1234567890123456789Z" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        t = 5;
        assert_int_equal(ts(bad[i], PIXVAL_TS_OFFSET_REQUIRED, 0, &t), -1);
        assert_int_equal(t, 5);
    }
    assert_int_equal(ts("2024-02-29T00:00:00+23:59", PIXVAL_TS_OFFSET_REQUIRED, 0, &t), 0);
}

static void brazil_dates(void **state)
{
    (void)state;
    settle_date d = pixval_brazil_date(1638241199); /* 2021-11-30T02:59:59Z = 29th, 23:59:59 in Brasília */
    assert_int_equal(d.y, 2021);
    assert_int_equal(d.m, 11);
    assert_int_equal(d.d, 29);
    d = pixval_brazil_date(1638241200);
    assert_int_equal(d.d, 30);
}

static void text(void **state)
{
    (void)state;
    char out[8];
    pixval_copy_text(out, sizeof out, "  \tJo\xc3\xa3o  ", 10);
    assert_string_equal(out, "Jo\xc3\xa3o");
    /* C0, DEL and C1 controls (CSI, NEL) become spaces: nothing a terminal acts on */
    char big[32];
    const char *in = "a\x1b[2Jb\x7f" "c\xc2\x9b" "d\xc2\x85" "e";
    pixval_copy_text(big, sizeof big, in, strlen(in));
    assert_string_equal(big, "a [2Jb c d e");
    /* cut on a character boundary: never half of "ã" */
    pixval_copy_text(out, 4, "Jo\xc3\xa3o", 5);
    assert_string_equal(out, "Jo");
    pixval_copy_text(out, 5, "Jo\xc3\xa3o", 5);
    assert_string_equal(out, "Jo\xc3\xa3");
    pixval_copy_text(out, 6, "Jo\xc3\xa3o", 5);
    assert_string_equal(out, "Jo\xc3\xa3o");
    /* invalid UTF-8 (callers validate first) still never copied as such */
    pixval_copy_text(big, sizeof big, "a\xff" "b", 3);
    assert_string_equal(big, "a b");
    pixval_copy_text(out, sizeof out, "", 0);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(amounts), cmocka_unit_test(grouped), cmocka_unit_test(timestamps),
        cmocka_unit_test(brazil_dates), cmocka_unit_test(text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
