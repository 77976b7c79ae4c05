/* manual400_test.c - the CNAB 400 layouts against the banks' own manuals
 * (/work/shared/manuals/<code>-<bank>-cnab400.txt, "L123" = line 123 of
 * that text; the audit is /work/shared/manuals/AUDIT.md, finding numbers
 * "#N"). Each test builds a return file from the manual's field table:
 * 400-character records with fields placed at their 1-based positions, a
 * header, the details, a trailer and the sequence numbers at 395-400, and
 * reads it through parser_open_mem()/parser_next(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/cnab.h"
#include "parsers/record.h"

#define MAXL 16

static char lines[MAXL][401];
static int nl;
static settle_record recs[MAXL];
static file_info info;
static char err[1024];
static char buf[MAXL * 402];

/* Place s at 1-based position pos of line l. */
static void put(char *l, int pos, const char *s)
{
    memcpy(l + pos - 1, s, strlen(s));
}

/* v as len digits, zero-padded, at pos. */
static void putn(char *l, int pos, int len, long long v)
{
    char b[32];
    snprintf(b, sizeof b, "%0*lld", len, v);
    memcpy(l + pos - 1, b, (size_t)len);
}

static char *add(char type)
{
    assert_true(nl < MAXL);
    char *l = lines[nl++];
    memset(l, ' ', 400);
    l[400] = '\0';
    l[0] = type;
    return l;
}

/* A return header: 02RETORNO01COBRANCA, bank code at 77-79, DDMMAA 95-100. */
static char *header(const char *bank)
{
    nl = 0;
    char *h = add('0');
    put(h, 2, "2RETORNO01COBRANCA");
    put(h, 77, bank);
    put(h, 95, "150524");
    return h;
}

/* A detail of type '1' with the occurrence code at 109-110 (the Bradesco/
 * Itaú family position; banks that move it put their own). */
static char *detail(const char *code)
{
    char *d = add('1');
    if (code)
        put(d, 109, code);
    return d;
}

/* Add the trailer (unless notrailer), number the records at 395-400 and
 * read the file: the number of records, or -1 with err set. */
static int run_opts(int notrailer)
{
    if (!notrailer)
        add('9');
    size_t n = 0;
    for (int i = 0; i < nl; i++) {
        putn(lines[i], 395, 6, i + 1);
        memcpy(buf + n, lines[i], 400);
        n += 400;
        buf[n++] = '\n';
    }
    err_t e = { 0 };
    memset(recs, 0, sizeof recs);
    memset(&info, 0, sizeof info);
    err[0] = '\0';
    parser *p = parser_open_mem(buf, n, "t", NULL, &e);
    if (!p) {
        snprintf(err, sizeof err, "%s", e.msg);
        return -1;
    }
    int k = 0, r;
    while ((r = parser_next(p, &recs[k], &e)) == 1)
        k++;
    info = *parser_info(p);
    parser_close(p);
    if (r < 0) {
        snprintf(err, sizeof err, "%s", e.msg);
        return -1;
    }
    return k;
}

static int run(void)
{
    return run_opts(0);
}

static void assert_date(settle_date d, int y, int m, int dd)
{
    assert_int_equal(d.y, y);
    assert_int_equal(d.m, m);
    assert_int_equal(d.d, dd);
}

/* ---- Itaú (341-itau-cnab400.txt) ---- */

/* #0: 254-266 "VALOR PRINCIPAL: VALOR LANÇADO EM CONTA CORRENTE" (L123), fee
 * 176-188 (L108), juros 267-279 (L125), outros créditos 280-292 (L127). */
static void test_itau_254_is_net(void **state)
{
    (void)state;
    header("341");
    char *d = detail("06");
    put(d, 86, "00001234");
    putn(d, 153, 13, 10000); /* face */
    putn(d, 176, 13, 250);   /* fee */
    putn(d, 254, 13, 10350); /* credited: 10000 + 500 + 100 - 250 */
    putn(d, 267, 13, 500);   /* juros */
    putn(d, 280, 13, 100);   /* outros créditos */
    assert_int_equal(run(), 1);
    assert_int_equal(recs[0].paid, 1);
    assert_int_equal(recs[0].amount_paid_cents, 10600);
    assert_int_equal(recs[0].amount_credited_cents, 10350);
    assert_int_equal(recs[0].other_credits_cents, 100);
    assert_string_equal(recs[0].nosso_numero, "00001234");
    assert_int_equal(info.xcheck_mismatches, 0);
    /* the same record with 254 = face (a file read as gross) does not add up */
    header("341");
    d = detail("06");
    putn(d, 153, 13, 10000);
    putn(d, 176, 13, 250);
    putn(d, 254, 13, 10000);
    assert_int_equal(run(), 1);
    assert_int_equal(recs[0].amount_paid_cents, 10250);
    assert_int_equal(info.xcheck_mismatches, 1);
}

