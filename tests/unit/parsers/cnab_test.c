/* cnab_test.c - the pure pieces of the CNAB readers: line normalisation,
 * Latin-1 vs UTF-8 positions, padding, date pivot, field decoding, and the
 * memory reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/cnab.h"

static cnab_line L;

static void norm(const char *s, int first)
{
    cnab_line_norm((const unsigned char *)s, strlen(s), first, &L);
}

static void test_norm_eol_bom_sub(void **state)
{
    (void)state;
    norm("abc  \r", 0);
    assert_int_equal(L.len, 3);
    assert_string_equal((char *)L.c, "abc");
    norm("\xef\xbb\xbf" "abc\x1a\x1a", 1);
    assert_string_equal((char *)L.c, "abc");
    /* a BOM is only a BOM on the first line: elsewhere it is Latin-1/UTF-8 text */
    norm("\xef\xbb\xbf" "abc", 0);
    assert_int_equal(L.len, 4); /* valid UTF-8: U+FEFF is one character */
    norm("   \r", 0);
    assert_int_equal(L.len, 0);
}

static void test_norm_encodings(void **state)
{
    (void)state;
    char buf[64];
    /* UTF-8: "AÇB" is 4 bytes, 3 characters */
    norm("A\xc3\x87" "B", 0);
    assert_int_equal(L.len, 3);
    assert_int_equal(L.utf8, 1);
    assert_int_equal(L.c[2], 'B');
    cnab_text(&L, 1, 3, buf, sizeof buf);
    assert_string_equal(buf, "A\xc3\x87" "B");
    /* Latin-1: "AÇB" is 3 bytes; comes out as UTF-8 */
    norm("A\xc7" "B", 0);
    assert_int_equal(L.len, 3);
    assert_int_equal(L.utf8, 0);
    cnab_text(&L, 1, 3, buf, sizeof buf);
    assert_string_equal(buf, "A\xc3\x87" "B");
    /* invalid UTF-8 (a lone continuation byte, an overlong) is Latin-1 */
    norm("A\xc3\x87\x87", 0);
    assert_int_equal(L.len, 4);
    norm("\xc0\xaf", 0);
    assert_int_equal(L.len, 2);
    /* C1 controls (CSI 0x9B, NEL 0x85), in Latin-1 or UTF-8, are blanked like C0 */
    norm("A\x9b" "B\x85" "C", 0);
    cnab_text(&L, 1, 5, buf, sizeof buf);
    assert_string_equal(buf, "A B C");
    norm("A\xc2\x9b" "B\xc2\x85" "C\xc3\x87", 0);
    assert_int_equal(L.utf8, 1);
    cnab_text(&L, 1, 6, buf, sizeof buf);
    assert_string_equal(buf, "A B C\xc3\x87");
    /* a character beyond Latin-1 keeps its position and its value */
    norm("x\xe2\x82\xac" "y", 0);
    assert_int_equal(L.len, 3);
    cnab_text(&L, 1, 3, buf, sizeof buf);
    assert_string_equal(buf, "x\xe2\x82\xac" "y");
}

static void test_fit(void **state)
{
    (void)state;
    size_t found = 0;
    norm("123", 0);
    assert_int_equal(cnab_line_fit(&L, 10, &found), 0);
    assert_int_equal(L.c[9], ' ');
    assert_int_equal(L.c[10], '\0');
    norm("12345678901   ", 0); /* excess is spaces: stripped, fits */
    assert_int_equal(cnab_line_fit(&L, 11, &found), 0);
    norm("123456789012", 0);
    assert_int_equal(cnab_line_fit(&L, 11, &found), -1);
    assert_int_equal(found, 12);
}

