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

/* The byte-at-a-time writer csvout_row() replaced (one fputc per byte):
 * the oracle the run-based one must match byte for byte. */
static int oracle_blank_len(const unsigned char *p)
{
    if ((*p < 0x20 && *p != '\t' && *p != '\r' && *p != '\n') || *p == 0x7F)
        return 1;
    if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
        return 2;
    return 0;
}

static void oracle_row(FILE *out, char sep, const char *eol, const char *const *fields, int n)
{
    for (int i = 0; i < n; i++) {
        if (i)
            fputc(sep, out);
        const char *f = fields[i] ? fields[i] : "";
        size_t len = strlen(f);
        fputc('"', out);
        if (csvout_needs_guard(f, len))
            fputc('\'', out);
        for (size_t k = 0; k < len; k++) {
            int b = oracle_blank_len((const unsigned char *)f + k);
            if (b) {
                fputc(' ', out);
                k += (size_t)b - 1;
                continue;
            }
            if (f[k] == '"')
                fputc('"', out);
            fputc(f[k], out);
        }
        fputc('"', out);
    }
    fputs(eol, out);
}

static void test_same_bytes_as_the_byte_writer(void **state)
{
    (void)state;
    static const unsigned char alphabet[] = { 'a', 'Z', '0', '9', ' ', ',', ';', '"', '\'', '=', '+', '-', '@',
                                              '.', '\t', '\r', '\n', 0x01, 0x1B, 0x1F, 0x7F, 0xC2, 0x80, 0x85,
                                              0x9F, 0xA0, 0xC3, 0xA7, 0xE2, 0x82, 0xAC };
    srandom(20261130);
    for (int round = 0; round < 20000; round++) {
        char text[6][40];
        const char *f[7];
        int n = 1 + (int)(random() % 6);
        for (int i = 0; i < n; i++) {
            int len = (int)(random() % 39);
            for (int k = 0; k < len; k++)
                text[i][k] = (char)alphabet[random() % sizeof alphabet];
            text[i][len] = '\0';
            f[i] = random() % 9 ? text[i] : NULL;
        }
        char *a = NULL, *b = NULL;
        size_t alen = 0, blen = 0;
        FILE *ma = open_memstream(&a, &alen), *mb = open_memstream(&b, &blen);
        assert_non_null(ma);
        assert_non_null(mb);
        char sep = round % 2 ? ',' : ';';
        assert_int_equal(csvout_row(ma, sep, "\r\n", f, n), 0);
        oracle_row(mb, sep, "\r\n", f, n);
        fclose(ma);
        fclose(mb);
        assert_int_equal(alen, blen);
        assert_memory_equal(a, b, alen);
        free(a);
        free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formulas_guarded),
        cmocka_unit_test(test_numbers_and_text_unchanged),
        cmocka_unit_test(test_needs_guard),
        cmocka_unit_test(test_controls_blanked),
        cmocka_unit_test(test_same_bytes_as_the_byte_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
