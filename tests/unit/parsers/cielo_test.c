/* cielo_test.c - the Cielo Extrato Eletrônico v15 reader (parsers/cielo.c)
 * and the helpers the card readers share (parsers/cards.c).
 *
 * The fixtures in tests/fixtures/cards/ are built by mkcielo.py from the
 * record positions of /work/shared/cards/cielo-v15-record-positions-derived.md
 * (docs/formats/cielo.md); they are not real Cielo files. Run from the top
 * of the tree (scripts/run-tests does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/cards.h"
#include "parsers/record.h"
#include "tests/support/reader.h"

#define FIX "tests/fixtures/cards/"

#define KEY1 "01027058000191 36033801000109 2026-03-31 001 002 0000000001"

static void test_file03(void **state)
{
    (void)state;
    settle_record r[8];
    file_info fi;
    err_t e = { 0 };
    int n = reader_read_all(FIX "cielo03.txt", r, 8, &fi, &e);
    if (n < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(n, 6);
    assert_int_equal(fi.format, FMT_CIELO);
    reader_assert_date(fi.generated_on, 2026, 3, 1);
    assert_int_equal(fi.skipped, 1); /* the Pix record 8 */
    assert_int_equal(fi.warnings, 0);
    assert_int_equal(reader_nwarn, 0);

    /* a credit sale à vista: gross, fee, net, the sale and expected dates */
    assert_int_equal(r[0].line, 2);
    assert_int_equal(r[0].format, FMT_CIELO);
    assert_int_equal(r[0].kind, KIND_CARD_SALE);
    assert_int_equal(r[0].paid, 0);
    assert_string_equal(r[0].movement_code, "02");
    assert_string_equal(r[0].card_merchant, "1051583117");
    assert_string_equal(r[0].card_brand, "visa");
    assert_string_equal(r[0].card_authorization, "885618");
    assert_string_equal(r[0].card_nsu, "005032");
    assert_string_equal(r[0].card_tid, "10515831175GC8QCTG4E");
    assert_string_equal(r[0].order_reference, "PED-1001"); /* right-aligned in the file */
    assert_string_equal(r[0].acquirer_key, KEY1);
    assert_int_equal(r[0].amount_face_cents, 17170);
    assert_int_equal(r[0].amount_paid_cents, 17170);
    assert_int_equal(r[0].fee_cents, 426);
    assert_int_equal(r[0].amount_credited_cents, 16744);
    assert_int_equal(r[0].installment, 0);
    assert_int_equal(r[0].installments, 0);
    reader_assert_date(r[0].occurred_on, 2026, 3, 1);
    reader_assert_date(r[0].credited_on, 2026, 3, 31);
    assert_string_equal(r[0].adjustment, "");

    /* installments 1 and 2 of 2: the first absorbs the odd cent */
    assert_int_equal(r[1].kind, KIND_CARD_SALE);
    assert_string_equal(r[1].card_brand, "mastercard");
    assert_int_equal(r[1].installment, 1);
    assert_int_equal(r[1].installments, 2);
    assert_int_equal(r[1].amount_paid_cents, 16225);
    assert_int_equal(r[1].amount_face_cents, 8113);
    assert_int_equal(r[2].installment, 2);
    assert_int_equal(r[2].amount_face_cents, 8112);
    assert_int_equal(r[2].amount_credited_cents, 7856);
    reader_assert_date(r[2].credited_on, 2026, 4, 30);

    /* adjustments, signed as the money moves */
    assert_int_equal(r[3].kind, KIND_CARD_ADJUSTMENT);
    assert_string_equal(r[3].adjustment, "cancel");
    assert_int_equal(r[3].amount_face_cents, -5000);
    assert_int_equal(r[3].fee_cents, -124); /* the fee given back */
    assert_int_equal(r[3].amount_credited_cents, -4876);
    assert_string_equal(r[4].adjustment, "chargeback");
    assert_int_equal(r[4].amount_credited_cents, -10000);
    assert_string_equal(r[5].adjustment, "chargeback_reversal");
    assert_int_equal(r[5].amount_credited_cents, 10000);
    for (int i = 0; i < n; i++)
        assert_int_equal(r[i].paid, 0);
}

