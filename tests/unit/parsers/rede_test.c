/* rede_test.c - the Rede Extrato Eletrônico reader (parsers/rede.c): EEVC
 * credit sales, EEFI payments/anticipations/adjustments and EEVD debit
 * sales (comma-separated).
 *
 * The fixtures in tests/fixtures/cards/ are built by mkrede.py from Rede's
 * manuals (/work/shared/cards/rede-*.txt, docs/formats/rede.md); they are
 * not real Rede files. Run from the top of the tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/record.h"
#include "tests/support/reader.h"

#define FIX "tests/fixtures/cards/"

static void check_eevc(const char *path)
{
    settle_record r[8];
    file_info fi;
    err_t e = { 0 };
    int n = reader_read_all(path, r, 8, &fi, &e);
    if (n < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(n, 4);
    assert_int_equal(fi.format, FMT_REDE);
    reader_assert_date(fi.generated_on, 2026, 3, 1);
    /* 004, RV 006, the CV Rede refused (status 013) and its 034, RV 010,
     * three 014 installments, the 026 total */
    assert_int_equal(fi.skipped, 9);
    assert_int_equal(reader_nwarn, 0);

    /* 008 with its e-commerce 034 folded in; the RV's credit date */
    assert_int_equal(r[0].line, 4);
    assert_int_equal(r[0].format, FMT_REDE);
    assert_int_equal(r[0].kind, KIND_CARD_SALE);
    assert_int_equal(r[0].paid, 0);
    assert_string_equal(r[0].card_merchant, "012345678");
    assert_string_equal(r[0].acquirer_key, "000001001");
    assert_string_equal(r[0].card_nsu, "000000123456");
    assert_string_equal(r[0].card_authorization, "A1B2C3");
    assert_string_equal(r[0].card_tid, "TIDREDE0000000000001");
    assert_string_equal(r[0].order_reference, "PED-2001");
    assert_string_equal(r[0].card_brand, "visa");
    assert_int_equal(r[0].amount_face_cents, 15000);
    assert_int_equal(r[0].amount_paid_cents, 15000);
    assert_int_equal(r[0].fee_cents, 375);
    assert_int_equal(r[0].amount_credited_cents, 14625);
    reader_assert_date(r[0].occurred_on, 2026, 2, 28);
    reader_assert_date(r[0].credited_on, 2026, 3, 30);
    /* a sale without e-commerce data */
    assert_string_equal(r[1].card_tid, "");
    assert_string_equal(r[1].card_nsu, "000000123457");
    /* 012: three installments, with its 035 */
    assert_int_equal(r[2].kind, KIND_CARD_SALE);
    assert_int_equal(r[2].installments, 3);
    assert_string_equal(r[2].card_brand, "mastercard");
    assert_string_equal(r[2].card_tid, "TIDREDE0000000000002");
    assert_int_equal(r[2].amount_credited_cents, 29100);
    /* 011: a credit adjustment, its windows-1252 description in UTF-8 */
    assert_int_equal(r[3].kind, KIND_CARD_ADJUSTMENT);
    assert_string_equal(r[3].adjustment, "other");
    assert_string_equal(r[3].movement_code, "62");
    assert_string_equal(r[3].message, "62 REGULARIZAÇAO DIF. TAXA");
    assert_int_equal(r[3].amount_credited_cents, 1500);
    reader_assert_date(r[3].credited_on, 2026, 3, 2);
}

static void test_eevc(void **state)
{
    (void)state;
    check_eevc(FIX "rede-eevc.txt");
    check_eevc(FIX "rede-eevc-v3.txt"); /* "V3.00 – 05/2023 EEVC", an en dash in windows-1252 */
    assert_int_equal(record_format_from_name("rede"), FMT_REDE);
    assert_string_equal(record_format_name(FMT_REDE), "rede");
}