/* #10: 10 = "BAIXA POR TER SIDO LIQUIDADO (ENVIO DE OCORRÊNCIA 34 NA REMESSA
 * OU LIQUIDAÇÃO DE BOLETO POR PIX)" (L888-889): money only with an amount,
 * and a confirmation of a liquidation (liq_baixa), never a liquidation code. */
static void test_itau_10_is_liq_baixa(void **state)
{
    (void)state;
    header("341");
    detail("10");                         /* answer to remessa 34: no amount */
    char *d = detail("10");               /* Pix liquidation: an amount */
    putn(d, 153, 13, 5000);
    putn(d, 254, 13, 5000);
    assert_int_equal(run(), 2);
    assert_int_equal(recs[0].paid, 0);
    assert_int_equal(recs[1].paid, 1);
    assert_int_equal(recs[1].amount_paid_cents, 5000);
    assert_int_equal(cnab_code_class_of("cnab400", "341", "10"), CODE_LIQ_BAIXA);
    assert_int_equal(cnab_code_class_of("cnab400", "341", "06"), CODE_PAID);
    assert_false(cnab_code_in("10", cnab400_bank_find("341")->paid));
}

/* #18: optional record type 4 "rateio de crédito" after a detail (L242-246)
 * is read (skipped, no money); type 3 (Pix QR) too. */
static void test_itau_type4_skipped(void **state)
{
    (void)state;
    header("341");
    detail("06");
    put(add('4'), 2, "02123456789012340001");
    add('3');
    detail("02");
    assert_int_equal(run(), 2);
    assert_string_equal(recs[1].movement_code, "02");
}

/* ---- Bradesco (237-bradesco-cnab400.txt) ---- */

/* #19: return record type 3 "Rateio de Crédito" (L155) is skipped;
 * outros créditos 280-292 (L121) read. */
static void test_bradesco_type3_and_other_credits(void **state)
{
    (void)state;
    header("237");
    char *d = detail("06");
    putn(d, 153, 13, 10000);
    putn(d, 254, 13, 10150);
    putn(d, 280, 13, 150);
    add('3');
    assert_int_equal(run(), 1);
    assert_int_equal(recs[0].other_credits_cents, 150);
    assert_int_equal(recs[0].amount_paid_cents, 10150);
    assert_int_equal(info.xcheck_mismatches, 0);
}

/* ---- Banco do Nordeste (004-bnb-cnab400.txt) ---- */

/* #4: 15 = "Baixa Automática" (L153), not money; 06 "Liquidação Normal"
 * (L144) is. #28: 296-301 "poderão conter a data de crédito no caso de
 * liquidação normal" (L415); otherwise the occurrence date. */
static void test_bnb_15_and_credit_date(void **state)
{
    (void)state;
    header("004");
    char *d = detail("15");
    putn(d, 153, 13, 17500);
    putn(d, 254, 13, 17500);
    d = detail("06");
    put(d, 111, "070317");
    putn(d, 153, 13, 17500);
    putn(d, 254, 13, 17500);
    put(d, 296, "080317");
    d = detail("06");
    put(d, 111, "070317");
    put(d, 296, "E1E2E3"); /* "tabela de erros" text: not a date, ignored */
    assert_int_equal(run(), 3);
    assert_int_equal(recs[0].paid, 0);
    assert_int_equal(recs[1].paid, 1);
    assert_date(recs[1].credited_on, 2017, 3, 8);
    assert_date(recs[2].credited_on, 2017, 3, 7);
}

/* ---- Sicredi (748-sicredi-cnab400.txt) ---- */

