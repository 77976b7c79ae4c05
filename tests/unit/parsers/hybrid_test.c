/* hybrid_test.c - boletos híbridos (a boleto with a Pix QR code): the txid
 * of the title read from the bank's Pix record into the title's row.
 *
 *   CNAB 240 segment Y-03 after the title's U: the Y frame of
 *     033-santander-cnab240.txt L148-165 (14 'Y', 16-17 movement code, 18-19
 *     "Identificação Registro Opcional"); Pix positions (location 82-158,
 *     txid 159-193) from the ACBr reader, no manual in /work/shared has them.
 *   CNAB 400 Itaú type 3 "registro opcional boleto Pix": 341-itau-cnab400.txt
 *     L855-871 (001 type '3', 002-391 EMV "copia e cola", 392-394 error
 *     code, 395-400 sequence); the txid is EMV field 62 subfield 05.
 *   CNAB 400 Santander type 2 (080-114 txid) and Bradesco type 4 (106-140
 *     txid): DOMAIN.md "Pix inside CNAB"; already read, checked again here.
 *   CNAB 400 Sicredi type 8: txid 021-055 (ACBr; 748-sicredi-cnab400.txt
 *     has no type 8), which used to refuse the file.
 * Files are built field by field and read through parser_open_mem(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/record.h"

#define MAXL 24

static char lines[MAXL][401];
static int nl, width;
static settle_record recs[MAXL];
static char err[1024];
static char warn[1024];
static int nwarn;
static char buf[MAXL * 402];

static void put(char *l, int pos, const char *s)
{
    assert_true(pos >= 1 && pos - 1 + (int)strlen(s) <= width);
    memcpy(l + pos - 1, s, strlen(s));
}

static void putn(char *l, int pos, int len, long long v)
{
    char b[32];
    snprintf(b, sizeof b, "%0*lld", len, v);
    put(l, pos, b);
}

static char *add(void)
{
    assert_true(nl < MAXL);
    char *l = lines[nl++];
    memset(l, ' ', (size_t)width);
    l[width] = '\0';
    return l;
}

static void on_warn(void *arg, long line, const char *msg)
{
    (void)arg;
    (void)line;
    nwarn++;
    snprintf(warn, sizeof warn, "%s", msg);
}

/* Read lines[0..nl): the record count, or -1 with err set. */
static int read_lines(void)
{
    size_t n = 0;
    for (int i = 0; i < nl; i++) {
        memcpy(buf + n, lines[i], (size_t)width);
        n += (size_t)width;
        buf[n++] = '\n';
    }
    err_t e = { 0 };
    parse_opts o = { .warn = on_warn };
    nwarn = 0;
    warn[0] = err[0] = '\0';
    memset(recs, 0, sizeof recs);
    parser *p = parser_open_mem(buf, n, "h.ret", &o, &e);
    if (!p) {
        snprintf(err, sizeof err, "%s", e.msg);
        return -1;
    }
    int k = 0, r;
    while ((r = parser_next(p, &recs[k], &e)) == 1)
        k++;
    parser_close(p);
    if (r < 0) {
        snprintf(err, sizeof err, "%s", e.msg);
        return -1;
    }
    return k;
}

/* ---- CNAB 240 ----------------------------------------------------------------- */

static const char *bank240;
static int seq240;

static void h240(const char *bank)
{
    nl = 0;
    width = 240;
    seq240 = 0;
    bank240 = bank;
    char *s = add();
    put(s, 1, bank);
    put(s, 4, "0000");
    put(s, 8, "0");
    put(s, 143, "2");
    put(s, 144, "15032024");
    s = add();
    put(s, 1, bank);
    put(s, 4, "0001");
    put(s, 8, "1");
    put(s, 9, "T");
}

static char *seg(char segment, const char *code)
{
    char *s = add();
    put(s, 1, bank240);
    put(s, 4, "0001");
    put(s, 8, "3");
    putn(s, 9, 5, ++seq240);
    s[13] = segment;
    put(s, 16, code);
    return s;
}

