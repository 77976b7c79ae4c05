/* pixpsp_test.c - PSP record-typed Pix statements (parsers/pixpsp.c) on
 * Efí's "Extrato de Conciliação • API Pix" v4.0. "L" below is a line of
 * /work/shared/pix-psp/efi-extrato-conciliacao-v4.0.txt (the layout).
 *
 * tests/fixtures/pix/psp/efi.csv is built from the layout's field tables:
 * CA (L76-116, 10 fields), PR (L125-169: tipo, protocolo, e2eid, txid,
 * valor, documento, info pagador b64, info adicionais b64, horário), TPR
 * and ETPR (L540-567, L670-697: tipo, protocolo, e2eid, valor, horário),
 * PDE (L366-406: ..., txid, id da devolução, rtrId, valor, horário), PDR
 * (L420-452: ..., e2eid, rtrId, valor, horário), the outgoing types, the
 * balances SD0/SD1 (L735-815) and the trailer T (L1164-1222). Its fee of
 * the first Pix comes BEFORE the Pix; the third Pix's fee is reversed; an
 * ETPR reverses a fee of a Pix of another day. Run from the top of the
 * tree (scripts/run-tests does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "parsers/pixpsp.h"
#include "parsers/record.h"

#define FIX "tests/fixtures/pix/psp/"

static int nwarn;
static char last_warn[1200];
static void on_warn(void *arg, long line, const char *msg)
{
    (void)arg;
    (void)line;
    nwarn++;
    snprintf(last_warn, sizeof last_warn, "%s", msg);
}

/* Every record of path into recs (at most max); returns the count, or -1
 * with e set. */
static int read_all(parser *p, settle_record *recs, int max, err_t *e)
{
    int n = 0, rc;
    settle_record rec;
    while ((rc = parser_next(p, &rec, e)) == 1) {
        assert_true(n < max);
        recs[n++] = rec;
    }
    return rc < 0 ? -1 : n;
}

