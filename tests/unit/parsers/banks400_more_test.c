/* banks400_more_test.c - issue 19: the CNAB 400 banks added from their own
 * manuals (021 Banestes, 133 Cresol, 274 Grafeno, 336 C6 Bank, 422 Safra,
 * 745 Citibank, 756 Sicoob, and the Fibra family 246 ABC, 633 Rendimento,
 * 707 Daycoval). Every return below is built from the manual's field
 * tables: a header, a liquidation with interest and a fee, a record that
 * carries no money, the trailer, sequence numbers at 395-400. "M L123" is
 * line 123 of /work/shared/manuals/<code>-<bank>-cnab400.txt (also in
 * docs/formats/cnab.md). None of these manuals holds a sample record or
 * file, so there is no fixture under tests/fixtures/cnab/manuals/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/cnab.h"

/* ---- building a return -------------------------------------------------- */

static char FILEBUF[16384];
static size_t flen;
static long nlines;
static char line[401];

static void blank(void)
{
    memset(line, ' ', 400);
    line[400] = '\0';
}

/* Put text at 1-based position pos. */
static void put(int pos, const char *s)
{
    memcpy(line + pos - 1, s, strlen(s));
}

/* Put v right-justified with zeros in len digits at pos. */
static void num(int pos, int len, long long v)
{
    char b[32];
    snprintf(b, sizeof b, "%0*lld", len, v);
    assert_int_equal(strlen(b), (size_t)len);
    memcpy(line + pos - 1, b, (size_t)len);
}

static void start(void)
{
    flen = 0;
    nlines = 0;
}

/* Append the line with its sequence number at 395-400 and CRLF. */
static void emit(void)
{
    num(395, 6, ++nlines);
    memcpy(FILEBUF + flen, line, 400);
    flen += 400;
    memcpy(FILEBUF + flen, "\r\n", 2);
    flen += 2;
}

/* Header: 1-9 "02RETORNO" (lit may differ in case), 10-26 service, 77-79 bank,
 * date DDMMAA at date_at. */
static void header(const char *lit, const char *bank, int date_at, const char *date)
{
    blank();
    put(1, lit);
    put(10, "01COBRANCA");
    put(77, bank);
    put(date_at, date);
    emit();
}

/* Trailer: 1 '9', 2 '2', 3-4 "01", 5-7 bank (the common shape; the reader
 * checks only the record type). */
static void trailer(const char *bank)
{
    blank();
    put(1, "9201");
    put(5, bank);
    emit();
}

/* The positions every one of these layouts shares: 1 record type, 2-3 "02"
 * (CNPJ), 38-62 the company's title id, 109-110 occurrence code, 111-116 its
 * date, 117-126 seu número, 147-152 due date. */
static void detail(char type, const char *code, const char *occ, const char *seu, const char *due)
{
    blank();
    line[0] = type;
    put(2, "02");
    num(4, 14, 12345678000199LL);
    put(38, "CTRL-");
    put(43, seu);
    put(109, code);
    put(111, occ);
    put(117, seu);
    put(147, due);
}

/* ---- reading it back ---------------------------------------------------- */

static settle_record R[16];
static int nrec;
static long nwarn;
static char lastwarn[512];
static int expect_error; /* the next parse() is meant to fail: do not print its message */

static void on_warn(void *arg, long ln, const char *msg)
{
    (void)arg, (void)ln;
    snprintf(lastwarn, sizeof lastwarn, "%s", msg);
}

/* Parse FILEBUF; returns the parser's last result (0 = end of a valid file). */
static int parse(const char *bank)
{
    err_t e = { 0 };
    parse_opts o = { .bank = bank, .warn = on_warn };
    nrec = 0;
    lastwarn[0] = '\0';
    parser *p = parser_open_mem(FILEBUF, flen, "t.ret", &o, &e);
    if (!p) {
        print_error("open: %s\n", e.msg);
        return -1;
    }
    int r;
    while ((r = parser_next(p, &R[nrec], &e)) == 1)
        nrec++;
    if (r < 0 && !expect_error)
        print_error("parse: %s\n", e.msg);
    nwarn = parser_info(p)->warnings;
    parser_close(p);
    return r;
}

