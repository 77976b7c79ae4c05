/* pixcsv_test.c - the Pix statement CSV reader on the fixtures in
 * tests/fixtures/pix/: every value of every record, and the exact message
 * of every malformed case. Run from the top of the tree (scripts/run-tests
 * does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "parsers/pixcsv.h"

#define FIX "tests/fixtures/pix/"

typedef struct opened {
    gzFile gz;
    pixcsv *r;
} opened;

static opened open_fix(const char *path, const char *name, const profile_cfg *p, err_t *e)
{
    opened o = { gzopen(path, "rb"), NULL };
    assert_non_null(o.gz);
    o.r = pixcsv_open(o.gz, name, p, e);
    return o;
}

static void close_fix(opened *o)
{
    pixcsv_close(o->r);
    gzclose(o->gz);
}

/* Write text to a temporary file and open it; for the small cases. */
static char tmp_path[64];
static opened open_text(const char *text, size_t len, const profile_cfg *p, err_t *e)
{
    snprintf(tmp_path, sizeof tmp_path, "/tmp/settle-pixcsv-test-XXXXXX");
    int fd = mkstemp(tmp_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    opened o = open_fix(tmp_path, "t.csv", p, e);
    unlink(tmp_path);
    return o;
}

/* The error the first failing call gives for text (header or a row). */
static const char *error_of(const char *text, const profile_cfg *p, err_t *e)
{
    opened o = open_text(text, strlen(text), p, e);
    if (o.r) {
        settle_record rec;
        int rc;
        while ((rc = pixcsv_next(o.r, &rec, e)) == 1)
            ;
        assert_int_equal(rc, -1);
    }
    assert_int_equal(e->code, EX_DATAERR);
    close_fix(&o);
    return e->msg;
}

static const char *error_of_bytes(const char *bytes, size_t len, err_t *e)
{
    opened o = open_text(bytes, len, NULL, e);
    if (o.r) {
        settle_record rec;
        int rc;
        while ((rc = pixcsv_next(o.r, &rec, e)) == 1)
            ;
        assert_int_equal(rc, -1);
    }
    assert_int_equal(e->code, EX_DATAERR);
    close_fix(&o);
    return e->msg;
}

static config *load_psp(void)
{
    err_t e = { 0 };
    config *c = config_load(FIX "psp.conf", 1, &e);
    if (!c)
        fail_msg("%s", e.msg);
    return c;
}

static void assert_date(settle_date d, int y, int m, int day)
{
    assert_int_equal(d.y, y);
    assert_int_equal(d.m, m);
    assert_int_equal(d.d, day);
}

/* ---- the canonical layout ------------------------------------------------- */

static void check_canonical(const char *path, const char *name)
{
    err_t e = { 0 };
    settle_record r;
    opened o = open_fix(path, name, NULL, &e);
    if (!o.r)
        fail_msg("%s", e.msg);

    assert_int_equal(pixcsv_next(o.r, &r, &e), 1);
    assert_int_equal(r.line, 2);
    assert_int_equal(r.format, FMT_PIX_CSV);
    assert_int_equal(r.kind, KIND_PIX);
    assert_string_equal(r.bank, "");
    assert_string_equal(r.movement_code, "");
    assert_int_equal(r.paid, 1);
    assert_string_equal(r.end_to_end_id, "E18236120202611281403aB3dE5fG7h9");
    assert_string_equal(r.txid, "PED000123TX0000000000000000001");
    assert_int_equal(r.amount_paid_cents, 15000);
    assert_int_equal(r.amount_credited_cents, 15000);
    assert_int_equal(r.amount_face_cents, 0);
    assert_int_equal(r.settled_at, 1795885407);
    assert_date(r.occurred_on, 2026, 11, 28);
    assert_date(r.credited_on, 2026, 11, 28);
    assert_date(r.due_on, 0, 0, 0);
    assert_string_equal(r.payer_doc, "12345678909");
    assert_string_equal(r.payer_name, "Silva, Jo\xC3\xA3o");
    assert_string_equal(r.message, "PED-123");
    assert_string_equal(r.refund_id, "");
    assert_string_equal(r.refund_status, "");

    /* quoted amount with a thousands separator, UTC timestamp that is the
     * previous day in Brazil, doubled quotes and a newline in the message */
    assert_int_equal(pixcsv_next(o.r, &r, &e), 1);
    assert_int_equal(r.line, 3);
    assert_string_equal(r.end_to_end_id, "E60701190202611290207Q1w2E3r4T5y");
    assert_string_equal(r.txid, "");
    assert_int_equal(r.amount_paid_cents, 123456);
    assert_int_equal(r.settled_at, 1795918020);
    assert_date(r.occurred_on, 2026, 11, 28);
    assert_string_equal(r.payer_doc, "12345678000195");
    assert_string_equal(r.payer_name, "ACME Com\xC3\xA9rcio Ltda");
    assert_string_equal(r.message, "Pedido \"PED-124\" segunda linha");

    /* after a blank line: line 6; optional values empty */
    assert_int_equal(pixcsv_next(o.r, &r, &e), 1);
    assert_int_equal(r.line, 6);
    assert_string_equal(r.end_to_end_id, "E00000000202611281500Zz9Yy8Xx7Ww");
    assert_string_equal(r.txid, "kWq3");
    assert_int_equal(r.amount_paid_cents, 1);
    assert_int_equal(r.settled_at, 1795921199);
    assert_date(r.occurred_on, 2026, 11, 28);
    assert_string_equal(r.payer_doc, "");
    assert_string_equal(r.payer_name, "");
    assert_string_equal(r.message, "");

    assert_int_equal(pixcsv_next(o.r, &r, &e), 0);
    assert_int_equal(pixcsv_next(o.r, &r, &e), 0);
    close_fix(&o);
}

static void test_canonical(void **state)
{
    (void)state;
    check_canonical(FIX "canonical.csv", "canonical.csv");
}

static void test_canonical_gzip(void **state)
{
    (void)state;
    check_canonical(FIX "canonical.csv.gz", "canonical.csv.gz");
}

/* BOM, CRLF, columns in another order, refund rows, a spreadsheet's empty
 * last row with no newline. */
static void test_refunds(void **state)
{
    (void)state;
    err_t e = { 0 };
    settle_record r;
    opened o = open_fix(FIX "refunds.csv", "refunds.csv", NULL, &e);
    if (!o.r)
        fail_msg("%s", e.msg);

    assert_int_equal(pixcsv_next(o.r, &r, &e), 1);
    assert_int_equal(r.line, 2);
    assert_int_equal(r.kind, KIND_PIX);
    assert_int_equal(r.paid, 1);
    assert_string_equal(r.end_to_end_id, "E60746948202611271015Ab12Cd34Ef5");
    assert_int_equal(r.amount_paid_cents, 8990);
    assert_int_equal(r.settled_at, 1795785342);
    assert_date(r.occurred_on, 2026, 11, 27);
    assert_string_equal(r.message, "PED-200");
    assert_string_equal(r.txid, "");
    assert_string_equal(r.payer_doc, "");

    assert_int_equal(pixcsv_next(o.r, &r, &e), 1);
    assert_int_equal(r.line, 3);
    assert_int_equal(r.kind, KIND_PIX_REFUND);
    assert_int_equal(r.paid, 0);
    assert_string_equal(r.end_to_end_id, "E60746948202611271015Ab12Cd34Ef5");
    assert_string_equal(r.refund_id, "D60746948202611281120Rf00000001X");
    assert_string_equal(r.refund_status, "DEVOLVIDO");
    assert_int_equal(r.amount_paid_cents, 8990);
    assert_int_equal(r.amount_credited_cents, 0);
    assert_date(r.credited_on, 0, 0, 0);
    assert_int_equal(r.settled_at, 1795875605);
    assert_date(r.occurred_on, 2026, 11, 28);
    assert_string_equal(r.message, "");

    /* kind and status compared ignoring case; fractional seconds dropped */
    assert_int_equal(pixcsv_next(o.r, &r, &e), 1);
    assert_int_equal(r.line, 4);
    assert_int_equal(r.kind, KIND_PIX_REFUND);
    assert_string_equal(r.refund_id, "D60746948202611281121Rf00000002X");
    assert_string_equal(r.refund_status, "EM_PROCESSAMENTO");
    assert_int_equal(r.amount_paid_cents, 1000);
    assert_int_equal(r.settled_at, 1795875660);
    assert_string_equal(r.message, "partial");

    assert_int_equal(pixcsv_next(o.r, &r, &e), 0);
    close_fix(&o);
}

/* ---- a profile: semicolon, decimal comma, dd/mm/yyyy hh:mm:ss, Latin-1 ----- */

static void test_psp_profile(void **state)
{
    (void)state;
    config *c = load_psp();
    const profile_cfg *p = config_profile(c, "psp");
    assert_non_null(p);
    err_t e = { 0 };
    settle_record r;
    opened o = open_fix(FIX "psp-latin1.csv", "psp-latin1.csv", p, &e);
    if (!o.r)
        fail_msg("%s", e.msg);

    assert_int_equal(pixcsv_next(o.r, &r, &e), 1);
    assert_int_equal(r.line, 2);
    assert_int_equal(r.kind, KIND_PIX);
    assert_int_equal(r.paid, 1);
    assert_string_equal(r.end_to_end_id, "E18236120202611281215Kp0Lm9Nb8Vc");
    assert_string_equal(r.txid, "PED000300");
    assert_string_equal(r.payer_name, "Jos\xC3\xA9 \xC3\x81vila");
    assert_string_equal(r.payer_doc, "98765432100");
    assert_int_equal(r.amount_paid_cents, 123456);
    assert_int_equal(r.settled_at, 1795868100);
    assert_date(r.occurred_on, 2026, 11, 28);
    assert_string_equal(r.message, "PED-300 pagamento");

    assert_int_equal(pixcsv_next(o.r, &r, &e), 1);
    assert_int_equal(r.line, 3);
    assert_int_equal(r.kind, KIND_PIX);
    assert_string_equal(r.end_to_end_id, "E00360305202611281300Aa11Bb22Cc3");
    assert_string_equal(r.txid, "");
    assert_string_equal(r.payer_name, "Maria; Concei\xC3\xA7\xC3\xA3o");
    assert_string_equal(r.payer_doc, "12345678000195");
    assert_int_equal(r.amount_paid_cents, 1500);
    assert_int_equal(r.settled_at, 1795870859);

    /* 23:30 local is the next day in UTC; occurred_on stays local */
    assert_int_equal(pixcsv_next(o.r, &r, &e), 1);
    assert_int_equal(r.line, 4);
    assert_int_equal(r.kind, KIND_PIX_REFUND);
    assert_int_equal(r.paid, 0);
    assert_string_equal(r.end_to_end_id, "E18236120202611281215Kp0Lm9Nb8Vc");
    assert_string_equal(r.refund_id, "D18236120202611290230Xy98Zw76Vu5");
    assert_string_equal(r.refund_status, "DEVOLVIDO");
    assert_int_equal(r.amount_paid_cents, 23456);
    assert_int_equal(r.settled_at, 1795919400);
    assert_date(r.occurred_on, 2026, 11, 28);
    assert_string_equal(r.message, "estorno parcial");

    assert_int_equal(pixcsv_next(o.r, &r, &e), 0);
    close_fix(&o);
    config_free(c);
}

/* ---- sniffing ---------------------------------------------------------------- */

static size_t slurp(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t got = fread(buf, 1, n, f);
    fclose(f);
    return got;
}

static void test_sniff(void **state)
{
    (void)state;
    config *c = load_psp();
    const profile_cfg *p = config_profile(c, "psp");
    char buf[4096];
    size_t n = slurp(FIX "canonical.csv", buf, sizeof buf);
    assert_int_equal(pixcsv_sniff(buf, n, NULL), 1);
    assert_int_equal(pixcsv_sniff(buf, 20, NULL), 0);   /* cut inside 'amount' */
    assert_int_equal(pixcsv_sniff(buf, n, p), 0);
    n = slurp(FIX "refunds.csv", buf, sizeof buf);      /* BOM, CRLF */
    assert_int_equal(pixcsv_sniff(buf, n, NULL), 1);
    n = slurp(FIX "psp-latin1.csv", buf, sizeof buf);
    assert_int_equal(pixcsv_sniff(buf, n, p), 1);
    assert_int_equal(pixcsv_sniff(buf, n, NULL), 0);
    n = slurp(FIX "bad/missing-column.csv", buf, sizeof buf);
    assert_int_equal(pixcsv_sniff(buf, n, NULL), 0);
    /* a CNAB 240 header line, a CNAB 400 one, nothing */
    const char *cnab240 = "00100000         2123456789000100000000000000000000000000000000000000000000000000000COMEX\r\n";
    assert_int_equal(pixcsv_sniff(cnab240, strlen(cnab240), NULL), 0);
    const char *cnab400 = "02RETORNO01COBRANCA       00000000000000000000COMEX\n";
    assert_int_equal(pixcsv_sniff(cnab400, strlen(cnab400), NULL), 0);
    assert_int_equal(pixcsv_sniff("", 0, NULL), 0);
    assert_int_equal(pixcsv_sniff("\"amount", 7, NULL), 0);
    config_free(c);
}

/* ---- malformed fixtures: the exact message of each --------------------------- */

static const char *fixture_error(const char *file, const profile_cfg *p, err_t *e)
{
    char path[256];
    snprintf(path, sizeof path, FIX "bad/%s", file);
    opened o = open_fix(path, file, p, e);
    if (o.r) {
        settle_record rec;
        int rc;
        while ((rc = pixcsv_next(o.r, &rec, e)) == 1)
            ;
        assert_int_equal(rc, -1);
    }
    assert_int_equal(e->code, EX_DATAERR);
    close_fix(&o);
    return e->msg;
}

static void test_bad_fixtures(void **state)
{
    (void)state;
    err_t e = { 0 };
    assert_string_equal(fixture_error("bad-e2e.csv", NULL, &e),
                        "bad-e2e.csv:3:1: expected an end-to-end id (E or D, 8-character ISPB, yyyyMMddHHmm, "
                        "11 letters or digits), found 'E1823612020261128140'");
    assert_string_equal(fixture_error("missing-column.csv", NULL, &e),
                        "missing-column.csv:1: missing required column 'amount' (canonical layout); found columns: "
                        "'end_to_end_id', 'settled_at', 'txid'\n"
                        "HINT: a PSP's own export needs a [profile NAME] and profile = NAME on its source");
    assert_string_equal(fixture_error("bad-amount.csv", NULL, &e),
                        "bad-amount.csv:2:3: expected an amount such as 1234.56 or 1,234.56 (2 decimals), found '1,23.45'");
    assert_string_equal(fixture_error("bad-date.csv", NULL, &e),
                        "bad-date.csv:2:4: expected settled_at as an RFC 3339 timestamp such as "
                        "2026-11-28T14:03:00-03:00, found '2026-02-29T14:03:27-03:00'");
    assert_string_equal(fixture_error("bad-cpf.csv", NULL, &e),
                        "bad-cpf.csv:2:5: expected payer_doc as a CPF (11 digits) or CNPJ (14 characters: 12 digits or capital "
                        "letters, then 2 digits), found 10 characters");
    assert_string_equal(fixture_error("unterminated-quote.csv", NULL, &e),
                        "unterminated-quote.csv:2:6: expected a closing quote, found the end of the file\n"
                        "HINT: the quoted field that starts on this line never ends");
    assert_string_equal(fixture_error("too-many-fields.csv", NULL, &e),
                        "too-many-fields.csv:2:11: expected 10 fields as in the header, found 11");
    assert_string_equal(fixture_error("too-few-fields.csv", NULL, &e),
                        "too-few-fields.csv:2:9: expected 10 fields as in the header, found 8");
}

static void test_profile_missing_column(void **state)
{
    (void)state;
    config *c = load_psp();
    const profile_cfg *p = config_profile(c, "psp");
    err_t e = { 0 };
    /* the canonical file read with the psp profile: ';' finds one column */
    opened o = open_fix(FIX "canonical.csv", "canonical.csv", p, &e);
    assert_null(o.r);
    assert_string_equal(e.msg, "canonical.csv:1: missing required column 'EndToEndId' (profile psp, key end_to_end_id); "
                               "found columns: 'end_to_end_id,txid,amount,settled_at,payer_doc,payer_name,me...'");
    close_fix(&o);
    assert_string_equal(error_of("Data/Hora;EndToEndId;Tipo\n", p, &e),
                        "t.csv:1: missing required column 'Valor (R$)' (profile psp, key amount); found columns: "
                        "'Data/Hora', 'EndToEndId', 'Tipo'");
    config_free(c);
}

/* ---- malformed rows, one per rule ---------------------------------------------- */

#define HDR "end_to_end_id,txid,amount,settled_at,payer_doc,payer_name,message,kind,refund_id,refund_status\n"
#define E2E "E18236120202611281403aB3dE5fG7h9"
#define WHEN "2026-11-28T14:03:27-03:00"

/* Alphanumeric CNPJ (Receita Federal, API Pix 2.9): 12 of [0-9A-Z] then 2
 * digits, punctuation dropped; letters elsewhere are refused. */
static void test_alnum_cnpj(void **state)
{
    (void)state;
    err_t e = { 0 };
    const char *text = HDR E2E ",,10.00," WHEN ",12.ABC.345/01DE-35,,,pix,,\n";
    opened o = open_text(text, strlen(text), NULL, &e);
    assert_non_null(o.r);
    settle_record rec;
    assert_int_equal(pixcsv_next(o.r, &rec, &e), 1);
    assert_string_equal(rec.payer_doc, "12ABC34501DE35");
    close_fix(&o);
    assert_string_equal(error_of(HDR E2E ",,10.00," WHEN ",12ABC34501DE3A,,,pix,,\n", NULL, &e),
                        "t.csv:2:5: expected payer_doc as a CPF (11 digits) or CNPJ (14 characters: 12 digits or capital "
                        "letters, then 2 digits), found a letter at character 14 of 14");
    assert_string_equal(error_of(HDR E2E ",,10.00," WHEN ",1234567890A,,,pix,,\n", NULL, &e),
                        "t.csv:2:5: expected payer_doc as a CPF (11 digits) or CNPJ (14 characters: 12 digits or capital "
                        "letters, then 2 digits), found a letter at character 11 of 11");
}

static void test_bad_rows(void **state)
{
    (void)state;
    err_t e = { 0 };
    assert_string_equal(error_of(HDR E2E ",,-10.00," WHEN ",,,,pix,,\n", NULL, &e),
                        "t.csv:2:3: expected an amount greater than zero, found '-10.00'");
    assert_string_equal(error_of(HDR E2E ",,0.00," WHEN ",,,,pix,,\n", NULL, &e),
                        "t.csv:2:3: expected an amount greater than zero, found '0.00'");
    assert_string_equal(error_of(HDR E2E ",,10.5," WHEN ",,,,pix,,\n", NULL, &e),
                        "t.csv:2:3: expected an amount such as 1234.56 or 1,234.56 (2 decimals), found '10.5'");
    assert_string_equal(error_of(HDR E2E ",,12345678901.00," WHEN ",,,,pix,,\n", NULL, &e),
                        "t.csv:2:3: expected an amount such as 1234.56 or 1,234.56 (2 decimals), found '12345678901.00'");
    assert_string_equal(error_of(HDR E2E ",,1e3," WHEN ",,,,pix,,\n", NULL, &e),
                        "t.csv:2:3: expected an amount such as 1234.56 or 1,234.56 (2 decimals), found '1e3'");
    assert_string_equal(error_of(HDR E2E ",,,", NULL, &e),
                        "t.csv:2:5: expected 10 fields as in the header, found 4");
    assert_string_equal(error_of(HDR E2E ",has space,10.00," WHEN ",,,,pix,,\n", NULL, &e),
                        "t.csv:2:2: expected a txid of 1 to 35 letters or digits, found 'has space'");
    assert_string_equal(error_of(HDR E2E ",,10.00,2026-11-28T14:03:27," "1234567890123,,,pix,,\n", NULL, &e),
                        "t.csv:2:5: expected payer_doc as a CPF (11 digits) or CNPJ (14 characters: 12 digits or capital "
                        "letters, then 2 digits), found 13 characters");
    assert_string_equal(error_of(HDR E2E ",,10.00," WHEN ",123.456.789-0x,,,pix,,\n", NULL, &e),
                        "t.csv:2:5: expected payer_doc as a CPF (11 digits) or CNPJ (14 characters: 12 digits or capital "
                        "letters, then 2 digits), found a lowercase letter");
    assert_string_equal(error_of(HDR E2E ",,10.00," WHEN ",,,,credit,,\n", NULL, &e),
                        "t.csv:2:8: expected kind pix (a Pix) or pix_refund (a refund), found 'credit'");
    assert_string_equal(error_of(HDR E2E ",,10.00," WHEN ",,,,pix_refund,,\n", NULL, &e),
                        "t.csv:2:9: expected a refund id (D, 8-character ISPB, yyyyMMddHHmm, 11 letters or digits), found ''");
    assert_string_equal(error_of(HDR E2E ",,10.00," WHEN ",,,,pix_refund," E2E ",\n", NULL, &e),
                        "t.csv:2:9: expected a refund id (D, 8-character ISPB, yyyyMMddHHmm, 11 letters or digits), "
                        "found 'E18236120202611281403aB3dE5fG7h9'");
    assert_string_equal(error_of(HDR E2E ",,10.00," WHEN ",,,,pix_refund,D18236120202611281403aB3dE5fG7h9,DONE\n", NULL, &e),
                        "t.csv:2:10: expected refund_status EM_PROCESSAMENTO, DEVOLVIDO or NAO_REALIZADO, found 'DONE'");
    assert_string_equal(error_of(HDR E2E ",,10.00," WHEN ",,,,pix,D18236120202611281403aB3dE5fG7h9,\n", NULL, &e),
                        "t.csv:2:9: expected no refund_id on a received Pix row, found 'D18236120202611281403aB3dE5fG7h9'");
    assert_string_equal(error_of("end_to_end_id,amount,settled_at,kind\n" E2E ",10.00," WHEN ",pix_refund\n", NULL, &e),
                        "t.csv:2:4: expected a refund_id column for a refund row, found none in the header (canonical layout)");
    /* an end-to-end id with a newline before the closing quote: "$" must not take it */
    assert_string_equal(error_of(HDR "\"" E2E "\n\",,10.00," WHEN ",,,,pix,,\n", NULL, &e),
                        "t.csv:2:1: expected an end-to-end id (E or D, 8-character ISPB, yyyyMMddHHmm, "
                        "11 letters or digits), found 'E18236120202611281403aB3dE5fG7h9\\x0A'");
    /* lower-case ISPB, empty id */
    assert_string_equal(error_of(HDR "E1823612a202611281403aB3dE5fG7h9,,10.00," WHEN ",,,,pix,,\n", NULL, &e),
                        "t.csv:2:1: expected an end-to-end id (E or D, 8-character ISPB, yyyyMMddHHmm, "
                        "11 letters or digits), found 'E1823612a202611281403aB3dE5fG7h9'");
    assert_string_equal(error_of(HDR ",,10.00," WHEN ",,,,pix,,\n", NULL, &e),
                        "t.csv:2:1: expected an end-to-end id (E or D, 8-character ISPB, yyyyMMddHHmm, "
                        "11 letters or digits), found ''");
    /* dates */
    const char *bad_iso[] = { "2026-13-01T00:00:00Z", "2026-11-28T24:00:00Z", "2026-11-28T14:03Z",
                              "2026-11-28T14:03:27+3:00", "28/11/2026", "2026-11-28T14:03:27.Z", "" };
    for (size_t i = 0; i < sizeof bad_iso / sizeof *bad_iso; i++) {
        char text[512], want[512];
        snprintf(text, sizeof text, HDR E2E ",,10.00,%s,,,,pix,,\n", bad_iso[i]);
        snprintf(want, sizeof want,
                 "t.csv:2:4: expected settled_at as an RFC 3339 timestamp such as 2026-11-28T14:03:00-03:00, found '%s'",
                 bad_iso[i]);
        assert_string_equal(error_of(text, NULL, &e), want);
    }
}

static void test_syntax_errors(void **state)
{
    (void)state;
    err_t e = { 0 };
    assert_string_equal(error_of(HDR E2E ",,10.00," WHEN ",,Jo\"ao,,pix,,\n", NULL, &e),
                        "t.csv:2:6: expected no quote inside an unquoted field, found '\"'\n"
                        "HINT: a field holding a quote must be quoted whole, with the quote doubled");
    assert_string_equal(error_of(HDR E2E ",,10.00," WHEN ",,\"Joao\"x,,pix,,\n", NULL, &e),
                        "t.csv:2:6: expected a delimiter or the end of the line after a closing quote, found 'x'");
    assert_string_equal(error_of(HDR E2E ",,10.00," WHEN ",,\"a\nb\nc\"\"\"d,,pix,,\n", NULL, &e),
                        "t.csv:4:6: expected a delimiter or the end of the line after a closing quote, found 'd'");
    assert_string_equal(error_of("", NULL, &e), "t.csv:1: expected a header row, found an empty file");
    assert_string_equal(error_of("\xEF\xBB\xBF\r\n\r\n", NULL, &e), "t.csv:1: expected a header row, found an empty file");
    assert_string_equal(error_of("end_to_end_id,amount,settled_at,Amount\n", NULL, &e),
                        "t.csv:1:4: expected one column 'Amount', found a second one (first at column 2)");
    assert_string_equal(error_of(HDR E2E ",,10.00," WHEN ",,Jo\xE3o,,pix,,\n", NULL, &e),
                        "t.csv:2:6: expected UTF-8 text, found byte 0xE3\n"
                        "HINT: a Latin-1 export needs a [profile NAME] with encoding = latin-1");
    /* a field longer than the reader holds */
    size_t big = 70000;
    char *text = malloc(big + 256);
    assert_non_null(text);
    int n = snprintf(text, 256, HDR E2E ",,10.00," WHEN ",,\"");
    memset(text + n, 'a', big);
    strcpy(text + n + big, "\",,pix,,\n");
    assert_string_equal(error_of(text, NULL, &e), "t.csv:2:6: expected a field of at most 65536 bytes, found a longer one");
    free(text);
}

/* Tolerated input: whitespace, blank and empty rows, no final newline, ^Z,
 * CR-only line ends, tab delimiter, dates with and without time. */
static void test_tolerated(void **state)
{
    (void)state;
    err_t e = { 0 };
    settle_record r;
    const char *text = "amount , settled_at,END_TO_END_ID,other\r"
                       " 1234.56 ,\" 2026-11-28T14:03:27.5+00:00 \"," E2E ",x\r"
                       ",,,\r"
                       "\"1,000,000.00\",2026-11-28," E2E ",\"y\"\r"
                       "\x1A";
    opened o = open_text(text, strlen(text), NULL, &e);
    if (!o.r)
        fail_msg("%s", e.msg);
    assert_int_equal(pixcsv_next(o.r, &r, &e), 1);
    assert_int_equal(r.amount_paid_cents, 123456);
    assert_int_equal(r.line, 2);
    assert_int_equal(r.settled_at, 1795874607); /* 2026-11-28T14:03:27Z */
    assert_int_equal(r.kind, KIND_PIX);
    assert_int_equal(pixcsv_next(o.r, &r, &e), 1);
    assert_int_equal(r.line, 4);
    assert_int_equal(r.amount_paid_cents, 100000000);
    assert_int_equal(r.settled_at, 1795834800); /* 2026-11-28T00:00:00-03:00 */
    assert_date(r.occurred_on, 2026, 11, 28);
    assert_int_equal(pixcsv_next(o.r, &r, &e), 0);
    close_fix(&o);

    /* tab delimiter, dd/mm/yyyy hh:mm, timezone -02:00, decimal comma */
    err_t ce = { 0 };
    const char *conf = "[profile tabbed]\ndelimiter = tab\ndecimal = ,\ndate_format = dd/mm/yyyy hh:mm\n"
                       "timezone = -02:00\namount = valor\n";
    config *c = config_load_mem(conf, strlen(conf), "mem.conf", &ce);
    if (!c)
        fail_msg("%s", ce.msg);
    const char *tabbed = "end_to_end_id\tvalor\tsettled_at\n" E2E "\t 9.999.999.999,99\t29/02/2028 10:30\n";
    o = open_text(tabbed, strlen(tabbed), config_profile(c, "tabbed"), &e);
    if (!o.r)
        fail_msg("%s", e.msg);
    assert_int_equal(pixcsv_next(o.r, &r, &e), 1);
    assert_int_equal(r.amount_paid_cents, 999999999999LL);
    assert_int_equal(r.settled_at, 1835440200); /* 2028-02-29T10:30:00-02:00 */
    assert_date(r.occurred_on, 2028, 2, 29);
    assert_int_equal(pixcsv_next(o.r, &r, &e), 0);
    close_fix(&o);
    /* the decimal comma profile refuses a decimal point */
    assert_string_equal(error_of("end_to_end_id\tvalor\tsettled_at\n" E2E "\t1234.56\t29/02/2028 10:30\n",
                                 config_profile(c, "tabbed"), &e),
                        "t.csv:2:2: expected an amount such as 1234,56 or 1.234,56 (2 decimals), found '1234.56'");
    assert_string_equal(error_of("end_to_end_id\tvalor\tsettled_at\n" E2E "\t1,00\t29/02/2027 10:30\n",
                                 config_profile(c, "tabbed"), &e),
                        "t.csv:2:3: expected settled_at as dd/mm/yyyy hh:mm, found '29/02/2027 10:30'");
    config_free(c);
}

/* A gzip file cut short, and one with a corrupt body. */
static void test_bad_gzip(void **state)
{
    (void)state;
    char buf[4096];
    size_t n = slurp(FIX "canonical.csv.gz", buf, sizeof buf);
    err_t e = { 0 };
    assert_string_equal(error_of_bytes(buf, 200, &e),
                        "t.csv:2: expected the rest of the gzip stream, found the end of the file\n"
                        "HINT: the file was cut short; fetch it again");
    buf[n - 5] ^= 0x55;   /* in the CRC-32: zlib checks it at the end */
    assert_string_equal(error_of_bytes(buf, n, &e),
                        "t.csv:1: expected gzip data, found a corrupt stream (zlib: incorrect data check)");
}

/* C1 controls (U+0080-U+009F: CSI 0x9B, NEL 0x85) in a name or message are
 * blanked like C0, from a Latin-1 export and from UTF-8. */
static void test_c1_controls(void **state)
{
    (void)state;
    config *c = load_psp();
    const profile_cfg *p = config_profile(c, "psp");
    char buf[4096];
    size_t n = slurp(FIX "psp-latin1.csv", buf, sizeof buf);
    char *at = memmem(buf, n, "Jos\xe9", 4);
    assert_non_null(at);
    memcpy(at, "J\x9b\x85\xe9", 4);
    err_t e = { 0 };
    settle_record r;
    opened o = open_text(buf, n, p, &e);
    if (!o.r)
        fail_msg("%s", e.msg);
    assert_int_equal(pixcsv_next(o.r, &r, &e), 1);
    assert_string_equal(r.payer_name, "J  \xC3\xA9 \xC3\x81vila");
    close_fix(&o);
    config_free(c);

    const char *u = HDR E2E ",,10.00," WHEN ",,Jo\xc2\x9b" "2Jz\xc2\x85" "x,pedido\xc2\x85\xc2\x9f,pix,,\n";
    o = open_text(u, strlen(u), NULL, &e);
    if (!o.r)
        fail_msg("%s", e.msg);
    assert_int_equal(pixcsv_next(o.r, &r, &e), 1);
    assert_string_equal(r.payer_name, "Jo 2Jz x");
    assert_string_equal(r.message, "pedido");
    close_fix(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical),       cmocka_unit_test(test_canonical_gzip),
        cmocka_unit_test(test_refunds),         cmocka_unit_test(test_psp_profile),
        cmocka_unit_test(test_sniff),           cmocka_unit_test(test_bad_fixtures),
        cmocka_unit_test(test_profile_missing_column), cmocka_unit_test(test_bad_rows), cmocka_unit_test(test_alnum_cnpj),
        cmocka_unit_test(test_syntax_errors),   cmocka_unit_test(test_tolerated),
        cmocka_unit_test(test_bad_gzip),        cmocka_unit_test(test_c1_controls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
