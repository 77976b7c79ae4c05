/* csvout_test.c - CSV rows: libcsv quoting and formula-injection guard. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/csvout.h"

/* One row of n fields written by csvout_row, as a string (caller frees). */
static char *row(const char *const *f, int n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(csvout_row(m, ';', "\n", f, n), 0);
    fclose(m);
    return buf;
}

static void check1(const char *in, const char *want)
{
    const char *f[] = { in };
    char *got = row(f, 1);
    assert_string_equal(got, want);
    free(got);
}

static void test_formulas_guarded(void **state)
{
    (void)state;
    check1("=HYPERLINK(\"http://evil.example/\",\"x\")", "\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"x\"\")\"\n");
    check1("+cmd|' /C calc'!A0", "\"'+cmd|' /C calc'!A0\"\n");
    check1("-2+3+cmd", "\"'-2+3+cmd\"\n");
    check1("@SUM(1+1)", "\"'@SUM(1+1)\"\n");
    check1("\t=1+1", "\"'\t=1+1\"\n");
    check1("\r=1+1", "\"'\r=1+1\"\n");
    check1("-", "\"'-\"\n");
    check1("+", "\"'+\"\n");
    check1("-1,", "\"'-1,\"\n");
    check1("-1e5", "\"'-1e5\"\n");
}

static void test_numbers_and_text_unchanged(void **state)
{
    (void)state;
    check1("-12,34", "\"-12,34\"\n");
    check1("-1234.56", "\"-1234.56\"\n");
    check1("+12", "\"+12\"\n");
    check1("0", "\"0\"\n");
    check1("Maria = José", "\"Maria = José\"\n");
    check1("", "\"\"\n");
    check1("a\"b", "\"a\"\"b\"\n");
    const char *f[] = { "1", NULL, "=1", "-5,00" };
    char *got = row(f, 4);
    assert_string_equal(got, "\"1\";\"\";\"'=1\";\"-5,00\"\n");
    free(got);
}

/* C0 (but TAB, CR, LF), DEL and C1 controls (CSI, NEL) become spaces. */
static void test_controls_blanked(void **state)
{
    (void)state;
    check1("a\x1b[2Jb\xc2\x9b" "c\xc2\x85" "d\x7f" "e", "\"a [2Jb c d e\"\n");
    check1("line\r\nbreak\tand tab", "\"line\r\nbreak\tand tab\"\n");
    check1("Jos\xc3\xa9 \xc2\xa0", "\"Jos\xc3\xa9 \xc2\xa0\"\n");
    check1("\xc2\x9b=1", "\" =1\"\n");
}

static void test_needs_guard(void **state)
{
    (void)state;
    assert_true(csvout_needs_guard("=1", 2));
    assert_false(csvout_needs_guard("-1", 2));
    assert_true(csvout_needs_guard("-1", 1)); /* only the '-' */
    assert_false(csvout_needs_guard("", 0));
    /* a code as a text constant passes; anything else after = does not */
    assert_false(csvout_needs_guard("=\"001\"", 6));
    assert_true(csvout_needs_guard("=\"00a\"", 6));
    assert_true(csvout_needs_guard("=\"1\"+1", 6));
    assert_false(csvout_needs_guard("=\"\"", 3)); /* the empty text: harmless */
    char b[32];
    assert_string_equal("=\"001\"", csvout_code("001", b, sizeof b));
    assert_string_equal("=HYPERLINK(1)", csvout_code("=HYPERLINK(1)", b, sizeof b));
    assert_string_equal("", csvout_code("", b, sizeof b));
    assert_false(csvout_needs_guard("A=1", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formulas_guarded),
        cmocka_unit_test(test_numbers_and_text_unchanged),
        cmocka_unit_test(test_needs_guard),
        cmocka_unit_test(test_controls_blanked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