static void test_dates(void **state)
{
    (void)state;
    assert_int_equal(cnab_pivot_year(0), 2000);
    assert_int_equal(cnab_pivot_year(69), 2069);
    assert_int_equal(cnab_pivot_year(70), 1970);
    assert_int_equal(cnab_pivot_year(99), 1999);
    assert_true(cnab_valid_date(2024, 2, 29));
    assert_false(cnab_valid_date(2023, 2, 29));
    assert_false(cnab_valid_date(1900, 2, 29));
    assert_true(cnab_valid_date(2000, 2, 29));
    assert_false(cnab_valid_date(2020, 13, 1));
    assert_false(cnab_valid_date(2020, 4, 31));

    settle_date d;
    cnab_ferr fe;
    norm("290224 000000 31122069 150570 01012099 320124       ", 0);
    cnab_line_fit(&L, 60, &(size_t){ 0 });
    assert_int_equal(cnab_date(&L, 1, 6, "x", &d, &fe), 0);
    assert_int_equal(d.y, 2024), assert_int_equal(d.m, 2), assert_int_equal(d.d, 29);
    assert_int_equal(cnab_date(&L, 8, 6, "x", &d, &fe), 0);
    assert_int_equal(d.y, 0);
    assert_int_equal(cnab_date(&L, 15, 8, "x", &d, &fe), 0);
    assert_int_equal(d.y, 2069);
    assert_int_equal(cnab_date(&L, 24, 6, "x", &d, &fe), 0);
    assert_int_equal(d.y, 1970);
    assert_int_equal(cnab_date(&L, 31, 8, "x", &d, &fe), 0);
    assert_int_equal(d.y, 2099);
    assert_int_equal(cnab_date(&L, 40, 6, "due date", &d, &fe), -1);
    assert_int_equal(fe.col, 40);
    assert_string_equal(fe.msg, "expected a date DDMMAA or zeros in due date (positions 40-45), found '320124'");
    assert_int_equal(cnab_date(&L, 47, 6, "x", &d, &fe), 0); /* blank = no date */
    assert_int_equal(d.y, 0);
}

static void test_digits(void **state)
{
    (void)state;
    int64_t v;
    cnab_ferr fe;
    norm("000000000012345      12 4", 0);
    assert_int_equal(cnab_digits(&L, 1, 15, "amount", &v, &fe), 0);
    assert_int_equal(v, 12345);
    assert_int_equal(cnab_digits(&L, 16, 5, "amount", &v, &fe), 0); /* blank = 0 */
    assert_int_equal(v, 0);
    assert_int_equal(cnab_digits(&L, 22, 4, "fee", &v, &fe), -1);
    assert_int_equal(fe.col, 24);
    assert_string_equal(fe.msg, "expected digits in fee (positions 22-25), found '12 4'");
    /* the 8-at-a-time path: every length, every position of a bad byte */
    const char *big = "987654321098765432";
    for (size_t len = 1; len <= 18; len++) {
        norm(big, 0);
        int64_t want = 0;
        for (size_t i = 0; i < len; i++)
            want = want * 10 + (big[i] - '0');
        assert_int_equal(cnab_digits(&L, 1, len, "x", &v, &fe), 0);
        assert_int_equal(v, want);
        for (size_t bad = 0; bad < len; bad++)
            for (const char *b = ":/ A\xff"; *b; b++) {
                if (*b == ' ' && len == 1)
                    continue; /* an all-blank field is 0, not an error */
                norm(big, 0);
                L.c[bad] = (unsigned char)*b;
                assert_int_equal(cnab_digits(&L, 1, len, "x", &v, &fe), -1);
                assert_int_equal(fe.col, bad + 1);
            }
    }
}