static void date_is(settle_date d, int y, int m, int dd)
{
    assert_int_equal(d.y, y);
    assert_int_equal(d.m, m);
    assert_int_equal(d.d, dd);
}

/* ---- 021 Banestes ------------------------------------------------------- */

static void test_banestes(void **state)
{
    (void)state;
    start();
    /* M L38-59: "Retorno" is written in mixed case at 3-9; date 95-100 DDMMAA */
    header("02Retorno", "021", 95, "281126");
    /* M L67-125: NN 63-72; 153-155 "fator de vencimento" "000", face 156-165
     * (10 digits); fee 176-188; paid 254-266; juros 267-279; outros
     * créditos 280-292; 383-390 remessa date (not a credit date) */
    detail('1', "06", "271126", "NF021-1", "251126");
    put(63, "0000012345");
    put(153, "000");
    num(156, 10, 100000);
    num(176, 13, 250);
    num(254, 13, 101550);
    num(267, 13, 1550);
    num(280, 13, 0);
    put(383, "26112026");
    emit();
    /* the same with "outros créditos" (L110): paid = face + other credits */
    detail('1', "06", "271126", "NF021-2", "301126");
    put(63, "0000012346");
    put(153, "000");
    num(156, 10, 50000);
    num(254, 13, 50500);
    num(280, 13, 500);
    emit();
    /* L298: 02 entrada confirmada; L301: 09 baixa (no money) */
    detail('1', "02", "271126", "NF021-3", "301226");
    put(63, "0000012347");
    num(156, 10, 70000);
    num(176, 13, 180);
    emit();
    detail('1', "09", "271126", "NF021-4", "301226");
    put(63, "0000012348");
    num(156, 10, 70000);
    emit();
    trailer("021");
    assert_int_equal(parse(NULL), 0);
    assert_int_equal(nrec, 4);
    assert_int_equal(nwarn, 0);
    /* L77, L87, L91, L95, L101-102, L307 (06 Liquidação) */
    assert_string_equal(R[0].bank, "021");
    assert_string_equal(R[0].nosso_numero, "0000012345");
    assert_string_equal(R[0].seu_numero, "NF021-1");
    assert_string_equal(R[0].movement_code, "06");
    assert_int_equal(R[0].paid, 1);
    assert_int_equal(R[0].amount_face_cents, 100000);
    assert_int_equal(R[0].amount_paid_cents, 101550);
    assert_int_equal(R[0].interest_cents, 1550);
    assert_int_equal(R[0].fee_cents, 250);
    assert_int_equal(R[0].amount_credited_cents, 0);
    date_is(R[0].occurred_on, 2026, 11, 27);
    date_is(R[0].due_on, 2026, 11, 25);
    assert_int_equal(R[0].credited_on.y, 0); /* L122: 383-390 is the remessa date */
    /* L110 outros créditos */
    assert_int_equal(R[1].other_credits_cents, 500);
    assert_int_equal(R[1].amount_paid_cents, 50500);
    assert_int_equal(R[1].paid, 1);
    /* L298, L301-302: 02 and 09 carry no money */
    assert_string_equal(R[2].movement_code, "02");
    assert_int_equal(R[2].paid, 0);
    assert_int_equal(R[2].fee_cents, 180);
    assert_string_equal(R[3].movement_code, "09");
    assert_int_equal(R[3].paid, 0);
    /* L323: 17 liquidação após baixa is money */
    assert_int_equal(cnab_code_class_of("cnab400", "021", "17"), CODE_PAID);
    assert_int_equal(cnab_code_class_of("cnab400", "021", "09"), CODE_OTHER);
}

/* ---- 133 Cresol --------------------------------------------------------- */