static void check_efi_fixture(parser *p, const char *name)
{
    err_t e = { 0 };
    settle_record r[8];
    int n = read_all(p, r, 8, &e);
    if (n < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(n, 4);
    const file_info *fi = parser_info(p);
    assert_int_equal(fi->format, FMT_PIX_PSP);
    assert_string_equal(fi->bank, "364");
    /* CA field 7, Data de solicitação (L107) */
    assert_int_equal(fi->generated_on.y, 2026);
    assert_int_equal(fi->generated_on.m, 11);
    assert_int_equal(fi->generated_on.d, 29);
    /* SD0, PEC, PEB, EPE, TPE, ETPE, TFR, TFE, TTFE, ETFE, ETTFE, SD1 and
     * the ETPR of a Pix not in the statement */
    assert_int_equal(fi->skipped, 14);
    assert_int_equal(fi->records, 4);
    assert_int_equal(fi->warnings, 1);

    /* line 4: PR whose TPR of 1.19 is on line 3, before it */
    assert_int_equal(r[0].line, 4);
    assert_int_equal(r[0].format, FMT_PIX_PSP);
    assert_int_equal(r[0].kind, KIND_PIX);
    assert_int_equal(r[0].paid, 1);
    assert_string_equal(r[0].bank, "364");
    assert_string_equal(r[0].end_to_end_id, "E18236120202611281403aB3dE5fG7h9");
    assert_string_equal(r[0].txid, "PED000123TX0000000000000000001");
    assert_int_equal(r[0].amount_paid_cents, 15000);
    assert_int_equal(r[0].fee_cents, 119);
    assert_int_equal(r[0].amount_credited_cents, 14881);
    assert_string_equal(r[0].payer_doc, "12345678909");       /* "123.456.789-09" */
    assert_string_equal(r[0].message, "Pagamento do pedido 123 \xE2\x80\x94 obrigado"); /* base64 (L158) */
    assert_string_equal(r[0].payer_name, "");                 /* PR has no payer name */
    assert_int_equal(r[0].settled_at, 1795885380);            /* 2026-11-28T17:03:00.358Z */
    assert_int_equal(r[0].occurred_on.d, 28);
    assert_int_equal(r[0].credited_on.d, 28);
    assert_string_equal(r[0].refund_id, "");

    /* line 5: PR with an alphanumeric CNPJ payer; its TPR of 0.09 follows */
    assert_int_equal(r[1].line, 5);
    assert_string_equal(r[1].end_to_end_id, "E00000000202611281500AAAAAAAAAAA");
    assert_string_equal(r[1].payer_doc, "12ABC34501DE35");
    assert_int_equal(r[1].amount_paid_cents, 900);
    assert_int_equal(r[1].fee_cents, 9);
    assert_int_equal(r[1].amount_credited_cents, 891);
    assert_string_equal(r[1].message, "");

    /* line 7: PR without txid; TPR 0.20 and its ETPR 0.20 cancel out; at
     * 02:30Z on the 29th it is the 28th in Brasília (UTC-3) */
    assert_int_equal(r[2].line, 7);
    assert_string_equal(r[2].txid, "");
    assert_int_equal(r[2].fee_cents, 0);
    assert_int_equal(r[2].amount_credited_cents, 2000);
    assert_int_equal(r[2].occurred_on.y, 2026);
    assert_int_equal(r[2].occurred_on.m, 11);
    assert_int_equal(r[2].occurred_on.d, 28);
    assert_string_equal(r[2].payer_doc, "11222333000181");

    /* line 13: PDE, a refund the store sent, settled */
    assert_int_equal(r[3].line, 13);
    assert_int_equal(r[3].kind, KIND_PIX_REFUND);
    assert_int_equal(r[3].paid, 0);
    assert_string_equal(r[3].end_to_end_id, "E18236120202611281403aB3dE5fG7h9");
    assert_string_equal(r[3].txid, "PED000123TX0000000000000000001");
    assert_string_equal(r[3].refund_id, "D18236120202611281900aB3dE5fG7h9");
    assert_string_equal(r[3].refund_status, "DEVOLVIDO");
    assert_int_equal(r[3].amount_paid_cents, 1000);
    assert_int_equal(r[3].fee_cents, 0);

    /* line 14: PDR, a refund the store received for a Pix it sent: counted
     * in skipped (14), not a settlement */
    char want[300];
    snprintf(want, sizeof want,
             "%s:17:3: warning: fee reversal ETPR (Estorno de Tarifa Pix Recebido) of 0.50 for end-to-end id "
             "E60746948202611271010YESTERDAY01, which is not a Pix received in this statement: not applied to any "
             "settlement (counted as skipped)",
             name);
    assert_string_equal(last_warn, want);
}

static void test_efi_fixture(void **state)
{
    (void)state;
    err_t e = { 0 };
    parse_opts o = { .warn = on_warn };
    nwarn = 0;
    /* detected from its header (no --format) */
    parser *p = parser_open(FIX "efi.csv", "efi.csv", &o, &e);
    if (!p)
        fail_msg("%s", e.msg);
    check_efi_fixture(p, "efi.csv");
    parser_close(p);
    assert_int_equal(nwarn, 1);
}

/* The same bytes gzip-compressed, and from memory. */
static void test_efi_gzip_and_memory(void **state)
{
    (void)state;
    static char buf[16384];
    FILE *f = fopen(FIX "efi.csv", "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char path[] = "/tmp/settle-pixpsp-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    gzFile gz = gzdopen(fd, "wb");
    assert_int_equal(gzwrite(gz, buf, (unsigned)n), (int)n);
    gzclose(gz);
    err_t e = { 0 };
    parse_opts o = { .warn = on_warn };
    parser *p = parser_open(path, "efi.csv.gz", &o, &e);
    unlink(path);
    if (!p)
        fail_msg("%s", e.msg);
    check_efi_fixture(p, "efi.csv.gz");
    parser_close(p);

    p = parser_open_mem(buf, n, "mem.csv", &o, &e);
    if (!p)
        fail_msg("%s", e.msg);
    check_efi_fixture(p, "mem.csv");
    parser_close(p);
}

/* The layout's own "Exemplo de CSV" (L1284-1334), its PDF line wraps
 * joined: every record type once or twice and T;15;1;2;2;1;2;2;1;1;1;1;1.
 * Its PR (L1291) is charged 1.00 (TPR L1313) and refunded the fee (ETPR
 * L1320): net fee 0. */
static const char layout_example[] =
    "CA;Gerencianet;364;1;517613;Jo\xC3\xA3o da Silva;2021-12-17;2021-12-10;Extrato de Concilia\xC3\xA7\xC3\xA3o API Pix;1.0\n"
    "SD0;29.00;2022-06-09\n"
    "SD1;35.00;2022-06-10\n"
    "PR;318548257;E0000000020211108181557703828021;00001000200300000120211104;9.00;12345678908;cGFnYW1lbnRvIGNodXJyYXNjbw==;"
    "W3sibm9tZSI6ICJOb21lMSIsInZhbG9yIjogIlZhbG9yMSJ9LHsibm9tZSI6ICJOb21lMiIsInZhbG9yIjogIlZhbG9yMiJ9XQ==;2021-11-30T20:15:00.358Z\n"
    "PEC;318548257;E0000000020211108181557703828021;12300001000200300000120211104321101;9.00;12345678908; cGFnYW1lbnRvIGNodXJyYXNjbw==;API;2021-11-30T20:15:00.358Z\n"
    "PEB;318548257;E0000000020211108181557703828021;12300001000200300000120211104321101;9.00;Jo\xC3\xA3o da Silva;12345678908;09089356;1;123453;cacc; cGFnYW1lbnRvIGNodXJyYXNjbw==;API;2021-11-30T20:15:00.358Z\n"
    "PDE;318548257;E0000000020211108181557703828021;00001000200300000120211104;12300001000200300000120211104321101;D0000000020211108181557703828021;9.00;2021-11-30T20:15:00.358Z\n"
    "PDR;318548268;E0000000020211108181557703820002;D0000000020211108181557703820002;3.00;2021-11-30T20:15:00.358Z\n"
    "EPE;318548257;E0000000020211108181557703828021;9.00;2021-11-30T20:15:00.358Z\n"
    "TPR;318548257;E0000000020211108181557703828021;1.00;2021-11-30T20:15:00.358Z\n"
    "TPE;318548258;E0000000020211108181557703820001;00001000200300000120211104;000AAA111;D0000000020211108181557703828021;1.50;2021-11-30T20:15:00.358Z\n"
    "ETPR;310121;E0000000020211108181557703828021;1.00;2021-12-01T19:22:05.000Z\n"
    "ETPE;318541237;E0000000020211108181557703123021;5.00;2021-11-30T20:15:00.358Z\n"
    "TFR;111548258;1324655;21.50;cGFnYW1lbnRvIGNodXJyYXNjbw==;2021-11-30T20:15:00.358Z\n"
    "TFE;222548258;1324666;31.50;;2021-10-25T20:15:00.358Z\n"
    "TTFE;222548258;1324666;5.55;2021-10-25T20:16:00.358Z\n"
    "ETFE;444548258;1324666;31.50;2021-10-26T20:15:00.358Z\n"
    "ETTFE;555548258;1324666;5.55;2021-10-26T20:16:00.358Z\n"
    "T;15;1;2;2;1;2;2;1;1;1;1;1\n";

static void test_layout_example(void **state)
{
    (void)state;
    err_t e = { 0 };
    parse_opts o = { 0 };
    parser *p = parser_open_mem(layout_example, sizeof layout_example - 1, "exemplo.csv", &o, &e);
    if (!p)
        fail_msg("%s", e.msg);
    settle_record r[4];
    int n = read_all(p, r, 4, &e);
    if (n < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(n, 2);
    assert_int_equal(r[0].kind, KIND_PIX);
    assert_int_equal(r[0].line, 4);
    assert_string_equal(r[0].txid, "00001000200300000120211104");
    assert_int_equal(r[0].amount_paid_cents, 900);
    assert_int_equal(r[0].fee_cents, 0);
    assert_int_equal(r[0].amount_credited_cents, 900);
    assert_string_equal(r[0].message, "pagamento churrasco");
    assert_string_equal(r[0].payer_doc, "12345678908");
    assert_int_equal(r[0].settled_at, 1638303300);          /* 2021-11-30T20:15:00Z */
    assert_int_equal(r[1].kind, KIND_PIX_REFUND);
    assert_string_equal(r[1].refund_id, "D0000000020211108181557703828021");
    assert_int_equal(r[1].amount_paid_cents, 900);
    /* 2 balances + PEC, PEB, EPE, PDR, TPE, ETPE, TFR, TFE, TTFE, ETFE, ETTFE */
    assert_int_equal(parser_info(p)->skipped, 13);
    assert_int_equal(parser_info(p)->generated_on.y, 2021);
    parser_close(p);
}

/* ---- malformed statements: the exact message of each ---------------------------- */

static const char *fixture_error(const char *file, err_t *e)
{
    char path[256];
    snprintf(path, sizeof path, FIX "bad/%s", file);
    parse_opts o = { 0 };
    parser *p = parser_open(path, file, &o, e);
    if (p) {
        settle_record rec;
        int rc;
        while ((rc = parser_next(p, &rec, e)) == 1)
            fail_msg("%s: a record was returned before the statement was refused", file);
        assert_int_equal(rc, -1);
        parser_close(p);
    }
    assert_int_equal(e->code, EX_DATAERR);
    return e->msg;
}

static void test_bad_fixtures(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        { "trailer-count.csv", "trailer-count.csv:4:3: expected the trailer's count of PR records to be 1 (records read), found '2'" },
        { "trailer-total.csv", "trailer-total.csv:5:2: expected the trailer's total of records to be 2 (records read but "
                               "the header, the trailer and the balances), found '3'" },
        { "no-trailer.csv", "no-trailer.csv:4:1: expected the trailer (T), found the end of the file (truncated?)" },
        { "after-trailer.csv", "after-trailer.csv:5:1: expected the end of the file after the trailer (T), found a record" },
        { "bad-e2e.csv", "bad-e2e.csv:2:3: expected an end-to-end id (E or D, 8-character ISPB, yyyyMMddHHmm, 11 "
                         "letters or digits), found 'E18236120202611281403aB3dE5fG7h'" },
        { "bad-amount.csv", "bad-amount.csv:2:5: expected an amount such as 9.00 (reais, '.' and 2 decimals), found '150,00'" },
        { "bad-base64.csv", "bad-base64.csv:2:7: expected base64 text in field 7 of a PR record (Pix Recebido), found "
                            "13 characters (not a multiple of 4): 'cGFnYW1lbnRv*'" },
        { "bad-time.csv", "bad-time.csv:2:9: expected a UTC timestamp such as 2021-11-30T20:15:00.358Z, found "
                          "'2026-11-28 17:03:00'" },
        { "unknown-type.csv", "unknown-type.csv:4:1: expected a record type of the Ef\xC3\xAD statement (CA, T, PR, PEC, "
                              "PEB, EPE, PDE, PDR, TPE, TPR, ETPE, ETPR, SD0, SD1, TFR, TFE, TTFE, ETFE, ETTFE), found 'PIX'" },
        { "fee-over-amount.csv", "fee-over-amount.csv:3:4: expected fees of at most the amount of Pix "
                                 "E18236120202611281403aB3dE5fG7h9 (1.00, line 2), found 1.19" },
        { "reversal-over-fee.csv", "reversal-over-fee.csv:4:4: expected fee reversals of at most the fees charged on "
                                   "Pix E18236120202611281403aB3dE5fG7h9 (1.19), found reversals of 2.00" },
        { "duplicate-pr.csv", "duplicate-pr.csv:3:3: expected one PR record per end-to-end id, found "
                              "E18236120202611281403aB3dE5fG7h9 again (first on line 2)" },
        { "bad-doc.csv", "bad-doc.csv:2:6: expected the payer's document as a CPF (11 digits) or CNPJ (14 characters: "
                         "12 digits or capital letters, then 2 digits), found a letter at character 14 of 14" },
        { "field-count.csv", "field-count.csv:2:9: expected 9 fields in a PR record (Pix Recebido), found 8" },
        { "blank-line.csv", "blank-line.csv:3:1: expected a record, found a blank line" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err_t e = { 0 };
        assert_string_equal(fixture_error(cases[i][0], &e), cases[i][1]);
    }
    /* a header with another bank code is not detected as Efí's; forced, it is refused */
    err_t e = { 0 };
    parse_opts o = { .format = FMT_PIX_PSP };
    parser *p = parser_open(FIX "bad/header-bank.csv", "header-bank.csv", &o, &e);
    assert_non_null(p);
    settle_record rec;
    assert_int_equal(parser_next(p, &rec, &e), -1);
    assert_string_equal(e.msg, "header-bank.csv:1:3: expected bank code '364' (Ef\xC3\xAD) in field 3 of the header, "
                               "found '365'");
    parser_close(p);
    o.format = FMT_UNKNOWN;
    p = parser_open(FIX "bad/header-bank.csv", "header-bank.csv", &o, &e);
    assert_null(p);
    assert_non_null(strstr(e.msg, "a CSV file that is not a Pix statement we know"));
}

/* The bound on memory: more Pix than pixpsp_max_pix is refused, naming it. */
static void test_max_pix(void **state)
{
    (void)state;
    const char *text =
        "CA;Ef\xC3\xAD;364;1;517613;Loja;2026-11-29;2026-11-28;Extrato;1.0\n"
        "PR;1;E18236120202611281403AAAAAAAAAA1;;1.00;12345678909;;;2026-11-28T17:03:00Z\n"
        "PR;2;E18236120202611281403AAAAAAAAAA2;;1.00;12345678909;;;2026-11-28T17:03:00Z\n"
        "TPR;3;E18236120202611281403AAAAAAAAAA3;0.10;2026-11-28T17:03:00Z\n"
        "T;3;2;0;0;0;1;0;0;0;0;0;0\n";
    long saved = pixpsp_max_pix;
    pixpsp_max_pix = 2;
    err_t e = { 0 };
    parse_opts o = { 0 };
    parser *p = parser_open_mem(text, strlen(text), "max.csv", &o, &e);
    assert_non_null(p);
    settle_record rec;
    assert_int_equal(parser_next(p, &rec, &e), -1);
    assert_string_equal(e.msg, "max.csv:4:1: expected at most 2 Pix (received, or charged a fee) in one statement, "
                               "found more\nHINT: the limit is PIXPSP_MAX_PIX in parsers/pixpsp.h");
    parser_close(p);
    pixpsp_max_pix = saved;
}

static void test_sniff(void **state)
{
    (void)state;
    const char *h = "CA;Gerencianet;364;1;517613;Jo\xC3\xA3o;2021-12-17;2021-12-10;Extrato;1.0\r\nPR;...";
    assert_non_null(pixpsp_sniff(h, strlen(h)));
    assert_string_equal(pixpsp_sniff(h, strlen(h))->name, "efi");
    assert_null(pixpsp_sniff("CA;Gerencianet;364;1\n", 21));          /* 4 fields */
    assert_null(pixpsp_sniff("end_to_end_id;txid;amount\n", 26));
    assert_null(pixpsp_sniff("", 0));
    const char *bom = "\xEF\xBB\xBF" "CA;x;364;1;2;3;2021-12-17;2021-12-10;x;1.0";
    assert_non_null(pixpsp_sniff(bom, strlen(bom)));
}

/* Alphanumeric CNPJ (Receita Federal; API Pix 2.9): 12 of [0-9A-Z], 2 digits. */
static void test_doc_check(void **state)
{
    (void)state;
    char out[15], why[300];
    assert_int_equal(pix_doc_check("12.ABC.345/01DE-35", out, why, sizeof why), 0);
    assert_string_equal(out, "12ABC34501DE35");
    assert_int_equal(pix_doc_check("11.222.333/0001-81", out, why, sizeof why), 0);
    assert_string_equal(out, "11222333000181");
    assert_int_equal(pix_doc_check("123.456.789-09", out, why, sizeof why), 0);
    assert_string_equal(out, "12345678909");
    assert_int_equal(pix_doc_check("ABCDEFGHIJKL00", out, why, sizeof why), 0);
    assert_int_equal(pix_doc_check("12abc34501de35", out, why, sizeof why), -1);
    assert_string_equal(why, "a lowercase letter");
    assert_int_equal(pix_doc_check("12ABC34501DE3A", out, why, sizeof why), -1);
    assert_string_equal(why, "a letter at character 14 of 14");
    assert_int_equal(pix_doc_check("1234567890A", out, why, sizeof why), -1);   /* a CPF is digits */
    assert_string_equal(why, "a letter at character 11 of 11");
    assert_int_equal(pix_doc_check("12ABC34501DE3", out, why, sizeof why), -1);
    assert_string_equal(why, "13 characters");
    assert_int_equal(pix_doc_check("12ABC34501DE35*", out, why, sizeof why), -1);
    assert_string_equal(why, "the character '*'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_efi_fixture),   cmocka_unit_test(test_efi_gzip_and_memory),
        cmocka_unit_test(test_layout_example), cmocka_unit_test(test_bad_fixtures),
        cmocka_unit_test(test_max_pix),       cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_doc_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
