/* fmt_test.c - money, dates, CPF/CNPJ masking and HTML escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fmt.h"

static void test_money_pt_br(void **state)
{
    (void)state;
    char b[FMT_MONEY_MAX];
    assert_string_equal(fmt_money(0, ',', '.', b), "0,00");
    assert_string_equal(fmt_money(5, ',', '.', b), "0,05");
    assert_string_equal(fmt_money(99, ',', '.', b), "0,99");
    assert_string_equal(fmt_money(100, ',', '.', b), "1,00");
    assert_string_equal(fmt_money(123456, ',', '.', b), "1.234,56");
    assert_string_equal(fmt_money(100000000, ',', '.', b), "1.000.000,00");
    assert_string_equal(fmt_money(99999, ',', '.', b), "999,99");
    assert_string_equal(fmt_money(-1, ',', '.', b), "-0,01");
    assert_string_equal(fmt_money(-123456, ',', '.', b), "-1.234,56");
}

static void test_money_c_and_plain(void **state)
{
    (void)state;
    char b[FMT_MONEY_MAX];
    assert_string_equal(fmt_money(123456, '.', ',', b), "1,234.56");
    assert_string_equal(fmt_money(123456, '.', 0, b), "1234.56");
    assert_string_equal(fmt_money(123456789, ',', 0, b), "1234567,89");
}

static void test_money_extremes(void **state)
{
    (void)state;
    char b[FMT_MONEY_MAX];
    assert_string_equal(fmt_money(INT64_MAX, ',', '.', b), "92.233.720.368.547.758,07");
    assert_string_equal(fmt_money(INT64_MIN, ',', '.', b), "-92.233.720.368.547.758,08");
    assert_true(strlen(b) < FMT_MONEY_MAX);
}

static void test_date_br(void **state)
{
    (void)state;
    char b[16];
    assert_int_equal(fmt_date_br("2026-11-28", b, sizeof b), 0);
    assert_string_equal(b, "28/11/2026");
    assert_int_equal(fmt_date_br("2026-01-05T10:00:00+00:00", b, sizeof b), 0);
    assert_string_equal(b, "05/01/2026");
    assert_int_equal(fmt_date_br("2026-1-05", b, sizeof b), -1);
    assert_string_equal(b, "");
    assert_int_equal(fmt_date_br("28/11/2026", b, sizeof b), -1);
    assert_int_equal(fmt_date_br("2026-11-28x", b, sizeof b), -1);
    assert_int_equal(fmt_date_br(NULL, b, sizeof b), -1);
    assert_int_equal(fmt_date_br("2026-11-28", b, 10), -1);
}

static void test_doc_masking(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(fmt_doc("12345678901", 0, b, sizeof b), "***.456.789-**");
    assert_string_equal(fmt_doc("12345678901", 1, b, sizeof b), "123.456.789-01");
    assert_string_equal(fmt_doc("12345678000199", 0, b, sizeof b), "**.345.678/0001-**");
    assert_string_equal(fmt_doc("12345678000199", 1, b, sizeof b), "12.345.678/0001-99");
    /* alphanumeric CNPJ: the same mask and punctuation */
    assert_string_equal(fmt_doc("12ABC34501DE35", 0, b, sizeof b), "**.ABC.345/01DE-**");
    assert_string_equal(fmt_doc("12ABC34501DE35", 1, b, sizeof b), "12.ABC.345/01DE-35");
    assert_string_equal(fmt_doc("12ABC34501DE3X", 0, b, sizeof b), "***");
    /* Not a CPF or CNPJ: never shown masked, shown as is when unmasked. */
    assert_string_equal(fmt_doc("123.456.789-01", 0, b, sizeof b), "***");
    assert_string_equal(fmt_doc("1234567890", 0, b, sizeof b), "***");
    assert_string_equal(fmt_doc("1234567890", 1, b, sizeof b), "1234567890");
    assert_string_equal(fmt_doc("1234567890a", 0, b, sizeof b), "***");
    assert_string_equal(fmt_doc("", 0, b, sizeof b), "");
    assert_string_equal(fmt_doc(NULL, 1, b, sizeof b), "");
    /* The digits hidden by the mask never appear. */
    fmt_doc("98765432100", 0, b, sizeof b);
    assert_null(strstr(b, "987"));
    assert_null(strstr(b, "00"));
}

static char *escape(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fmt_html_escape(f, s);
    fclose(f);
    return buf;
}

static void test_html_escape(void **state)
{
    (void)state;
    char *s = escape("<script>alert('x')</script> & \"Ção\"");
    assert_string_equal(s, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;Ção&quot;");
    free(s);
    s = escape("plain text");
    assert_string_equal(s, "plain text");
    free(s);
    s = escape(NULL);
    assert_string_equal(s, "");
    free(s);
}

/* Control characters are not HTML text: C0 (but TAB, LF), DEL, C1 as spaces. */
static void test_html_controls(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    fmt_html_escape(m, "a\x1b[2Jb\xc2\x9b" "c\xc2\x85" "d\x7f" "e<\xc3\xa9>\n");
    fclose(m);
    assert_string_equal(buf, "a [2Jb c d e&lt;\xc3\xa9&gt;\n");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_controls),
        cmocka_unit_test(test_money_pt_br),
        cmocka_unit_test(test_money_c_and_plain),
        cmocka_unit_test(test_money_extremes),
        cmocka_unit_test(test_date_br),
        cmocka_unit_test(test_doc_masking),
        cmocka_unit_test(test_html_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