static void test_cresol(void **state)
{
    (void)state;
    start();
    /* M L39-61: header, date 95-100 DDMMAA, 380-385 credit date */
    header("02RETORNO", "133", 95, "281126");
    /* M L69-202: NN 71-81 + DV 82; fee 176-188; IOF 215-227; paid
     * 254-266; juros 267-279; outros créditos 280-292; credit 296-301 */
    detail('1', "06", "271126", "DOC133-1", "201126");
    put(71, "00000004321");
    put(82, "7");
    num(153, 13, 100000);
    num(176, 13, 250);
    num(254, 13, 101550);
    num(267, 13, 1550);
    put(296, "281126");
    emit();
    detail('1', "17", "271126", "DOC133-2", "201126");
    put(71, "00000004322");
    put(82, "5");
    num(153, 13, 20000);
    num(241, 13, 1000);
    num(254, 13, 19300);
    num(280, 13, 300);
    put(296, "281126");
    emit();
    /* L367: 2 entrada confirmada; L415: 50 pago com cheque pendente (no money) */
    detail('1', "02", "271126", "DOC133-3", "201226");
    put(71, "00000004323");
    put(82, "3");
    num(153, 13, 30000);
    emit();
    detail('1', "50", "271126", "DOC133-4", "201226");
    put(71, "00000004324");
    put(82, "1");
    num(153, 13, 30000);
    num(254, 13, 30000);
    emit();
    trailer("133");
    assert_int_equal(parse(NULL), 0);
    assert_int_equal(nrec, 4);
    assert_int_equal(nwarn, 0);
    /* L85-89 NN + DV as printed; L164 seu número; L168, L175, L184-186, L190; L371 (6 Liquidação) */
    assert_string_equal(R[0].nosso_numero, "000000043217");
    assert_string_equal(R[0].seu_numero, "DOC133-1");
    assert_int_equal(R[0].paid, 1);
    assert_int_equal(R[0].amount_face_cents, 100000);
    assert_int_equal(R[0].amount_paid_cents, 101550);
    assert_int_equal(R[0].interest_cents, 1550);
    assert_int_equal(R[0].fee_cents, 250);
    date_is(R[0].credited_on, 2026, 11, 28);
    date_is(R[0].due_on, 2026, 11, 20);
    /* L380 (17 liquidação após baixa), L183 desconto, L186 outros créditos */
    assert_int_equal(R[1].paid, 1);
    assert_int_equal(R[1].discount_cents, 1000);
    assert_int_equal(R[1].other_credits_cents, 300);
    assert_int_equal(R[1].amount_paid_cents, 19300);
    /* L367, L415: no money */
    assert_int_equal(R[2].paid, 0);
    assert_int_equal(R[3].paid, 0);
    assert_int_equal(R[3].amount_paid_cents, 30000);
    /* L409-410: cheques 44/45 are not liquidations */
    assert_int_equal(cnab_code_class_of("cnab400", "133", "45"), CODE_OTHER);
}

/* ---- 274 Grafeno -------------------------------------------------------- */

static void test_grafeno(void **state)
{
    (void)state;
    start();
    /* M L24-53: header; 77-79 "274"; date 95-100 DDMMAA */
    header("02RETORNO", "274", 95, "281126");
    /* M L60-145: NN 71-82 ("Número do Banco"); fee 176-188; abatimento
     * 228-240; desconto 241-253; paid 254-266; juros 267-279; outros créditos
     * 280-292 (zeros); credit 296-301 */
    detail('1', "06", "271126", "G274-1", "201126");
    put(71, "000000091234");
    num(153, 13, 100000);
    num(176, 13, 0); /* L112-118: "despesas de cobrança" only for 02 and 28 */
    num(254, 13, 101550);
    num(267, 13, 1550);
    put(296, "281126");
    put(302, "006");
    emit();
    /* L149-248: optional record type 3, split de pagamentos (skipped) */
    blank();
    put(1, "3");
    put(18, "000000091234");
    put(44, "274");
    emit();
    /* L322: 02 entrada confirmada (fee of the registration, L348) */
    detail('1', "02", "271126", "G274-2", "201226");
    put(71, "000000091235");
    num(153, 13, 40000);
    num(176, 13, 190);
    emit();
    trailer("274");
    assert_int_equal(parse(NULL), 0);
    assert_int_equal(nrec, 2);
    assert_int_equal(nwarn, 0);
    /* L80, L92, L100, L115, L131-135; L324 (06 liquidação normal) */
    assert_string_equal(R[0].nosso_numero, "000000091234");
    assert_string_equal(R[0].seu_numero, "G274-1");
    assert_int_equal(R[0].paid, 1);
    assert_int_equal(R[0].amount_face_cents, 100000);
    assert_int_equal(R[0].amount_paid_cents, 101550);
    assert_int_equal(R[0].interest_cents, 1550);
    assert_int_equal(R[0].fee_cents, 0);
    date_is(R[0].credited_on, 2026, 11, 28);
    assert_int_equal(R[0].line, 2);
    /* L322 */
    assert_int_equal(R[1].paid, 0);
    assert_int_equal(R[1].fee_cents, 190);
    assert_int_equal(R[1].line, 4);
    /* L331: 17 is money; L341: 40 "estorno de pagamento" is an event */
    assert_int_equal(cnab_code_class_of("cnab400", "274", "17"), CODE_PAID);
    assert_int_equal(cnab_code_class_of("cnab400", "274", "40"), CODE_OTHER);
}