/* #11: header 095-102 "Data de gravação do arquivo" AAAAMMDD (L29). #5:
 * 06 liquidação normal (L344), 15 em cartório (L361), 17 após baixa (L363);
 * no 16. #26: 329-336 "Data prevista para lançamento na conta corrente"
 * AAAAMMDD (L186-187). Juros 267-279 and multa 280-292 (L171). */
static void test_sicredi(void **state)
{
    (void)state;
    char *h = header("748");
    put(h, 95, "20190815");
    char *d = detail("17");
    putn(d, 153, 13, 10000);
    putn(d, 254, 13, 10300);
    putn(d, 267, 13, 100);
    putn(d, 280, 13, 200);
    put(d, 329, "20190816");
    detail("16");
    detail("15");
    assert_int_equal(run(), 3);
    assert_date(info.generated_on, 2019, 8, 15);
    assert_int_equal(info.warnings, 0);
    assert_int_equal(recs[0].paid, 1);
    assert_int_equal(recs[0].interest_cents, 300);
    assert_date(recs[0].credited_on, 2019, 8, 16);
    assert_int_equal(recs[1].paid, 0);
    assert_int_equal(recs[2].paid, 1);
    /* an old DDMMAA header is read with a warning, not refused */
    h = header("748");
    put(h, 95, "111116  ");
    assert_int_equal(run(), 0);
    assert_date(info.generated_on, 2016, 11, 11);
    assert_int_equal(info.warnings, 1);
}

/* ---- BRB (070-brb-cnab400.txt) ---- */

/* #6: 15/16 "Liquidação Regularizada" (L53) are money. #25: header 95-102
 * DDMMAAAA (L30); seu número 93-105 (L51); 119-126 Data de Crédito (L55);
 * 271-283 Outros Débitos = abatimentos + descontos concedidos (L72);
 * 284-296 Outros Créditos = juros + multas (L73). */
static void test_brb(void **state)
{
    (void)state;
    char *h = header("070");
    put(h, 95, "15062016");
    char *d = detail("16");
    put(d, 71, "204265507010");
    put(d, 93, "DOC123");
    put(d, 111, "15062016");
    put(d, 119, "16062016");
    put(d, 149, "10062016");
    putn(d, 157, 13, 10000);
    putn(d, 245, 13, 999); /* discount registered, not granted */
    putn(d, 258, 13, 10100);
    putn(d, 271, 13, 300);
    putn(d, 284, 13, 400);
    put(d, 300, "15062016");
    detail("15");
    detail("09");
    assert_int_equal(run(), 3);
    assert_date(info.generated_on, 2016, 6, 15);
    assert_int_equal(recs[0].paid, 1);
    assert_string_equal(recs[0].seu_numero, "DOC123");
    assert_date(recs[0].credited_on, 2016, 6, 16);
    assert_int_equal(recs[0].discount_cents, 300);
    assert_int_equal(recs[0].interest_cents, 400);
    assert_int_equal(info.xcheck_mismatches, 0);
    assert_int_equal(recs[1].paid, 1);
    assert_int_equal(recs[2].paid, 0);
}

/* ---- Credisis (097-credisis-cnab400.txt) ---- */

/* #7/#23: 057-076 Nosso Número, 077-078 Código Operação (02 liquidação,
 * L86-88, L307), 079-084 Data da Operação, 085-094 Número Documento,
 * 166-175 Tarifa, 176-181 Data de Crédito, 241-253 desconto and 267-279
 * juros/multa with 4 decimals (RT.D.13, RT.D.15, L375-382), 254-266 valor
 * recebido (L106-110). 109-110 is inside "Brancos 095-146" (L90). */
