/* banks240_more_test.c - issue 19, CNAB 240 part: the seven banks added
 * after the first nine (021 Banestes, 041 Banrisul, 097 CrediSIS, 133
 * Cresol, 136 Unicred, 399 HSBC, 745 Citibank), each return built from the
 * field tables of the bank's own manual. "M L123" below = line 123 of
 * /work/shared/manuals/<code>-<bank>-cnab240.txt (the manual's edition is on
 * its line 1; docs/formats/cnab.md lists them). None of the seven manuals
 * holds a sample record or file, so every record here is built field by
 * field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/cnab.h"

/* ---- a tiny CNAB 240 file builder: positions are 1-based, as in the
 * manuals ---- */

static char file[32768];
static size_t flen;
static char cur[241];

static void rec_begin(const char *bank, const char *lote, char type)
{
    memset(cur, ' ', 240);
    cur[240] = '\0';
    memcpy(cur, bank, 3);
    memcpy(cur + 3, lote, 4);
    cur[7] = type;
}

static void put(int pos, const char *s)
{
    memcpy(cur + pos - 1, s, strlen(s));
}

static void num(int pos, int len, long long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%0*lld", len, v);
    memcpy(cur + pos - 1, buf, (size_t)len);
}

static void rec_end(void)
{
    memcpy(file + flen, cur, 240);
    flen += 240;
    file[flen++] = '\n';
}

/* Overwrite positions of the last record written. */
static void patch_last(int pos, const char *s)
{
    memcpy(file + flen - 241 + pos - 1, s, strlen(s));
}

static void file_begin(const char *bank, char ret_143)
{
    flen = 0;
    rec_begin(bank, "0000", '0');
    put(18, "2");
    put(19, "12345678000199");
    put(73, "COMEX COMERCIO LTDA");
    cur[142] = ret_143;
    put(144, "28112026");
    put(152, "010203");
    num(158, 6, 1);
    rec_end();
}

static void batch_header(const char *bank, char op)
{
    rec_begin(bank, "0001", '1');
    cur[8] = op;
    put(10, "01");
    put(192, "28112026");
    rec_end();
}

/* A FEBRABAN-placed segment T: code, seu número, due, face, payer, fee. The
 * caller writes the nosso número. */
static void seg_t(const char *bank, int seq, const char *code, const char *seu, long long face, long long fee)
{
    rec_begin(bank, "0001", '3');
    num(9, 5, seq);
    put(14, "T");
    put(16, code);
    put(59, seu);
    put(74, "30112026");
    num(82, 15, face);
    put(133, "1");
    num(134, 15, 12345678909LL);
    put(149, "PAGADOR TESTE");
    num(199, 15, fee);
}

/* A FEBRABAN segment U (money fields all 15 digits, 2 decimals). */
static void seg_u(const char *bank, int seq, const char *code, long long interest, long long discount,
                  long long paid, long long net, long long other_exp, long long other_cred)
{
    rec_begin(bank, "0001", '3');
    num(9, 5, seq);
    put(14, "U");
    put(16, code);
    num(18, 15, interest);
    num(33, 15, discount);
    num(48, 15, 0);
    num(63, 15, 0);
    num(78, 15, paid);
    num(93, 15, net);
    num(108, 15, other_exp);
    num(123, 15, other_cred);
    put(138, "27112026");
    put(146, "28112026");
}

static void batch_trailer(const char *bank, long records)
{
    rec_begin(bank, "0001", '5');
    num(18, 6, records);
    rec_end();
}

static void file_trailer(const char *bank, long batches, long records)
{
    rec_begin(bank, "9999", '9');
    num(18, 6, batches);
    num(24, 6, records);
    rec_end();
}

/* ---- reading ---- */

#define MAXREC 8
static settle_record R[MAXREC];
static int nrec;
static long warnings;
static char err[512];

static void on_warn(void *arg, long line, const char *msg)
{
    (void)arg, (void)line, (void)msg;
    warnings++;
}