/* A paid title (T + U) of face = paid = cents; Santander's T positions. */
static void title240(long long cents)
{
    char *t = seg('T', "06");
    put(t, 38, "00000000000000012345");
    put(t, 70, "10032024");
    putn(t, 78, 15, cents);
    putn(t, 194, 15, 0);
    char *u = seg('U', "06");
    for (int pos = 18; pos <= 123; pos += 15)
        putn(u, pos, 15, pos == 78 ? cents : 0);
    put(u, 138, "15032024");
    put(u, 146, "18032024");
}

/* Segment Y with 18-19 = id: location at 82-158, txid at 159-193. */
static void y240(const char *id, const char *location, const char *txid)
{
    char *y = seg('Y', "06");
    put(y, 18, id);
    if (location)
        put(y, 82, location);
    if (txid)
        put(y, 159, txid);
}

static void end240(void)
{
    long records = nl; /* batch header (line 2) .. the trailer */
    char *s = add();
    put(s, 1, bank240);
    put(s, 4, "0001");
    put(s, 8, "5");
    putn(s, 18, 6, records);
    putn(s, 24, 6, 0);
    putn(s, 30, 17, 0);
    s = add();
    put(s, 1, bank240);
    put(s, 4, "9999");
    put(s, 8, "9");
    putn(s, 18, 6, 1);
    putn(s, 24, 6, nl);
}

static void test_cnab240_y03(void **state)
{
    (void)state;
    h240("033");
    title240(10000);
    y240("03", "qrpix.santander.com.br/qr/v2/cobv/9d36b84f", "SANTANDERTXID0000000000000000001");
    title240(20000);                          /* no Y: no txid */
    title240(30000);
    y240("04", NULL, NULL);                   /* Y-04 cheques (L160): not Pix, skipped as before */
    title240(40000);
    y240("03", NULL, "not a txid!");          /* garbage at 159-193: warning, not read */
    end240();
    int n = read_lines();
    if (n < 0)
        fail_msg("%s", err);
    assert_int_equal(n, 4);
    assert_string_equal(recs[0].txid, "SANTANDERTXID0000000000000000001");
    assert_int_equal(recs[0].amount_paid_cents, 10000);
    assert_int_equal(recs[0].line, 3);
    assert_string_equal(recs[1].txid, "");
    assert_int_equal(recs[1].line, 6);
    assert_string_equal(recs[2].txid, "");
    assert_string_equal(recs[3].txid, "");
    assert_int_equal(recs[3].amount_paid_cents, 40000);
    assert_int_equal(nwarn, 1);
    assert_string_equal(warn, "h.ret:13:159: warning: segment Y-03 after the title of line 11: positions 159-193 "
                              "hold no txid (1 to 35 letters or digits); not read");
    /* a Y-03 as the last record before the batch trailer, then the counts */
    h240("033");
    title240(10000);
    y240("03", NULL, "ABC");
    end240();
    assert_int_equal(read_lines(), 1);
    assert_string_equal(recs[0].txid, "ABC");
    /* a file cut right after the Y-03 is still refused */
    h240("033");
    title240(10000);
    y240("03", NULL, "ABC");
    assert_int_equal(read_lines(), -1);
    assert_string_equal(err, "h.ret:6:1: expected a batch trailer (record type 5), found the end of the file (truncated?)");
}

/* ---- CNAB 400 ------------------------------------------------------------------- */

static char *h400(const char *bank, const char *date)
{
    nl = 0;
    width = 400;
    char *h = add();
    h[0] = '0';
    put(h, 2, "2RETORNO01COBRANCA");
    put(h, 77, bank);
    put(h, 95, date);
    return h;
}

static char *rec400(char type)
{
    char *l = add();
    l[0] = type;
    return l;
}

static int run400(void)
{
    rec400('9');
    for (int i = 0; i < nl - 1; i++)
        putn(lines[i], 395, 6, i + 1);
    putn(lines[nl - 1], 395, 6, nl);
    return read_lines();
}