/* ---- 336 C6 Bank -------------------------------------------------------- */

static void test_c6(void **state)
{
    (void)state;
    start();
    /* M L92-115: header; 80-104 bank name (25 characters), 125-130 "Data
     * Movimento" DDMMAA (D052, L354-355): 95-100 holds part of the name */
    blank();
    put(1, "02RETORNO01COBRANCA");
    put(77, "336");
    put(80, "BANCO C6 S.A. - C6 BANK");
    put(125, "281126");
    emit();
    /* M L119-161: NN + DV 63-73; 75-86 nosso número complementar; fee
     * 176-188; 189-227 bank's; abatimento 228-240; desconto 241-253; valor
     * principal 254-266; juros 267-279; outros acréscimos 280-292; credit
     * 296-301 */
    detail('1', "06", "271126", "C6-1", "201126");
    put(63, "00001234567");
    put(75, "000009999999");
    put(107, "10");
    num(153, 13, 100000);
    num(176, 13, 250);
    put(189, "XXXXXXXX"); /* "uso do banco": not read */
    num(254, 13, 101550);
    num(267, 13, 1550);
    put(296, "281126");
    emit();
    /* L395: 75 pagamento parcial is a liquidation (D067/D068, L461-467) */
    detail('1', "75", "271126", "C6-2", "201126");
    put(63, "00001234568");
    num(153, 13, 100000);
    num(254, 13, 40000);
    put(296, "281126");
    emit();
    /* L84: optional record type 2 (skipped); L365: 02 entrada confirmada */
    blank();
    put(1, "2");
    emit();
    detail('1', "02", "271126", "C6-3", "201226");
    put(63, "00001234569");
    num(153, 13, 50000);
    emit();
    /* L390: 65 pagamento com cheque aguardando compensação: no money */
    detail('1', "65", "271126", "C6-4", "201226");
    put(63, "00001234570");
    num(153, 13, 50000);
    num(254, 13, 50000);
    emit();
    trailer("336");
    assert_int_equal(parse(NULL), 0);
    assert_int_equal(nrec, 4);
    /* the partial payment does not add up to the face: one warning, still read */
    assert_int_equal(nwarn, 1);
    assert_non_null(strstr(lastwarn, "t.ret:3:1: warning: money does not add up: amount paid 40000 != face 100000"));
    /* L126-129, L134, L137, L147, L149-153, L156; L369 (06 liquidação normal) */
    assert_string_equal(R[0].nosso_numero, "00001234567");
    assert_string_equal(R[0].seu_numero, "C6-1");
    assert_int_equal(R[0].paid, 1);
    assert_int_equal(R[0].amount_face_cents, 100000);
    assert_int_equal(R[0].amount_paid_cents, 101550);
    assert_int_equal(R[0].interest_cents, 1550);
    assert_int_equal(R[0].fee_cents, 250);
    assert_int_equal(R[0].iof_cents, 0);
    date_is(R[0].credited_on, 2026, 11, 28);
    assert_int_equal(R[1].paid, 1);
    assert_int_equal(R[1].amount_paid_cents, 40000);
    assert_int_equal(R[2].paid, 0);
    assert_int_equal(R[3].paid, 0);
    /* L370-371: 07 após baixa, 08 em cartório; L391 69, L393 72: events */
    assert_int_equal(cnab_code_class_of("cnab400", "336", "07"), CODE_PAID);
    assert_int_equal(cnab_code_class_of("cnab400", "336", "08"), CODE_PAID);
    assert_int_equal(cnab_code_class_of("cnab400", "336", "69"), CODE_OTHER);
    assert_int_equal(cnab_code_class_of("cnab400", "336", "72"), CODE_OTHER);
}