static void test_credisis(void **state)
{
    (void)state;
    char *h = header("097");
    put(h, 80, "CENTRALCREDI");
    char *d = detail(NULL);
    put(d, 57, "09710002009871000149");
    put(d, 77, "02");
    put(d, 79, "260517");
    put(d, 85, "TESTE");
    put(d, 147, "260617");
    putn(d, 153, 13, 10000);
    putn(d, 166, 10, 150);
    put(d, 176, "270517");
    putn(d, 241, 13, 5000);  /* R$ 0,5000 */
    putn(d, 254, 13, 10050);
    putn(d, 267, 13, 10099); /* R$ 1,0099: 100 cents, the 0,99 of a cent dropped */
    put(d, 338, "01");
    put(d, 340, "00001900928230");
    put(d, 354, "MONICA");
    assert_int_equal(run(), 1);
    assert_string_equal(recs[0].movement_code, "02");
    assert_int_equal(recs[0].paid, 1);
    assert_string_equal(recs[0].nosso_numero, "09710002009871000149");
    assert_string_equal(recs[0].seu_numero, "TESTE");
    assert_date(recs[0].occurred_on, 2017, 5, 26);
    assert_date(recs[0].credited_on, 2017, 5, 27);
    assert_int_equal(recs[0].fee_cents, 150);
    assert_int_equal(recs[0].discount_cents, 50);
    assert_int_equal(recs[0].interest_cents, 100);
    assert_int_equal(recs[0].amount_paid_cents, 10050);
    assert_int_equal(info.xcheck_mismatches, 0);
    assert_int_equal(info.warnings, 1); /* the juros' sub-cent digits 99 */
}

/* ---- Banrisul (041-banrisul-cnab400.txt) ---- */

/* #8: 254-266 "VALOR PAGO", Nota 1 (L218-229): the default (tipo 1) leaves
 * the juros 267-279 out; amount paid is what the payer paid (tipo 4). */
static void test_banrisul_nota1(void **state)
{
    (void)state;
    header("041");
    char *d = detail("06"); /* tipo 1 (padrão): face - descontos, no juros */
    put(d, 63, "2283256350");
    putn(d, 153, 13, 10000);
    putn(d, 241, 13, 200);
    putn(d, 254, 13, 9800);
    putn(d, 267, 13, 300);
    d = detail("06"); /* tipo 4: with juros */
    put(d, 63, "2283256351");
    putn(d, 153, 13, 10000);
    putn(d, 254, 13, 10300);
    putn(d, 267, 13, 300);
    d = detail("06"); /* tipo 5: - despesas de cobrança - outras despesas */
    put(d, 63, "2283256352");
    putn(d, 153, 13, 10000);
    putn(d, 176, 13, 160);
    putn(d, 189, 13, 40);
    putn(d, 254, 13, 10100);
    putn(d, 267, 13, 300);
    d = detail("06"); /* none of the six: kept, and the cross-check warns */
    put(d, 63, "2283256353");
    putn(d, 153, 13, 10000);
    putn(d, 254, 13, 9000);
    putn(d, 267, 13, 300);
    assert_int_equal(run(), 4);
    assert_int_equal(recs[0].amount_paid_cents, 10100);
    assert_int_equal(recs[1].amount_paid_cents, 10300);
    assert_int_equal(recs[2].amount_paid_cents, 10300);
    assert_int_equal(recs[3].amount_paid_cents, 9000);
    assert_int_equal(info.xcheck_mismatches, 1);
}

/* #9: "COBRANÇA DISTRIBUÍDA: o primeiro registro tipo 1 de cada título
 * informa os valores totais …; os dados do(s) Beneficiário(s) distribuído(s)
 * serão informados nos registros tipo 1 subsequentes" (L34-36), which carry
 * the nosso número at 303-312 and 'CC CP' at 314-318 (L195-200). #20:
 * records 3 (rateio, L240) and 8 (resumo, L323) carry no money. */
static void test_banrisul_distributed(void **state)
{
    (void)state;
    header("041");
    char *d = detail("06");
    put(d, 63, "2283256350");
    putn(d, 153, 13, 10000);
    putn(d, 254, 13, 10000);
    for (int i = 0; i < 2; i++) {
        d = detail("06");
        put(d, 63, "2283256350");
        putn(d, 153, 13, 10000);
        putn(d, 254, 13, 3000);
        put(d, 303, "2283256350");
        put(d, 314, "CC CP");
    }
    add('3');
    d = detail("02"); /* same title, not a distributed share: its own record */
    put(d, 63, "2283256350");
    add('8');
    assert_int_equal(run(), 2);
    assert_int_equal(recs[0].paid, 1);
    assert_int_equal(recs[0].amount_paid_cents, 10000);
    assert_string_equal(recs[1].movement_code, "02");
}

/* ---- Santander (033-santander-cnab400.txt) ---- */