static void test_file04(void **state)
{
    (void)state;
    settle_record r[8];
    file_info fi;
    err_t e = { 0 };
    int n = reader_read_all(FIX "cielo04.txt", r, 8, &fi, &e); /* trailing blanks trimmed in this file */
    if (n < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(n, 4);
    assert_int_equal(reader_nwarn, 0);
    /* D: the payout, status 04 (pago) */
    assert_int_equal(r[0].kind, KIND_CARD_SETTLEMENT);
    assert_int_equal(r[0].paid, 1);
    assert_string_equal(r[0].card_tid, "");
    assert_string_equal(r[0].acquirer_key, KEY1);
    assert_int_equal(r[0].amount_face_cents, 17170);
    assert_int_equal(r[0].fee_cents, 426);
    assert_int_equal(r[0].amount_credited_cents, 16744);
    reader_assert_date(r[0].credited_on, 2026, 3, 31);
    /* its E: an item of the payout, no money of its own */
    assert_int_equal(r[1].kind, KIND_CARD_SETTLEMENT);
    assert_int_equal(r[1].paid, 0);
    assert_string_equal(r[1].card_tid, "10515831175GC8QCTG4E");
    assert_string_equal(r[1].acquirer_key, KEY1);
    reader_assert_date(r[1].credited_on, 2026, 3, 31);
    /* status 03 (enviado ao banco) is paid too */
    assert_int_equal(r[2].paid, 1);
    assert_int_equal(r[3].installment, 1);
    assert_int_equal(r[3].installments, 2);
}

static void test_same_from_memory_and_forced(void **state)
{
    (void)state;
    FILE *f = fopen(FIX "cielo03.txt", "rb");
    assert_non_null(f);
    static char buf[65536];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    parse_opts o = { .format = FMT_CIELO };
    err_t e = { 0 };
    parser *p = parser_open_mem(buf, len, "mem", &o, &e);
    assert_non_null(p);
    settle_record rec;
    int n = 0;
    while (parser_next(p, &rec, &e) == 1)
        n++;
    assert_int_equal(n, 6);
    parser_close(p);
    assert_int_equal(record_format_from_name("cielo"), FMT_CIELO);
    assert_string_equal(record_format_name(FMT_CIELO), "cielo");
    /* a CNAB file forced as cielo */
    p = parser_open_mem("02RETORNO01COBRANCA", 19, "x.ret", &o, &e);
    assert_null(p);
    assert_string_equal(e.msg, "x.ret:1:1: expected a Cielo header (record type '0', 'CIELO' at positions 43-47), "
                               "found '02RETORNO01COBRANCA'");
}

static void expect_error(const char *file, const char *msg)
{
    reader_expect_error(FIX "malformed/", file, msg);
}

static void test_malformed(void **state)
{
    (void)state;
    expect_error("cielo03-version-014.txt",
                 "1:71: expected layout version '015' (Extrato Eletrônico v15) (positions 71-73), found '014'\n"
                 "HINT: the 250-byte layout before v15 was retired in 2024-06; ask Cielo (edi@cielo.com.br) for v15");
    expect_error("cielo09-balance.txt", "1:48: expected file type (opção de extrato) 03 (sales) or 04 (payments) "
                                        "(positions 48-49), found '09' (saldo em aberto): not read by settle");
    expect_error("cielo03-trailer-count.txt", "8:2: expected the trailer's record count (positions 2-12) to be 6, the "
                                              "records between header and trailer, found 5");
    expect_error("cielo03-trailer-net.txt", "8:13: expected the trailer's net sum (positions 13-30) to be 27581, the "
                                            "sum of the E records, found 1");
    expect_error("cielo04-e-without-d.txt",
                 "4:30: expected a D record (payout) before this E record with the same Chave UR and tipo de lançamento "
                 "03, found none: an E without its D (Chave UR '01027058000191 36033801000109 2026-03-31 002 002 "
                 "0000000001')");
    expect_error("cielo04-d-count.txt", "2:144: expected 2 E records for this payout (quantidade de lançamentos, "
                                        "positions 144-149), found 1 in the file");
    expect_error("cielo03-bad-date.txt", "2:566: expected a date DDMMAAAA in the authorization date (positions 566-573), "
                                         "found '31022026'");
    expect_error("cielo03-bad-sign.txt", "3:261: expected '+' or '-' as the sign of the gross amount (valor bruto) "
                                         "(position 261), found '*'");
    expect_error("cielo03-bad-amount.txt", "3:266: expected 13 digits (2 decimals) in the gross amount (valor bruto) "
                                           "(positions 262-274), found '0000x00008113'");
    expect_error("cielo03-truncated.txt", "8:1: expected a trailer (record type 9), found the end of the file (truncated?)");
    expect_error("cielo03-d-in-sales.txt", "8:1: expected record type E, 8, A, B, C, R or 9 in a file 03 (sales), "
                                           "found a payment record D (files 04 and 09 only)");
}

static void test_warnings(void **state)
{
    (void)state;
    settle_record r[8];
    file_info fi;
    err_t e = { 0 };
    assert_int_equal(reader_read_all(FIX "cielo03-unknown-type.txt", r, 8, &fi, &e), 6);
    assert_int_equal(reader_nwarn, 1);
    assert_int_equal(fi.warnings, 1);
    assert_string_equal(reader_last_warn, FIX "cielo03-unknown-type.txt:8:1: warning: unknown record type 'Z' (expected 0, D, "
                                       "E, 8, A, B, C, R or 9): counted and skipped");
    assert_int_equal(reader_read_all(FIX "cielo04-payout-mismatch.txt", r, 8, &fi, &e), 2);
    assert_int_equal(fi.xcheck_mismatches, 1);
    assert_string_equal(reader_last_warn, FIX "cielo04-payout-mismatch.txt:2:100: warning: money does not add up: payout net "
                                       "16744 != 16700, the sum of its 1 E records (read as Cielo sent it)");
}

static void test_limits(void **state)
{
    (void)state;
    settle_record r[8];
    err_t e = { 0 };
    cielo_max_ur = 1;
    assert_int_equal(reader_read_all(FIX "cielo04.txt", r, 8, NULL, &e), -1);
    assert_string_equal(e.msg, FIX "cielo04.txt:4:1: expected at most 1 payouts (D records) in one file, found more");
    cielo_max_ur = CIELO_MAX_UR;
    cards_max_records = 3;
    assert_int_equal(reader_read_all(FIX "cielo03.txt", r, 8, NULL, &e), -1);
    assert_string_equal(e.msg, FIX "cielo03.txt:5:1: expected at most 3 records in one file, found more");
    cards_max_records = CARDS_MAX_RECORDS;
}

/* windows-1252 text: 0x80-0x9F are characters, not C1 controls */
static void test_text_1252(void **state)
{
    (void)state;
    cnab_line l;
    char out[64];
    const unsigned char raw[] = "S\xC3O \x93PAULO\x94 \x80 5\x81X\x01Y   ";
    cnab_line_norm(raw, sizeof raw - 1, 0, &l);
    cards_text(&l, 1, l.len, out, sizeof out);
    assert_string_equal(out, "SÃO “PAULO” € 5 X Y");
    /* a line that is valid UTF-8 keeps its characters; C1 is blanked */
    const char *u = "AÇÃO \xC2\x85X";
    cnab_line_norm((const unsigned char *)u, strlen(u), 0, &l);
    cards_text(&l, 1, l.len, out, sizeof out);
    assert_string_equal(out, "AÇÃO  X");
    /* cut on a character boundary */
    cnab_line_norm(raw, sizeof raw - 1, 0, &l);
    cards_text(&l, 1, l.len, out, 3); /* "SÃ" needs 4 bytes with the NUL */
    assert_string_equal(out, "S");
}

static void test_smoney(void **state)
{
    (void)state;
    cnab_line l;
    cnab_ferr fe;
    int64_t v = 7;
    const char *s = "-0000000000123+0000000000456 0000000000001              ";
    cnab_line_norm((const unsigned char *)s, strlen(s), 0, &l);
    assert_int_equal(cnab_line_fit(&l, 60, &(size_t){ 0 }), 0);
    assert_int_equal(cards_smoney(&l, 1, 2, 13, "a", &v, &fe), 0);
    assert_int_equal(v, -123);
    assert_int_equal(cards_smoney(&l, 15, 16, 13, "b", &v, &fe), 0);
    assert_int_equal(v, 456);
    assert_int_equal(cards_smoney(&l, 29, 30, 13, "c", &v, &fe), -1);
    assert_string_equal(fe.msg, "expected '+' or '-' as the sign of c (position 29), found ' '");
    assert_int_equal(cards_smoney(&l, 43, 44, 13, "d", &v, &fe), 0); /* all blank */
    assert_int_equal(v, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file03),   cmocka_unit_test(test_file04),
        cmocka_unit_test(test_same_from_memory_and_forced),
        cmocka_unit_test(test_malformed), cmocka_unit_test(test_warnings),
        cmocka_unit_test(test_limits),   cmocka_unit_test(test_text_1252),
        cmocka_unit_test(test_smoney),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