static void test_c6_header_date(void **state)
{
    (void)state;
    /* the generation date comes from 125-130 (L113), not 95-100 */
    start();
    header("02RETORNO", "336", 125, "281126");
    trailer("336");
    err_t e = { 0 };
    parser *p = parser_open_mem(FILEBUF, flen, "t.ret", NULL, &e);
    assert_non_null(p);
    settle_record r;
    assert_int_equal(parser_next(p, &r, &e), 0);
    date_is(parser_info(p)->generated_on, 2026, 11, 28);
    parser_close(p);
}

/* ---- 422 Safra ---------------------------------------------------------- */

static void test_safra(void **state)
{
    (void)state;
    start();
    /* M L89-111: "Retorno" at 3-9 (mixed case), 77-79 "422", date 95-100 */
    header("02Retorno", "422", 95, "281126");
    /* M L113-165: NN 63-71 (9); 127-135 NN again; fee 176-188; IOF 215-227;
     * abatimento 228-240; desconto 241-253; valor pago 254-266; juros
     * 267-279; outros créditos 280-292; credit 296-301 */
    detail('1', "06", "271126", "S422-1", "201126");
    put(63, "000123456");
    put(127, "000123456");
    num(153, 13, 100000);
    num(176, 13, 250);
    num(254, 13, 101550);
    num(267, 13, 1550);
    put(293, "009");
    put(296, "281126");
    emit();
    /* L32-38: optional types 2 (e-mail / sacador) and 4 (NF-e) are skipped */
    blank();
    put(1, "4");
    emit();
    /* L286: 02 entrada confirmada */
    detail('1', "02", "271126", "S422-2", "201226");
    put(63, "000123457");
    num(153, 13, 60000);
    emit();
    trailer("422");
    /* L49: "0D 0A 1A (Final de Arquivo)" */
    FILEBUF[flen++] = 0x1A;
    assert_int_equal(parse(NULL), 0);
    assert_int_equal(nrec, 2);
    assert_int_equal(nwarn, 0);
    /* L127, L137, L141, L145, L151-153, L155; L290 (06 liquidação normal) */
    assert_string_equal(R[0].nosso_numero, "000123456");
    assert_string_equal(R[0].seu_numero, "S422-1");
    assert_int_equal(R[0].paid, 1);
    assert_int_equal(R[0].amount_face_cents, 100000);
    assert_int_equal(R[0].amount_paid_cents, 101550);
    assert_int_equal(R[0].interest_cents, 1550);
    assert_int_equal(R[0].fee_cents, 250);
    date_is(R[0].credited_on, 2026, 11, 28);
    assert_int_equal(R[1].paid, 0);
    /* L297 15 liquidação em cartório, L303 41 liquidação de título baixado */
    assert_int_equal(cnab_code_class_of("cnab400", "422", "15"), CODE_PAID);
    assert_int_equal(cnab_code_class_of("cnab400", "422", "41"), CODE_PAID);
    assert_int_equal(cnab_code_class_of("cnab400", "422", "09"), CODE_OTHER);
}

/* ---- 745 Citibank ------------------------------------------------------- */