static void test_eefi(void **state)
{
    (void)state;
    settle_record r[10];
    file_info fi;
    err_t e = { 0 };
    int n = reader_read_all(FIX "rede-eefi.txt", r, 10, &fi, &e);
    if (n < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(n, 7);
    reader_assert_date(fi.generated_on, 2026, 3, 30);
    assert_int_equal(reader_nwarn, 0);
    /* 034: a credit to the store, net of the 035 that follows it */
    assert_int_equal(r[0].kind, KIND_CARD_SETTLEMENT);
    assert_int_equal(r[0].paid, 1);
    assert_string_equal(r[0].acquirer_key, "000001001");
    assert_int_equal(r[0].amount_credited_cents, 19499);
    assert_int_equal(r[0].amount_face_cents, 25000);
    assert_int_equal(r[0].fee_cents, 625);
    reader_assert_date(r[0].credited_on, 2026, 3, 30);
    reader_assert_date(r[0].occurred_on, 2026, 2, 28);
    /* 035 reason 18 (CANCEL.DE VENDAS) with its 053 */
    assert_int_equal(r[1].kind, KIND_CARD_ADJUSTMENT);
    assert_string_equal(r[1].adjustment, "cancel");
    assert_int_equal(r[1].amount_credited_cents, -4876);
    assert_int_equal(r[1].amount_face_cents, -5000);
    assert_string_equal(r[1].card_tid, "TIDREDE0000000000004");
    assert_string_equal(r[1].order_reference, "PED-2004");
    assert_string_equal(r[1].card_nsu, "000000123457");
    assert_int_equal(r[1].paid, 0);
    /* installment 1/3 paid; 3/3 held (status 12 penhorado): not paid */
    assert_int_equal(r[2].installment, 1);
    assert_int_equal(r[2].installments, 3);
    assert_int_equal(r[2].paid, 1);
    assert_string_equal(r[3].movement_code, "12");
    assert_int_equal(r[3].paid, 0);
    /* 036 anticipation */
    assert_string_equal(r[4].adjustment, "anticipation");
    assert_int_equal(r[4].amount_credited_cents, 9500);
    assert_int_equal(r[4].fee_cents, 500);
    reader_assert_date(r[4].due_on, 2026, 4, 29);
    assert_int_equal(r[4].installment, 2);
    /* 038 chargeback through the 2023 4-byte reason (2-byte field zeroed), with its 054 */
    assert_string_equal(r[5].adjustment, "chargeback");
    assert_string_equal(r[5].message, "22 CONTESTAÇAO DE VENDA");
    assert_int_equal(r[5].amount_credited_cents, -15000);
    reader_assert_date(r[5].credited_on, 2026, 3, 31);
    assert_string_equal(r[5].card_tid, "TIDREDE0000000000001");
    assert_string_equal(r[5].card_authorization, "A1B2C3");
    /* 043 reason 52: the chargeback reversed */
    assert_string_equal(r[6].adjustment, "chargeback_reversal");
    assert_int_equal(r[6].amount_credited_cents, 15000);
}

static void test_eevd(void **state)
{
    (void)state;
    settle_record r[8];
    file_info fi;
    err_t e = { 0 };
    int n = reader_read_all(FIX "rede-eevd.txt", r, 8, &fi, &e);
    if (n < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(n, 4);
    assert_int_equal(fi.format, FMT_REDE);
    reader_assert_date(fi.generated_on, 2026, 3, 2);
    assert_int_equal(r[0].kind, KIND_CARD_SALE);
    assert_string_equal(r[0].card_brand, "maestro");
    assert_string_equal(r[0].card_tid, "TIDDEB00000000000001");
    assert_string_equal(r[0].order_reference, "PED-3001");
    assert_int_equal(r[0].amount_face_cents, 12000);
    assert_int_equal(r[0].fee_cents, 180);
    assert_int_equal(r[0].amount_credited_cents, 11820);
    reader_assert_date(r[0].credited_on, 2026, 3, 2);
    assert_string_equal(r[1].card_brand, "visa electron");
    /* 08: desagendamento, motivo 01 = chargeback */
    assert_int_equal(r[2].kind, KIND_CARD_ADJUSTMENT);
    assert_string_equal(r[2].adjustment, "chargeback");
    assert_int_equal(r[2].amount_credited_cents, -8000);
    /* 11: ajuste net, reason 18 */
    assert_string_equal(r[3].adjustment, "cancel");
    assert_int_equal(r[3].amount_credited_cents, -11820);
    assert_string_equal(r[3].card_authorization, "AUT001");
}

static void expect_error(const char *file, const char *msg)
{
    reader_expect_error(FIX "malformed/", file, msg);
}

static void test_malformed(void **state)
{
    (void)state;
    expect_error("rede-eevc-version.txt", "1:102: expected the EEVC file version 'V2.01 - 09/06 - EEVC' or 'V3.00 - "
                                          "05/2023 EEVC' (positions 102-121), found 'V1.00 - 01/01 - EEVC'");
    expect_error("rede-eefi-version.txt", "1:106: expected the EEFI file version 'V3.01 - 09/06 - EEFI' or 'V4.00 - "
                                          "05/2023 EEFI' (positions 106-125), found 'V9.99 - 01/01 - EEFI'");
    expect_error("rede-eevd-version.txt", "1:118: expected the EEVD file version 'V1.04 - 07/10 - EEVD' or 'V2.00 - "
                                          "05/2023 EEVD' (column 10), found 'V0.99 - EEVD'");
    expect_error("rede-eesa.txt", "1:1: expected a Rede EEVC (002), EEFI (030) or EEVD (00) header, found an EESA "
                                  "header (060, saldo em aberto): not read by settle");
    expect_error("rede-eevc-trailer-count.txt", "17:8: expected the trailer's record count (positions 8-13, header "
                                                "and trailer included) to be 17, found 99");
    expect_error("rede-eevc-trailer-net.txt", "17:134: expected the trailer's total net (positions 134-148) to be "
                                              "53475, the sum of the RV records, found 53000");
    expect_error("rede-eevc-truncated.txt", "17:1: expected a trailer (record type 028), found the end of the file "
                                            "(truncated?)");
    expect_error("rede-eefi-trailer-credits.txt", "14:27: expected the trailer's total of normal credits (positions "
                                                  "27-41) to be 38899, the sum of the 034 records, found 1");
    expect_error("rede-eefi-bad-date.txt", "3:24: expected a date DDMMAAAA in the credit date (data do lançamento) "
                                           "(positions 24-31), found '31022026'");
    expect_error("rede-eefi-bad-amount.txt", "3:32: expected 15 digits (2 decimals) in the credit amount (positions "
                                             "32-46), found '0000000001949x9'");
    expect_error("rede-eevd-trailer-count.txt", "10:21: expected the trailer's CV count (column 4) to be 2, found 3");
    expect_error("rede-eevd-bad-amount.txt", "3:33: expected 5 digits (2 decimals) in the gross amount (column 5) "
                                             "(positions 33-37), found '12O00'");
}

static void test_unknown_type_warns(void **state)
{
    (void)state;
    settle_record r[8];
    file_info fi;
    err_t e = { 0 };
    assert_int_equal(reader_read_all(FIX "rede-eevc-unknown-type.txt", r, 8, &fi, &e), 4);
    assert_int_equal(reader_nwarn, 1);
    assert_int_equal(fi.skipped, 10);
    assert_string_equal(reader_last_warn, FIX "rede-eevc-unknown-type.txt:17:1: warning: unknown record type '099' for EEVC: "
                                       "counted and skipped");
}

static void test_installment_nets_warn(void **state)
{
    (void)state;
    settle_record r[8];
    file_info fi;
    err_t e = { 0 };
    assert_int_equal(reader_read_all(FIX "rede-eevc-installments-mismatch.txt", r, 8, &fi, &e), 4);
    assert_int_equal(fi.xcheck_mismatches, 1);
    assert_string_equal(reader_last_warn, FIX "rede-eevc-installments-mismatch.txt:10:221: warning: money does not add up: "
                                       "net 29100 != first installment 9999 + 2 x 9700 (read as Rede sent it)");
    assert_int_equal(r[2].amount_credited_cents, 29100); /* read as sent */
    /* the consistent file: 9700 + 2 x 9700 */
    assert_int_equal(reader_read_all(FIX "rede-eevc.txt", r, 8, &fi, &e), 4);
    assert_int_equal(fi.xcheck_mismatches, 0);
}

static void test_detection_refuses_lookalikes(void **state)
{
    (void)state;
    err_t e = { 0 };
    parse_opts o = { .format = FMT_REDE };
    const char *cnab = "02RETORNO01COBRANCA";
    parser *p = parser_open_mem(cnab, strlen(cnab), "x.ret", &o, &e);
    assert_null(p);
    assert_string_equal(e.msg, "x.ret:1:1: expected a Rede header (002 EEVC or 030 EEFI with 'Rede' at 12-19, or an "
                               "EEVD '00' line with 'Rede' in column 6), found '02RETORNO01COBRANCA'");
    /* "00," without 'Rede' in column 6 is not an EEVD: detection leaves it to the CSV readers */
    o.format = FMT_UNKNOWN;
    const char *csvl = "00,1,2,3,4,5\n";
    p = parser_open_mem(csvl, strlen(csvl), "y.csv", &o, &e);
    assert_null(p);
    assert_null(strstr(e.msg, "Rede"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eevc),      cmocka_unit_test(test_eefi),
        cmocka_unit_test(test_eevd),      cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_unknown_type_warns), cmocka_unit_test(test_installment_nets_warn),
        cmocka_unit_test(test_detection_refuses_lookalikes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