/* #15: "Código do Banco = 353 / 033" (L34, trailer L168). #31: 367-379
 * "Valor do débito ou crédito", 380 D/C (L149-150); outros créditos
 * 280-292 (L139). Code 16 "Título Baixado/Liquidado" (L78) is not booked
 * as money (docs/formats/cnab.md, ambiguous codes). */
static void test_santander(void **state)
{
    (void)state;
    header("353");
    char *d = detail("06");
    putn(d, 153, 13, 10000);
    putn(d, 176, 13, 250);
    putn(d, 254, 13, 10100);
    putn(d, 280, 13, 100);
    putn(d, 367, 13, 9850);
    put(d, 380, "C");
    d = detail("06");
    putn(d, 153, 13, 10000);
    putn(d, 254, 13, 10000);
    putn(d, 367, 13, 500);
    put(d, 380, "D");
    d = detail("16");
    putn(d, 153, 13, 10000);
    putn(d, 254, 13, 10000);
    assert_int_equal(run(), 3);
    assert_string_equal(info.bank, "033");
    assert_string_equal(recs[0].bank, "033");
    assert_int_equal(recs[0].amount_credited_cents, 9850);
    assert_int_equal(recs[0].other_credits_cents, 100);
    assert_int_equal(recs[1].amount_credited_cents, 0);
    assert_int_equal(recs[2].paid, 0);
    assert_int_equal(info.xcheck_mismatches, 0);
}

/* ---- Caixa (104-caixa-cnab400.txt) ---- */

/* #16: "Quando não existirem informações a serem retornadas, a CAIXA enviará
 * … um arquivo retorno contendo um registro tipo '0' com a … mensagem no
 * campo 13.0: 'Não houve Retorno na Data Indicada'" (L18-20; 13.0 = header
 * 101-158, L45). */
static void test_caixa_no_return(void **state)
{
    (void)state;
    char *h = header("104");
    put(h, 101, "NAO HOUVE RETORNO NA DATA INDICADA");
    assert_int_equal(run_opts(1), 0);
    assert_int_equal(info.records, 0);
    /* a header alone without the message is still a truncated file */
    header("104");
    assert_int_equal(run_opts(1), -1);
    assert_string_equal(err, "t:2:1: expected a trailer (record type 9), found the end of the file (truncated?)");
    /* the message is recognised by itself, not for any bank */
    h = header("237");
    put(h, 101, "NAO HOUVE RETORNO NA DATA INDICADA");
    assert_int_equal(run_opts(1), -1);
}

/* #32: 280-292 "Valor da multa paga pelo Pagador" (L104) is added to the
 * juros 267-279 (L103) in interest. 21 liquidação is money. */
static void test_caixa_multa(void **state)
{
    (void)state;
    header("104");
    char *d = detail("21");
    putn(d, 153, 13, 10000);
    putn(d, 254, 13, 10000);
    putn(d, 267, 13, 120);
    putn(d, 280, 13, 200);
    put(d, 294, "170524");
    assert_int_equal(run(), 1);
    assert_int_equal(recs[0].paid, 1);
    assert_int_equal(recs[0].interest_cents, 320);
    assert_int_equal(recs[0].amount_paid_cents, 10000);
    assert_date(recs[0].credited_on, 2024, 5, 17);
}

/* ---- Banco do Brasil (001-bancodobrasil-cnab400.txt) ---- */

/* #17: auxiliary records type 2 (partilha), 3 (vendor), 5 (e-mail, cheque,
 * título de 15 posições) (L44-47, L158, L225, L289, L301, L323) follow a
 * detail and carry no money. #30: "Número de Controle do Participante"
 * 039-063 (L74). #31: 280-292 outros recebimentos (L122), 306-318 valor do
 * lançamento (L124). */