static void test_citibank(void **state)
{
    (void)state;
    start();
    /* M L75-132: header; 77-79 "745"; 95-100 DDMMAA; 120-125 credit date */
    blank();
    put(1, "02RETORNO01COBRANCA");
    put(77, "745CITIBANK");
    put(95, "281126");
    put(101, "01600BPI");
    put(120, "281126");
    emit();
    /* M L134-287: 63-64 espécie; NN 65-76 (12); seu número 117-126;
     * 129-140 NN when the bank numbered it; face 153-165; 176-188 zeros;
     * IOF 215-227; abatimento 228-240; desconto 241-253; valor líquido
     * recebido 254-266; juros 267-279; credit 296-301 */
    detail('1', "06", "271126", "CITI-1", "201126");
    put(63, "02");
    put(65, "000000555551");
    put(127, "00");
    num(153, 13, 100000);
    put(166, "745");
    num(176, 13, 0);
    num(254, 13, 101550);
    num(267, 13, 1550);
    put(296, "281126");
    put(302, "04");
    put(386, "281126");
    emit();
    /* L180: 02 entrada confirmada */
    detail('1', "02", "271126", "CITI-2", "201226");
    put(65, "000000555552");
    num(153, 13, 80000);
    emit();
    /* L138-142: record types 7 (posição de carteira) and 8 (despesa de
     * cartório) are details in the same layout; L194 11 em ser, L216 51 */
    detail('7', "11", "271126", "CITI-3", "201226");
    put(65, "000000555553");
    num(153, 13, 90000);
    emit();
    detail('8', "51", "271126", "CITI-4", "201226");
    put(65, "000000555554");
    num(153, 13, 90000);
    num(189, 13, 1234);
    emit();
    trailer("745");
    assert_int_equal(parse(NULL), 0);
    assert_int_equal(nrec, 4);
    assert_int_equal(nwarn, 0);
    /* L165-167, L226, L241, L256, L278-282, L287; L186 (06 liquidação) */
    assert_string_equal(R[0].nosso_numero, "000000555551");
    assert_string_equal(R[0].seu_numero, "CITI-1");
    assert_int_equal(R[0].paid, 1);
    assert_int_equal(R[0].amount_face_cents, 100000);
    assert_int_equal(R[0].amount_paid_cents, 101550);
    assert_int_equal(R[0].interest_cents, 1550);
    assert_int_equal(R[0].fee_cents, 0);
    date_is(R[0].credited_on, 2026, 11, 28);
    assert_int_equal(R[1].paid, 0);
    assert_string_equal(R[2].movement_code, "11");
    assert_string_equal(R[2].nosso_numero, "000000555553");
    assert_int_equal(R[2].paid, 0);
    assert_string_equal(R[3].movement_code, "51");
    assert_int_equal(R[3].paid, 0);
    /* L197 15 pago em cartório, L199 17; L192 10 baixa is not money */
    assert_int_equal(cnab_code_class_of("cnab400", "745", "15"), CODE_PAID);
    assert_int_equal(cnab_code_class_of("cnab400", "745", "17"), CODE_PAID);
    assert_int_equal(cnab_code_class_of("cnab400", "745", "10"), CODE_OTHER);
}

/* ---- 756 Sicoob --------------------------------------------------------- */