static void test_apply(void **state)
{
    (void)state;
    static const cnab_field t[] = {
        CF("code", 1, 2, FK_CODE, movement_code),
        CF("nosso número", 3, 6, FK_TEXT, nosso_numero),
        CF("payer CPF/CNPJ", 10, 15, FK_DOC, payer_doc),
        CF("paid", 25, 5, FK_MONEY, amount_paid_cents),
        CF("seu", 30, 3, FK_TEXT, seu_numero),
        CF("seu fallback", 33, 3, FK_TEXT_ALT, seu_numero),
        CF_END,
    };
    settle_record r;
    cnab_ferr fe;
    memset(&r, 0, sizeof r);
    norm("06 001231000012345678901" "00199" "   XYZ", 0);
    cnab_line_fit(&L, 40, &(size_t){ 0 });
    assert_int_equal(cnab_apply(t, &L, &r, &fe), 0);
    assert_string_equal(r.movement_code, "06");
    assert_string_equal(r.nosso_numero, "00123");
    assert_string_equal(r.payer_doc, "12345678901"); /* type 1 = CPF at position 9 */
    assert_int_equal(r.amount_paid_cents, 199);
    assert_string_equal(r.seu_numero, "XYZ");
    norm("A6", 0);
    cnab_line_fit(&L, 40, &(size_t){ 0 });
    assert_int_equal(cnab_apply(t, &L, &r, &fe), -1);
    assert_string_equal(fe.msg, "expected a 2-digit code (positions 1-2), found 'A6'");
    /* A malformed CPF/CNPJ is located, never echoed (personal data). */
    norm("06 001231000012345X78901" "00199" "   XYZ", 0);
    cnab_line_fit(&L, 40, &(size_t){ 0 });
    assert_int_equal(cnab_apply(t, &L, &r, &fe), -1);
    assert_int_equal(fe.col, 19);
    assert_string_equal(fe.msg, "expected digits in payer CPF/CNPJ (positions 10-24), found a non-digit at position 19"
                                " (value not shown: personal data)");
    assert_null(strstr(fe.msg, "12345"));
    /* An alphanumeric CNPJ (type 2): 12 of [0-9A-Z] then 2 digits, zero-padded */
    norm("06 001232012ABC34501DE35" "00199" "   XYZ", 0);
    cnab_line_fit(&L, 40, &(size_t){ 0 });
    assert_int_equal(cnab_apply(t, &L, &r, &fe), 0);
    assert_string_equal(r.payer_doc, "12ABC34501DE35");
    /* letters in the check digits, or marked CPF: refused as before */
    norm("06 001232012ABC34501DE3X" "00199" "   XYZ", 0);
    cnab_line_fit(&L, 40, &(size_t){ 0 });
    assert_int_equal(cnab_apply(t, &L, &r, &fe), -1);
    assert_int_equal(fe.col, 13);
    norm("06 001231012ABC34501DE35" "00199" "   XYZ", 0);
    cnab_line_fit(&L, 40, &(size_t){ 0 });
    assert_int_equal(cnab_apply(t, &L, &r, &fe), -1);
    /* numeric CNPJ still 14 digits */
    norm("06 001232011222333000181" "00199" "   XYZ", 0);
    cnab_line_fit(&L, 40, &(size_t){ 0 });
    assert_int_equal(cnab_apply(t, &L, &r, &fe), 0);
    assert_string_equal(r.payer_doc, "11222333000181");
}

static void test_codes(void **state)
{
    (void)state;
    assert_true(cnab_code_in("06", "06,17"));
    assert_true(cnab_code_in("17", "06,17"));
    assert_false(cnab_code_in("07", "06,17"));
    assert_false(cnab_code_in("", "06,17"));
    assert_non_null(cnab240_bank_find("001"));
    assert_null(cnab240_bank_find("999"));
    assert_non_null(cnab400_bank_find("237"));
    /* Itaú 10 "baixa por ter sido liquidado (ocorrência 34 na remessa ou Pix)"
     * (341-itau-cnab400.txt L888-889) is a liq_baixa code, not a liquidation; 95 is neither */
    assert_false(cnab_code_in("10", cnab400_bank_find("341")->paid));
    assert_true(cnab_code_in("10", cnab400_bank_find("341")->liq_baixa));
    assert_false(cnab_code_in("95", cnab400_bank_find("341")->paid));
    /* Bradesco 16 (cheque) is not settled money; Caixa numbers its own codes */
    assert_false(cnab_code_in("16", cnab400_bank_find("237")->paid));
    assert_true(cnab_code_in("21", cnab400_bank_find("104")->paid));
    assert_false(cnab_code_in("06", cnab400_bank_find("104")->paid));
    /* CNAB 240: 06 and 17 carry money, 44/45/50 (cheques) do not */
    assert_true(cnab_code_in("17", cnab240_bank_find("756")->paid));
    assert_false(cnab_code_in("50", cnab240_bank_find("001")->paid));
}