static void test_bb(void **state)
{
    (void)state;
    char *h = header("001");
    put(h, 150, "1622420");
    char *d = add('7');
    put(d, 32, "1622420"); /* convênio: its last digit is 038 */
    put(d, 39, "CONTROLE-0042");
    put(d, 64, "16224200000000310");
    put(d, 109, "06");
    putn(d, 153, 13, 10000);
    put(d, 176, "200524");
    putn(d, 182, 7, 500);
    putn(d, 254, 13, 10100);
    putn(d, 280, 13, 100);
    putn(d, 306, 13, 9600);
    add('5');
    add('2');
    add('3');
    assert_int_equal(run(), 1);
    assert_string_equal(recs[0].seu_numero, "CONTROLE-0042");
    assert_string_equal(recs[0].nosso_numero, "16224200000000310");
    assert_int_equal(recs[0].amount_paid_cents, 10100);
    assert_int_equal(recs[0].amount_credited_cents, 9600);
    assert_int_equal(recs[0].other_credits_cents, 100);
    assert_int_equal(info.xcheck_mismatches, 0);
}

/* ---- Inter (077-inter-cnab400.txt) ---- */

/* #21/#24: 071-081 nosso número, 090-091 ocorrência (06 pago), 092-097
 * data, 098-107 seu número, 108-118 nosso número again (L123-129), 119-124
 * vencimento, 125-137 valor, 160-172 valor pago, 173-178 data do crédito,
 * 182-221 pagador (L139-150). */
static void test_inter(void **state)
{
    (void)state;
    header("077");
    char *d = detail(NULL);
    put(d, 71, "00001234567");
    put(d, 87, "112");
    put(d, 90, "06");
    put(d, 92, "061221");
    put(d, 98, "0000000001");
    put(d, 108, "00001234567");
    put(d, 119, "071221");
    putn(d, 125, 13, 1000);
    put(d, 138, "077000101");
    putn(d, 160, 13, 1050);
    put(d, 173, "081221");
    put(d, 182, "FULANO DE TAL");
    put(d, 226, "1");
    put(d, 227, "00012345678901");
    assert_int_equal(run(), 1);
    assert_string_equal(recs[0].nosso_numero, "00001234567");
    assert_string_equal(recs[0].movement_code, "06");
    assert_int_equal(recs[0].paid, 1);
    assert_date(recs[0].occurred_on, 2021, 12, 6);
    assert_date(recs[0].due_on, 2021, 12, 7);
    assert_date(recs[0].credited_on, 2021, 12, 8);
    assert_int_equal(recs[0].amount_face_cents, 1000);
    assert_int_equal(recs[0].amount_paid_cents, 1050);
    assert_string_equal(recs[0].seu_numero, "0000000001");
    assert_string_equal(recs[0].payer_name, "FULANO DE TAL");
}

/* ---- Unicred (136-unicred-cnab400.txt) ---- */

/* #22: header 77-94 "136UNICREDDOBRASIL" (L30); NN 46-62 (L68), 63-73
 * blanks; 176-181 data programada para repasse, 182-188 tarifa (L97-98);
 * seu número 280-305 (L102); valor líquido 306-318 = pago - tarifa (L106-110). */
static void test_unicred_136(void **state)
{
    (void)state;
    char *h = header("136");
    put(h, 77, "136UNICREDDOBRASIL");
    char *d = detail("06");
    put(d, 46, "00000000000000116");
    put(d, 86, "019");
    put(d, 107, "18");
    put(d, 111, "150515");
    putn(d, 153, 13, 44400);
    put(d, 176, "180515");
    putn(d, 182, 7, 160);
    putn(d, 254, 13, 44400);
    put(d, 280, "NF 1234");
    putn(d, 306, 13, 44240);
    assert_int_equal(run(), 1);
    assert_string_equal(info.bank, "136");
    assert_string_equal(recs[0].nosso_numero, "00000000000000116");
    assert_string_equal(recs[0].seu_numero, "NF 1234");
    assert_int_equal(recs[0].amount_credited_cents, 44240);
    assert_int_equal(recs[0].fee_cents, 160);
    assert_date(recs[0].credited_on, 2015, 5, 18);
    assert_int_equal(info.xcheck_mismatches, 0);
}

/* #22: the Unicred file that carries 001 (brcobranca CNAB400UNICRED.RET):
 * BB's header has zeros at 41-46 and the convênio at 150-156
 * (001-bancodobrasil-cnab400.txt L32, L37); this one has the cooperative's
 * code at 41-46 and blanks after 107, so Unicred's detail layout reads it. */