static void test_sicoob(void **state)
{
    (void)state;
    start();
    /* M L9-25: header; 77-94 "756 - BANCOOB S/A"; 95-100 DDMMAA */
    header("02RETORNO", "756 - BANCOOB S/A", 95, "281126");
    /* M L28-79: NN 63-73 + DV 74; credit 176-181; fee 182-188 (7); IOF do
     * desconto 215-227; abatimento 228-240; desconto 241-253; valor recebido
     * 254-266; juros 267-279; outros recebimentos 280-292 */
    detail('1', "06", "271126", "SC756-1", "201126");
    put(63, "00000000123");
    put(74, "4");
    put(107, "01");
    num(153, 13, 100000);
    put(176, "281126");
    num(182, 7, 250);
    num(254, 13, 101550);
    num(267, 13, 1550);
    num(306, 13, 101300);
    put(319, "1");
    emit();
    /* L51: 05 liquidação sem registro */
    detail('1', "05", "271126", "SC756-2", "201126");
    put(63, "00000000124");
    put(74, "2");
    num(153, 13, 20000);
    put(176, "281126");
    num(254, 13, 20200);
    num(280, 13, 200);
    emit();
    /* L51: 02 confirmação entrada */
    detail('1', "02", "271126", "SC756-3", "201226");
    put(63, "00000000125");
    put(74, "0");
    num(153, 13, 30000);
    emit();
    trailer("756");
    assert_int_equal(parse(NULL), 0);
    assert_int_equal(nrec, 3);
    assert_int_equal(nwarn, 0);
    /* L37-38, L53, L56, L61-62, L68-70; L51 (06 liquidação normal) */
    assert_string_equal(R[0].bank, "756");
    assert_string_equal(R[0].nosso_numero, "000000001234");
    assert_string_equal(R[0].seu_numero, "SC756-1");
    assert_int_equal(R[0].paid, 1);
    assert_int_equal(R[0].amount_face_cents, 100000);
    assert_int_equal(R[0].amount_paid_cents, 101550);
    assert_int_equal(R[0].interest_cents, 1550);
    assert_int_equal(R[0].fee_cents, 250);
    assert_int_equal(R[0].amount_credited_cents, 0); /* 306-318 not read (docs) */
    date_is(R[0].credited_on, 2026, 11, 28);
    /* L51 05; L70 outros recebimentos */
    assert_int_equal(R[1].paid, 1);
    assert_int_equal(R[1].other_credits_cents, 200);
    assert_int_equal(R[2].paid, 0);
    /* L51 15 liquidação em cartório; L273 17 (older manual); L272 16 cheque */
    assert_int_equal(cnab_code_class_of("cnab400", "756", "15"), CODE_PAID);
    assert_int_equal(cnab_code_class_of("cnab400", "756", "17"), CODE_PAID);
    assert_int_equal(cnab_code_class_of("cnab400", "756", "16"), CODE_OTHER);
}

/* ---- the Fibra family: 246 ABC, 633 Rendimento, 707 Daycoval ------------- */

/* One return per bank: header (M: ABC L21-46, Rendimento L47-72, Daycoval
 * L25-62; date 95-100 DDMMAA), a 06 with mora and tarifa, a 10 "baixa por
 * ter sido liquidado" with the amount and one without, a 02, the trailer.
 * Detail (ABC L61-119, Rendimento L87-149, Daycoval L75-163): NN 63-73
 * with DV, tarifa 176-188, IOF 215-227, abatimento 228-240, desconto
 * 241-253, valor principal 254-266, mora/multa 267-279, 280-292 zeros,
 * 378-385 error codes, 386-391 data gravação/crédito. */