/* Parse the built file: 0 with R[0..nrec) read, -1 with err set. */
static int parse(void)
{
    err_t e = { 0 };
    parse_opts o = { .warn = on_warn };
    nrec = 0;
    warnings = 0;
    err[0] = '\0';
    parser *p = parser_open_mem(file, flen, "t.ret", &o, &e);
    if (!p) {
        snprintf(err, sizeof err, "%s", e.msg);
        return -1;
    }
    settle_record r;
    int rc;
    while ((rc = parser_next(p, &r, &e)) == 1)
        if (nrec < MAXREC)
            R[nrec++] = r;
    parser_close(p);
    if (rc < 0) {
        snprintf(err, sizeof err, "%s", e.msg);
        return -1;
    }
    return 0;
}

static void assert_date(settle_date d, int y, int m, int day)
{
    assert_int_equal(d.y, y);
    assert_int_equal(d.m, m);
    assert_int_equal(d.d, day);
}

/* The money of a liquidation, in one line each. */
static void assert_money(const settle_record *r, long long paid, long long credited, long long fee, long long interest,
                         long long other)
{
    assert_int_equal(r->amount_paid_cents, paid);
    assert_int_equal(r->amount_credited_cents, credited);
    assert_int_equal(r->fee_cents, fee);
    assert_int_equal(r->interest_cents, interest);
    assert_int_equal(r->other_credits_cents, other);
}

/* ---- 021 Banestes ---- */

static void build_banestes(long file_batches, long file_records)
{
    file_begin("021", '2');
    batch_header("021", 'T');
    /* T: nosso número 38-47 = 8 digits + D1 D2 (M L160, Anexo VIII L340-384:
     * 12345678 -> D1 = 9, D2 = 0), 48-57 blank (M L161) */
    seg_t("021", 1, "06", "NF123", 10000, 180);
    put(38, "1234567890");
    rec_end();
    /* U (M L201-210): juros 250, valor pago 10250, líquido 10070 */
    seg_u("021", 2, "06", 250, 0, 10250, 10070, 0, 0);
    rec_end();
    seg_t("021", 3, "02", "NF124", 5000, 0);
    put(38, "1234568005");
    rec_end();
    seg_u("021", 4, "02", 0, 0, 0, 0, 0, 0);
    rec_end();
    batch_trailer("021", 6); /* "Soma dos registros tipo: 1, 3, 5" (M L232) */
    file_trailer("021", file_batches, file_records);
}

static void test_banestes(void **state)
{
    (void)state;
    /* file trailer 18-29 "Zeros" (M L274-275): read */
    build_banestes(0, 0);
    assert_int_equal(parse(), 0);
    assert_int_equal(nrec, 2);
    /* liquidation 06 (M L529) */
    assert_string_equal(R[0].bank, "021");
    assert_string_equal(R[0].movement_code, "06");
    assert_int_equal(R[0].paid, 1);
    assert_string_equal(R[0].nosso_numero, "1234567890");
    assert_string_equal(R[0].seu_numero, "NF123");
    assert_int_equal(R[0].amount_face_cents, 10000);
    assert_money(&R[0], 10250, 10070, 180, 250, 0);
    assert_date(R[0].due_on, 2026, 11, 30);
    assert_date(R[0].occurred_on, 2026, 11, 27);
    assert_date(R[0].credited_on, 2026, 11, 28);
    assert_string_equal(R[0].payer_doc, "12345678909");
    /* 02 entrada confirmada (M L525): no money */
    assert_string_equal(R[1].movement_code, "02");
    assert_int_equal(R[1].paid, 0);
    assert_int_equal(warnings, 0); /* 10250 = 10000 + 250; 10070 = 10250 - 180 */
    /* counts that are reported are checked (M L232): 2 batches is wrong */
    build_banestes(1, 8);
    assert_int_equal(parse(), 0);
    build_banestes(2, 8);
    assert_int_equal(parse(), -1);
    assert_string_equal(err, "t.ret:8:18: expected file batch count 000001 (batches read), found '000002'");
    /* 15 franco de pagamento (M L542) is not money */
    assert_false(cnab_code_in("15", cnab240_bank_find("021")->paid));
    assert_true(cnab_code_in("17", cnab240_bank_find("021")->paid)); /* M L543-545 */
}

/* ---- 041 Banrisul ---- */