static void test_unicred_as_001(void **state)
{
    (void)state;
    FILE *f = fopen("tests/fixtures/cnab/brcobranca/CNAB400UNICRED.RET", "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    err_t e = { 0 };
    parser *p = parser_open_mem(buf, n, "unicred", NULL, &e);
    assert_non_null(p);
    settle_record r;
    assert_int_equal(parser_next(p, &r, &e), 1);
    assert_string_equal(parser_info(p)->bank, "001");
    assert_string_equal(r.nosso_numero, "00000000000000116");
    assert_string_equal(r.movement_code, "06");
    assert_int_equal(r.amount_paid_cents, 44400);
    assert_int_equal(r.amount_credited_cents, 43840);
    parser_close(p);
}

/* ---- Fibra / Pine / Delbank (224-fibra-cnab400.txt) ---- */

/* #27: 386-391 "Data Gravação/Data do Crédito: no caso das liquidações com
 * crédito em conta, será a data efetiva do crédito" (L117-118); 280-376
 * zeros/blanks. Codes: 06, 08 money; 10 "Baixa por ter sido liquidado"
 * (L170) a liq_baixa; 07 is not a Fibra code (L163-181). */
static void test_fibra(void **state)
{
    (void)state;
    static const char *banks[] = { "224", "643", "435" };
    for (int i = 0; i < 3; i++) {
        header(banks[i]);
        char *d = detail("06");
        put(d, 111, "130123");
        putn(d, 153, 13, 207428);
        putn(d, 254, 13, 207773);
        putn(d, 267, 13, 345);
        put(d, 386, "160123");
        detail("07");
        assert_int_equal(run(), 2);
        assert_int_equal(recs[0].paid, 1);
        assert_date(recs[0].credited_on, 2023, 1, 16);
        assert_int_equal(recs[1].paid, 0);
        assert_int_equal(info.xcheck_mismatches, 0);
        assert_int_equal(cnab_code_class_of("cnab400", banks[i], "10"), CODE_LIQ_BAIXA);
    }
}

/* ---- HSBC (399-hsbc-cnab400.txt) ---- */

/* #29: detail 189-227 and 280-301 are "Uso do Banco" (L231, L245): not
 * read, whatever they hold; the credit date is in the header 120-125
 * (L113-116). 31 "Liquidação normal em cheque" (L419) awaits "a sua boa
 * compensação" (L35): not booked as money. */
static void test_hsbc(void **state)
{
    (void)state;
    char *h = header("399");
    put(h, 120, "210524");
    char *d = detail("06");
    putn(d, 153, 13, 10000);
    put(d, 189, "BANCO USO XYZ");
    putn(d, 254, 13, 10000);
    put(d, 280, "USO DO BANCO AB");
    d = detail("31");
    putn(d, 153, 13, 10000);
    putn(d, 254, 13, 10000);
    d = detail("06"); /* indicativo de crédito 304 = 9 "pagamento aguardando
                         compensação do cheque" (L605-608): not money yet */
    putn(d, 153, 13, 10000);
    putn(d, 254, 13, 10000);
    put(d, 304, "9");
    assert_int_equal(run(), 3);
    assert_int_equal(recs[0].paid, 1);
    assert_int_equal(recs[0].iof_cents, 0);
    assert_date(recs[0].credited_on, 2024, 5, 21);
    assert_int_equal(recs[1].paid, 0);
    assert_int_equal(recs[2].paid, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_itau_254_is_net),
        cmocka_unit_test(test_itau_10_is_liq_baixa),
        cmocka_unit_test(test_itau_type4_skipped),
        cmocka_unit_test(test_bradesco_type3_and_other_credits),
        cmocka_unit_test(test_bnb_15_and_credit_date),
        cmocka_unit_test(test_sicredi),
        cmocka_unit_test(test_brb),
        cmocka_unit_test(test_credisis),
        cmocka_unit_test(test_banrisul_nota1),
        cmocka_unit_test(test_banrisul_distributed),
        cmocka_unit_test(test_santander),
        cmocka_unit_test(test_caixa_no_return),
        cmocka_unit_test(test_caixa_multa),
        cmocka_unit_test(test_bb),
        cmocka_unit_test(test_inter),
        cmocka_unit_test(test_unicred_136),
        cmocka_unit_test(test_unicred_as_001),
        cmocka_unit_test(test_fibra),
        cmocka_unit_test(test_hsbc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