static void fibra_family(const char *bank, const char *lit, int has_credit_date)
{
    start();
    header(lit, bank, 95, "281126");
    detail('1', "06", "271126", "F-1", "201126");
    put(63, "00113365557");
    put(83, "121");
    put(108, "1");
    num(153, 13, 207428);
    num(176, 13, 250);
    num(254, 13, 207773);
    num(267, 13, 345);
    num(280, 13, 0);
    put(377, "0");
    put(386, "301126");
    put(392, "000");
    emit();
    detail('1', "10", "271126", "F-2", "201126");
    put(63, "00113365558");
    num(153, 13, 10000);
    num(254, 13, 10000);
    put(386, "301126");
    emit();
    detail('1', "10", "271126", "F-3", "201126");
    put(63, "00113365559");
    num(153, 13, 10000);
    put(386, "281126");
    emit();
    detail('1', "02", "271126", "F-4", "201226");
    put(63, "00113365560");
    num(153, 13, 10000);
    put(386, "281126");
    emit();
    trailer(bank);
    assert_int_equal(parse(NULL), 0);
    assert_int_equal(nrec, 4);
    assert_int_equal(nwarn, 0);
    assert_string_equal(R[0].bank, bank);
    assert_string_equal(R[0].nosso_numero, "00113365557");
    assert_string_equal(R[0].seu_numero, "F-1");
    assert_int_equal(R[0].paid, 1);
    assert_int_equal(R[0].amount_face_cents, 207428);
    assert_int_equal(R[0].amount_paid_cents, 207773);
    assert_int_equal(R[0].interest_cents, 345);
    assert_int_equal(R[0].fee_cents, 250);
    date_is(R[0].occurred_on, 2026, 11, 27);
    if (has_credit_date)
        date_is(R[0].credited_on, 2026, 11, 30);
    else
        assert_int_equal(R[0].credited_on.y, 0);
    /* 10 "baixa por ter sido liquidado": money only with an amount */
    assert_int_equal(R[1].paid, 1);
    assert_int_equal(R[1].amount_paid_cents, 10000);
    assert_int_equal(R[2].paid, 0);
    assert_int_equal(R[3].paid, 0);
    assert_int_equal(cnab_code_class_of("cnab400", bank, "06"), CODE_PAID);
    assert_int_equal(cnab_code_class_of("cnab400", bank, "08"), CODE_PAID);
    assert_int_equal(cnab_code_class_of("cnab400", bank, "10"), CODE_LIQ_BAIXA);
    assert_int_equal(cnab_code_class_of("cnab400", bank, "07"), CODE_OTHER);
    assert_int_equal(cnab_code_class_of("cnab400", bank, "09"), CODE_OTHER);
}

static void test_abc(void **state)
{
    (void)state;
    /* M 246-abc L25 "Retorno"; L115-117 credit date 386-391; N8 L166 06,
     * L167 08 liquidação em cartório, L169 10 baixa por ter sido liquidado */
    fibra_family("246", "02Retorno", 1);
}

static void test_rendimento(void **state)
{
    (void)state;
    /* M 633-rendimento L145-147 credit date 386-391; N8 L200, L201, L203 */
    fibra_family("633", "02RETORNO", 1);
}

static void test_daycoval(void **state)
{
    (void)state;
    /* M 707-daycoval L158-159: 386-391 "data de gravação da fita" only (no
     * credit date); Nota 6 L237, L238, L240 */
    fibra_family("707", "02RETORNO", 0);
    /* L12-14: types 2 (mensagem) and 4 (NF-e) may follow a detail */
    start();
    header("02RETORNO", "707", 95, "281126");
    detail('1', "02", "271126", "F-9", "201226");
    put(63, "00113365561");
    emit();
    blank();
    put(1, "2");
    emit();
    blank();
    put(1, "4");
    emit();
    trailer("707");
    assert_int_equal(parse(NULL), 0);
    assert_int_equal(nrec, 1);
}

/* The Citibank types 7/8 and C6's date position are theirs only: another
 * bank still refuses a type 8 record and reads its date at 95-100. */
static void test_extras_are_per_bank(void **state)
{
    (void)state;
    /* the "unknown bank" message lists the codes in order */
    assert_string_equal(cnab400_bank_list(), "001, 004, 021, 033/353, 041, 070, 077, 097, 104, 133, 136, 224, 237, "
                                             "246, 274, 336, 341, 399, 422, 435, 633, 643, 707, 712, 745, 748, 756");
    assert_int_equal(cnab400_bank_find("237")->hdr_date_start, 0);
    assert_int_equal(cnab400_bank_find("336")->hdr_date_start, 125);
    start();
    header("02RETORNO", "756", 95, "281126");
    detail('8', "51", "271126", "X", "201226");
    emit();
    trailer("756");
    expect_error = 1;
    assert_int_equal(parse(NULL), -1);
    expect_error = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_banestes),   cmocka_unit_test(test_cresol),
        cmocka_unit_test(test_grafeno),    cmocka_unit_test(test_c6),
        cmocka_unit_test(test_c6_header_date), cmocka_unit_test(test_safra),
        cmocka_unit_test(test_citibank),   cmocka_unit_test(test_sicoob),
        cmocka_unit_test(test_abc),        cmocka_unit_test(test_rendimento),
        cmocka_unit_test(test_daycoval),   cmocka_unit_test(test_extras_are_per_bank),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