static void test_banrisul(void **state)
{
    (void)state;
    file_begin("041", '2');
    batch_header("041", 'T');
    /* 02 entrada confirmada: segment T only ("U obrigatório somente para os
     * códigos de movimento 06, 09, 17, 23, 25 e 28", M L74) */
    seg_t("041", 1, "02", "NF200", 10000, 0);
    put(38, "0012345601");
    rec_end();
    /* 06 with the default "Tipo 1" money (M L638-640): valor pago = título
     * (10000), líquido = pago + juros 300 - despesas 190 = 10110 */
    seg_t("041", 2, "06", "NF201", 10000, 190);
    put(38, "0012345702"); /* 38-57, "10 primeiras posições" (M L319-321) */
    rec_end();
    seg_u("041", 3, "06", 300, 0, 10000, 10110, 0, 0);
    rec_end();
    /* 06 with "Tipo 4" (M L651-653): pago = título + juros = 10300,
     * líquido = pago - despesas 190 - outras despesas 50 = 10060 */
    seg_t("041", 4, "06", "NF202", 10000, 190);
    put(38, "0012345803");
    rec_end();
    seg_u("041", 5, "06", 300, 0, 10300, 10060, 50, 0);
    rec_end();
    /* AA "Devolução, Liquidado Anteriormente (CCB)" (M L293), T only */
    seg_t("041", 6, "AA", "NF203", 10000, 0);
    put(38, "0012345904");
    rec_end();
    batch_trailer("041", 8); /* "incluindo header e trailler" (M L579-581) */
    file_trailer("041", 1, 10);
    assert_int_equal(parse(), 0);
    assert_int_equal(nrec, 4);
    assert_string_equal(R[0].movement_code, "02");
    assert_int_equal(R[0].paid, 0);
    assert_int_equal(R[0].line, 3);
    assert_string_equal(R[0].nosso_numero, "0012345601");
    /* 06 (M L267): whatever the type, amount paid = líquido + despesas +
     * outras despesas = what the payer paid (M L636-665) */
    assert_string_equal(R[1].movement_code, "06");
    assert_int_equal(R[1].paid, 1);
    assert_money(&R[1], 10300, 10110, 190, 300, 0);
    assert_string_equal(R[2].movement_code, "06");
    assert_money(&R[2], 10300, 10060, 190, 300, 0);
    assert_string_equal(R[3].movement_code, "AA");
    assert_int_equal(R[3].paid, 0);
    assert_int_equal(R[3].line, 8);
    assert_int_equal(warnings, 0); /* XC_GROSS: 10300 = 10000 + 300 */
    /* a liquidation without its U is still refused (its money is missing) */
    file_begin("041", '2');
    batch_header("041", 'T');
    seg_t("041", 1, "06", "NF201", 10000, 190);
    rec_end();
    batch_trailer("041", 3);
    file_trailer("041", 1, 5);
    assert_int_equal(parse(), -1);
    assert_string_equal(err, "t.ret:4:14: expected segment U after the segment T of line 3, found a batch trailer");
    /* 17 (M L280) pays; AB "cobrança a creditar (em trânsito)" (M L296) does not */
    assert_true(cnab_code_in("17", cnab240_bank_find("041")->paid));
    assert_false(cnab_code_in("AB", cnab240_bank_find("041")->paid));
}

/* ---- 097 CrediSIS ---- */

static void test_credisis(void **state)
{
    (void)state;
    file_begin("097", '2');
    batch_header("097", 'T');
    /* nosso número 38-57 (M L208) = 097 + X + agência + convênio + sequência
     * (Apêndice A, M L976-990) */
    seg_t("097", 1, "06", "NF300", 10000, 180);
    put(38, "09750002123456000001");
    rec_end();
    /* U (M L241-262): juros and desconto with 4 decimals (C048/C049, M
     * L915-921): 2,50 = 000000000025000; 48-77 blank */
    seg_u("097", 2, "06", 0, 0, 10250, 10070, 0, 0);
    num(18, 15, 25000);
    memset(cur + 47, ' ', 30);
    rec_end();
    seg_t("097", 3, "02", "NF301", 5000, 0);
    put(38, "09750002123456000002");
    rec_end();
    seg_u("097", 4, "02", 0, 0, 0, 0, 0, 0);
    memset(cur + 47, ' ', 30);
    rec_end();
    batch_trailer("097", 6); /* G057: tipos 1, 3 e 5 (M L495-497) */
    file_trailer("097", 1, 8);
    assert_int_equal(parse(), 0);
    assert_int_equal(nrec, 2);
    /* 06 Liquidação (C044, M L850) */
    assert_string_equal(R[0].movement_code, "06");
    assert_int_equal(R[0].paid, 1);
    assert_string_equal(R[0].nosso_numero, "09750002123456000001");
    assert_money(&R[0], 10250, 10070, 180, 250, 0);
    assert_date(R[0].credited_on, 2026, 11, 28);
    assert_int_equal(warnings, 0);
    assert_string_equal(R[1].movement_code, "02");
    assert_int_equal(R[1].paid, 0);
    /* C044 has no 17; 65 boleto descontado and 66 cancelamento are not
     * payments (M L850-857) */
    assert_false(cnab_code_in("17", cnab240_bank_find("097")->paid));
    assert_false(cnab_code_in("65", cnab240_bank_find("097")->paid));
}