/* An EMV BR Code with a field 62 holding subfield 05 = ref. */
static void emv(char *out, size_t n, const char *ref, const char *location)
{
    char acct[200], add62[64];
    if (location)
        snprintf(acct, sizeof acct, "0014br.gov.bcb.pix25%02zu%s", strlen(location), location);
    else
        snprintf(acct, sizeof acct, "0014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000");
    snprintf(add62, sizeof add62, "05%02zu%s", strlen(ref), ref);
    snprintf(out, n, "000201%s26%02zu%s52040000530398654041.005802BR5912LOJA EXEMPLO6009SAO PAULO62%02zu%s6304ABCD",
             location ? "010212" : "", strlen(acct), acct, strlen(add62), add62);
}

/* Itaú type 3 (341-itau-cnab400.txt L855-871): a static QR's txid is read
 * from the EMV; a dynamic QR has "***" there (L868: the Pix "emitido") and
 * no txid comes out; a type 3 with only the error code (392-394, nota 41)
 * neither. Type 3 used to be skipped. */
static void test_itau400_type3(void **state)
{
    (void)state;
    char e1[400], e2[400];
    emv(e1, sizeof e1, "ITAUTXID000000000000000001", NULL);
    emv(e2, sizeof e2, "***", "qrpix.itau.com.br/cobv/3f9a0c");
    h400("341", "150524");
    put(rec400('1'), 109, "02");
    put(rec400('3'), 2, e1);
    put(rec400('1'), 109, "02");
    put(rec400('3'), 2, e2);
    put(rec400('1'), 109, "02");
    put(rec400('3'), 392, "E01");
    int n = run400();
    if (n < 0)
        fail_msg("%s", err);
    assert_int_equal(n, 3);
    assert_string_equal(recs[0].txid, "ITAUTXID000000000000000001");
    assert_string_equal(recs[0].movement_code, "02");
    assert_string_equal(recs[1].txid, "");
    assert_string_equal(recs[2].txid, "");
    /* a malformed EMV (length past the end) gives no txid and no error */
    h400("341", "150524");
    put(rec400('1'), 109, "02");
    put(rec400('3'), 2, "00020126990014br.gov");
    assert_int_equal(run400(), 1);
    assert_string_equal(recs[0].txid, "");
    /* type 4 (rateio, audit #18) is still skipped */
    h400("341", "150524");
    put(rec400('1'), 109, "06");
    rec400('4');
    assert_int_equal(run400(), 1);
}

/* Santander type 2 at 080-114 and Bradesco type 4 at 106-140 (DOMAIN.md). */
static void test_santander_bradesco_400(void **state)
{
    (void)state;
    h400("033", "150524");
    put(rec400('1'), 109, "06");
    put(rec400('2'), 80, "SANTTXID0000000000000000000000001");
    int n = run400();
    if (n < 0)
        fail_msg("%s", err);
    assert_int_equal(n, 1);
    assert_string_equal(recs[0].txid, "SANTTXID0000000000000000000000001");
    h400("237", "150524");
    put(rec400('1'), 109, "06");
    char *p = rec400('4');
    put(p, 29, "qrpix.bradesco.com.br/qr/v2/4c1e");
    put(p, 106, "BRADTXID0000000000000000000000001");
    n = run400();
    if (n < 0)
        fail_msg("%s", err);
    assert_string_equal(recs[0].txid, "BRADTXID0000000000000000000000001");
}

/* Sicredi type 8: txid at 021-055 (header date AAAAMMDD at 95-102, L29). */
static void test_sicredi400_type8(void **state)
{
    (void)state;
    h400("748", "20240515");
    put(rec400('1'), 109, "06");
    char *p = rec400('8');
    put(p, 21, "SICREDITXID00000000000000000000001");
    put(p, 57, "qrcodepix.sicredi.com.br/qr/v2/cobv/0a1b");
    int n = run400();
    if (n < 0)
        fail_msg("%s", err);
    assert_int_equal(n, 1);
    assert_string_equal(recs[0].txid, "SICREDITXID00000000000000000000001");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cnab240_y03),
        cmocka_unit_test(test_itau400_type3),
        cmocka_unit_test(test_santander_bradesco_400),
        cmocka_unit_test(test_sicredi400_type8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