static void test_mem_reader(void **state)
{
    (void)state;
    err_t e = { 0 };
    assert_null(parser_open_mem("", 0, "empty", NULL, &e));
    assert_string_equal(e.msg, "empty:1:1: expected a CNAB 240 or CNAB 400 return or a Pix statement CSV, found an "
                               "empty file");
    assert_null(parser_open_mem("id,amount\n1,2\n", 14, "pix.csv", NULL, &e));
    assert_string_equal(e.msg, "pix.csv:1:1: expected a CNAB 240 return (record type '0' at position 8, '2' at 143), a "
                               "CNAB 400 return ('02RETORNO') or a Pix statement CSV, found a CSV file that is not a "
                               "Pix statement we know ('id,amount')");
    /* a canonical Pix statement from memory goes to the Pix CSV reader */
    static const char pix[] = "end_to_end_id,txid,amount,settled_at\n"
                              "E18236120202611281403aB3dE5fG7h9,,10.50,2026-11-28T14:03:00-03:00\n";
    parser *pp = parser_open_mem(pix, sizeof pix - 1, "pix.csv", NULL, &e);
    assert_non_null(pp);
    settle_record rec;
    assert_int_equal(parser_next(pp, &rec, &e), 1);
    assert_int_equal(rec.format, FMT_PIX_CSV);
    assert_int_equal(rec.amount_paid_cents, 1050);
    assert_int_equal(parser_next(pp, &rec, &e), 0);
    assert_int_equal(parser_info(pp)->format, FMT_PIX_CSV);
    parser_close(pp);
    assert_null(parser_open_mem("\x01\x02\x03", 3, "bin", NULL, &e));
    assert_string_equal(e.msg, "bin:1:1: expected a CNAB 240 return (record type '0' at position 8, '2' at 143), a "
                               "CNAB 400 return ('02RETORNO') or a Pix statement CSV, found binary data (3 control "
                               "bytes in the first line)");
    parse_opts o = { .format = FMT_CNAB400 };
    char h240[241];
    memset(h240, ' ', 240);
    memcpy(h240, "00100000", 8);
    h240[142] = '2';
    h240[240] = '\0';
    assert_null(parser_open_mem(h240, 240, "x", &o, &e));
    assert_string_equal(e.msg, "x:1:1: expected a CNAB 400 return header ('02RETORNO' at 1-9), found a 143-character "
                               "line starting '00100000' (a CNAB 240 file)");
}

/* Regression tests from the fuzzing campaign: tests/fixtures/cnab/fuzz/ holds
 * inputs that once hit undefined behaviour; each must end in a clean error
 * (and, in the ASan/UBSan pass of make check, without a sanitizer report). */
static void test_fuzz_regressions(void **state)
{
    (void)state;
    /* A CNAB 400 line whose record type is a NUL byte: strchr(skip_types,
     * '\0') matched the terminator and the absent Pix field (start 0) was
     * read at offset -1. Now it is an unknown record type. */
    err_t e = { 0 };
    parser *p = parser_open("tests/fixtures/cnab/fuzz/cnab400-nul-record-type.ret", "nul.ret", NULL, &e);
    int r = 1;
    if (p) {
        settle_record rec;
        while ((r = parser_next(p, &rec, &e)) == 1)
            ;
        parser_close(p);
    }
    assert_int_equal(r, -1);
    assert_int_equal(e.code, EX_DATAERR);
    assert_string_equal(e.msg, "nul.ret:9:1: expected record type 1, 3 or 9 at position 1, found ' '");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_norm_eol_bom_sub), cmocka_unit_test(test_norm_encodings),
        cmocka_unit_test(test_fit),              cmocka_unit_test(test_dates),
        cmocka_unit_test(test_digits),           cmocka_unit_test(test_apply),
        cmocka_unit_test(test_codes),            cmocka_unit_test(test_mem_reader),
        cmocka_unit_test(test_fuzz_regressions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