/* ---- 133 Cresol ---- */

static void build_cresol(char op)
{
    file_begin("133", '1'); /* "Código Remessa / Retorno ... 1" (M L65) */
    batch_header("133", op);
    seg_t("133", 1, "06", "NF400", 10000, 180);
    put(38, "00000000000000012345"); /* 38-57 (M L390) */
    rec_end();
    seg_u("133", 2, "06", 250, 0, 10250, 10070, 0, 0); /* M L443-454 */
    rec_end();
    seg_t("133", 3, "45", "NF401", 5000, 0);
    put(38, "00000000000000012346");
    rec_end();
    seg_u("133", 4, "45", 0, 0, 5000, 5000, 0, 0);
    rec_end();
    batch_trailer("133", 6); /* M L484-486 */
    file_trailer("133", 1, 8); /* M L503-507 */
}

static void test_cresol(void **state)
{
    (void)state;
    /* the batch header's 'T' (M L102) says it is a return */
    build_cresol('T');
    assert_int_equal(parse(), 0);
    assert_int_equal(nrec, 2);
    /* 06 = Liquidação (M L184) */
    assert_string_equal(R[0].movement_code, "06");
    assert_int_equal(R[0].paid, 1);
    assert_string_equal(R[0].nosso_numero, "00000000000000012345");
    assert_money(&R[0], 10250, 10070, 180, 250, 0);
    /* 45 "Título pago com cheque compensado" (M L325): an event, not booked */
    assert_string_equal(R[1].movement_code, "45");
    assert_int_equal(R[1].paid, 0);
    assert_int_equal(warnings, 0);
    /* a remessa ('R') with '1' at 143 is still refused */
    build_cresol('R');
    assert_int_equal(parse(), -1);
    assert_string_equal(err, "t.ret:2:9: expected 'T' (return) at position 9 of the batch header, since the file "
                             "header has no '2' at 143, found 'R': this is a remessa, a file sent to the bank, not "
                             "a return");
    /* another bank's '1' at 143 is a remessa, as before */
    file_begin("001", '1');
    assert_int_equal(parse(), -1);
    assert_string_equal(err, "t.ret:1:143: expected '2' (return) at position 143 of the CNAB 240 file header, found "
                             "'1': this is a remessa, a file sent to the bank, not a return");
    assert_true(cnab_code_in("17", cnab240_bank_find("133")->paid)); /* M L226-228 */
    assert_false(cnab_code_in("50", cnab240_bank_find("133")->paid)); /* M L352-353 */
}

/* ---- 136 Unicred ---- */

static void test_unicred(void **state)
{
    (void)state;
    file_begin("136", '2'); /* "Fixo 2" (M L55) */
    batch_header("136", 'T');
    patch_last(9, "T0100030"); /* M L78 */
    /* T (M L113-160): 38 fixed 0, 39-57 nosso número, 58 fixed 1, 106-198
     * zeros */
    seg_t("136", 1, "06", "NF500", 10000, 180);
    put(38, "0");
    put(39, "0000000000000012345");
    put(58, "1");
    memset(cur + 105, '0', 93);
    rec_end();
    /* U (M L175-187): 108-137 blank; 146-153 data programada para repasse */
    seg_u("136", 2, "06", 250, 0, 10250, 10070, 0, 0);
    memset(cur + 107, ' ', 30);
    rec_end();
    /* 01 "Pago (Título protestado pago em cartório)" (M L268) */
    seg_t("136", 3, "01", "NF501", 5000, 0);
    put(38, "0");
    put(39, "0000000000000012346");
    put(58, "1");
    memset(cur + 105, '0', 93);
    rec_end();
    seg_u("136", 4, "01", 0, 0, 5000, 5000, 0, 0);
    memset(cur + 107, ' ', 30);
    rec_end();
    /* 07 "Liquidação em Condicional" (cheque, M L273) */
    seg_t("136", 5, "07", "NF502", 5000, 0);
    put(38, "0");
    put(39, "0000000000000012347");
    put(58, "1");
    memset(cur + 105, '0', 93);
    rec_end();
    seg_u("136", 6, "07", 0, 0, 5000, 5000, 0, 0);
    memset(cur + 107, ' ', 30);
    rec_end();
    batch_trailer("136", 8); /* M L208-209 */
    /* file trailer: 1-9 "136999991", 10-23 blank, 24-29 lines (M L218-224) */
    rec_begin("136", "9999", '9');
    put(9, "1");
    num(24, 6, 10);
    rec_end();
    assert_int_equal(parse(), 0);
    assert_int_equal(nrec, 3);
    /* 06 Liquidação Normal (M L272) */
    assert_string_equal(R[0].movement_code, "06");
    assert_int_equal(R[0].paid, 1);
    assert_string_equal(R[0].nosso_numero, "0000000000000012345");
    assert_money(&R[0], 10250, 10070, 180, 250, 0);
    assert_string_equal(R[0].payer_doc, "");
    assert_string_equal(R[0].payer_name, "");
    assert_date(R[0].credited_on, 2026, 11, 28);
    assert_string_equal(R[1].movement_code, "01");
    assert_int_equal(R[1].paid, 1);
    assert_int_equal(R[1].amount_paid_cents, 5000);
    assert_string_equal(R[2].movement_code, "07");
    assert_int_equal(R[2].paid, 0);
    assert_int_equal(warnings, 0);
    /* 09 "Liquidação de Título Descontado" (M L275): not booked */
    assert_false(cnab_code_in("09", cnab240_bank_find("136")->paid));
}

/* ---- 399 HSBC ---- */

static void test_hsbc(void **state)
{
    (void)state;
    file_begin("399", '2');
    batch_header("399", 'T');
    /* T: 38-48 nosso número (11), 49-57 blank (M L307-308) */
    seg_t("399", 1, "06", "NF600", 10000, 180);
    put(38, "12345678901");
    rec_end();
    /* U: 78-92 "VALOR PAGO PELO PAGADOR ... ZEROS" (M L428), 93-107
     * "VALOR LÍQUIDO A SER CREDITADO" (M L431) */
    seg_u("399", 2, "06", 250, 0, 0, 10250, 0, 0);
    memset(cur + 107, ' ', 30);
    rec_end();
    /* a segment V (discount portfolio, M L4287-4316 notes) is skipped */
    rec_begin("399", "0001", '3');
    num(9, 5, 3);
    put(14, "V");
    rec_end();
    seg_t("399", 4, "02", "NF601", 5000, 0);
    put(38, "12345678902");
    rec_end();
    seg_u("399", 5, "02", 0, 0, 0, 0, 0, 0);
    rec_end();
    batch_trailer("399", 7); /* note 38: header and trailer included */
    file_trailer("399", 1, 9);
    assert_int_equal(parse(), 0);
    assert_int_equal(nrec, 2);
    /* 06 (note 40, M L1143): the only amount is the net: paid = credited */
    assert_string_equal(R[0].movement_code, "06");
    assert_int_equal(R[0].paid, 1);
    assert_string_equal(R[0].nosso_numero, "12345678901");
    assert_money(&R[0], 10250, 10250, 180, 250, 0);
    assert_int_equal(warnings, 0); /* XC_GROSS: 10250 = 10000 + 250 */
    assert_string_equal(R[1].movement_code, "02");
    assert_int_equal(R[1].paid, 0);
    /* 17 pays (M L1150); 10 Reembolso (M L1145) does not */
    assert_true(cnab_code_in("17", cnab240_bank_find("399")->paid));
    assert_false(cnab_code_in("10", cnab240_bank_find("399")->paid));
}

/* ---- 745 Citibank ---- */

static void build_citibank(const char *batch_id)
{
    file_begin("745", '2');
    batch_header("745", 'T');
    patch_last(104, batch_id); /* CITI_05 (M L277) */
    /* T: nosso número 38-57 "12 + 8 Brancos" (M L306); money as 2 zeros +
     * 11 digits (M L318-320) */
    seg_t("745", 1, "06", "NF70000001", 10000, 180);
    put(38, "123456789012");
    rec_end();
    /* U (M L347-372): 123-124 zeros, 125-137 C055 "Fixo Brancos" */
    seg_u("745", 2, "06", 250, 0, 10250, 10070, 0, 0);
    memset(cur + 124, ' ', 13);
    rec_end();
    seg_t("745", 3, "02", "NF70000002", 5000, 0);
    put(38, "123456789013");
    rec_end();
    seg_u("745", 4, "02", 0, 0, 0, 0, 0, 0);
    memset(cur + 124, ' ', 13);
    rec_end();
    /* batch trailer: "os campos de 5.5 até 15.5 não serão tratados" (M
     * L409): a zero count is "not reported" */
    batch_trailer("745", 0);
    file_trailer("745", 1, 8);
}

static void test_citibank(void **state)
{
    (void)state;
    build_citibank("");
    assert_int_equal(parse(), 0);
    assert_int_equal(nrec, 2);
    /* '06' = Liquidação (C044, M L484) */
    assert_string_equal(R[0].movement_code, "06");
    assert_int_equal(R[0].paid, 1);
    assert_string_equal(R[0].nosso_numero, "123456789012");
    assert_string_equal(R[0].seu_numero, "NF70000001");
    assert_money(&R[0], 10250, 10070, 180, 250, 0);
    assert_date(R[0].occurred_on, 2026, 11, 27);
    assert_string_equal(R[1].movement_code, "02");
    assert_int_equal(R[1].paid, 0);
    assert_int_equal(warnings, 0);
    /* a test file ("COBRANCA-TESTE" in the batch header, M L45-47) books
     * nothing */
    build_citibank("COBRANCA-TESTE");
    assert_int_equal(parse(), -1);
    assert_string_equal(err, "t.ret:2:104: expected a production return, found 'COBRANCA-TESTE' in the batch "
                             "header: this is a test file (its payments are not real)");
    assert_true(cnab_code_in("17", cnab240_bank_find("745")->paid)); /* M L490 */
}

/* The new reader features leave the first nine banks alone: a wrong non-zero
 * count is refused and a zero count too, a bank without C240_U_OPTIONAL
 * refuses a lone T, letters in a code are refused. */
static void test_old_banks_unchanged(void **state)
{
    (void)state;
    file_begin("001", '2');
    batch_header("001", 'T');
    seg_t("001", 1, "02", "X", 100, 0);
    rec_end();
    batch_trailer("001", 0);
    file_trailer("001", 1, 5);
    assert_int_equal(parse(), -1);
    assert_string_equal(err, "t.ret:4:14: expected segment U after the segment T of line 3, found a batch trailer");
    file_begin("756", '2');
    batch_header("756", 'T');
    batch_trailer("756", 0);
    file_trailer("756", 1, 4);
    assert_int_equal(parse(), -1);
    assert_string_equal(err, "t.ret:3:18: expected batch record count 000002 (header, details and trailer read), "
                             "found '000000'");
    file_begin("237", '2');
    batch_header("237", 'T');
    seg_t("237", 1, "AA", "X", 100, 0);
    rec_end();
    assert_int_equal(parse(), -1);
    assert_string_equal(err, "t.ret:3:16: expected a 2-digit movement code (positions 16-17), found 'AA'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_banestes), cmocka_unit_test(test_banrisul), cmocka_unit_test(test_credisis),
        cmocka_unit_test(test_cresol),   cmocka_unit_test(test_unicred),  cmocka_unit_test(test_hsbc),
        cmocka_unit_test(test_citibank), cmocka_unit_test(test_old_banks_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
