/* pixapi_test.c - the API Pix JSON reader through parser_open() on the
 * fixtures in tests/fixtures/pix/api/: every official example of
 * /work/shared/pix-api copied byte for byte (the valid ones with every
 * value, the ones that break the spec with their exact message), the
 * hand-made ones (a cobv paid late, PSP extensions and outgoing Pix, JSON
 * Lines, gzip), the malformed cases in bad/ with their exact messages, and
 * the bounds (document size, depth, a document across input buffers).
 * Run from the top of the tree (scripts/run-tests does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parsers/pixapi.h"
#include "parsers/record.h"

#define FIX "tests/fixtures/pix/api/"
#define MAXREC 6000

typedef struct got {
    settle_record *r;
    int n, rc;
    err_t e;
    file_info info;
    int nw;
    char w[8][600];
} got;

static void on_warn(void *arg, long line, const char *msg)
{
    got *g = arg;
    (void)line;
    if (g->nw < 8)
        snprintf(g->w[g->nw], sizeof g->w[0], "%s", msg);
    g->nw++;
}

/* Read every record of parser p (NULL: open failed) into g. */
static void drain(parser *p, got *g)
{
    if (!p) {
        g->rc = -1;
        return;
    }
    settle_record rec;
    while ((g->rc = parser_next(p, &rec, &g->e)) == 1) {
        assert_true(g->n < MAXREC);
        g->r[g->n++] = rec;
    }
    g->info = *parser_info(p);
    parser_close(p);
}

static got *read_path(const char *path, const char *name, record_format forced)
{
    got *g = calloc(1, sizeof *g);
    g->r = calloc(MAXREC, sizeof *g->r);
    parse_opts o = { .format = forced, .warn = on_warn, .warn_arg = g };
    drain(parser_open(path, name, &o, &g->e), g);
    return g;
}

static got *read_fix(const char *file)
{
    char path[256];
    snprintf(path, sizeof path, FIX "%s", file);
    const char *slash = strrchr(file, '/');
    return read_path(path, slash ? slash + 1 : file, FMT_UNKNOWN);
}

static got *read_mem(const char *data, size_t len)
{
    got *g = calloc(1, sizeof *g);
    g->r = calloc(MAXREC, sizeof *g->r);
    parse_opts o = { .warn = on_warn, .warn_arg = g };
    drain(parser_open_mem(data, len, "m.json", &o, &g->e), g);
    return g;
}

static void got_free(got *g)
{
    free(g->r);
    free(g);
}

static void assert_date(settle_date d, int y, int m, int day)
{
    assert_int_equal(d.y, y);
    assert_int_equal(d.m, m);
    assert_int_equal(d.d, day);
}

/* The error of a fixture that must be refused. */
static void assert_refused(const char *file, const char *msg)
{
    got *g = read_fix(file);
    assert_int_equal(g->rc, -1);
    assert_int_equal(g->e.code, EX_DATAERR);
    assert_string_equal(g->e.msg, msg);
    got_free(g);
}

/* ---- official examples that are valid ------------------------------------- */

/* cobResponse2: a CONCLUIDA cob with one Pix (paying 110.00 on a 100.00
 * charge, as the official example does) and one refund in processing. */
static void test_cob_concluida(void **state)
{
    (void)state;
    got *g = read_fix("cob-get-example-2-concluida-with-pix.json");
    if (g->rc < 0)
        fail_msg("%s", g->e.msg);
    assert_int_equal(g->n, 2);
    assert_int_equal(g->info.format, FMT_PIX_API);
    assert_int_equal(g->info.records, 2);
    assert_int_equal(g->info.skipped, 0);
    assert_int_equal(g->info.warnings, 0);

    settle_record *r = &g->r[0];
    assert_int_equal(r->line, 1);
    assert_int_equal(r->format, FMT_PIX_API);
    assert_int_equal(r->kind, KIND_PIX);
    assert_int_equal(r->paid, 1);
    assert_string_equal(r->bank, "");
    assert_string_equal(r->end_to_end_id, "E1234567820200909122120200808008");
    assert_string_equal(r->txid, "655dfdb1a4514b8fbb58254b958913fb");
    assert_int_equal(r->amount_paid_cents, 11000);
    assert_int_equal(r->amount_credited_cents, 11000);
    assert_int_equal(r->amount_face_cents, 0);
    assert_int_equal(r->interest_cents, 0);
    assert_int_equal(r->settled_at, 1599682500);
    assert_date(r->occurred_on, 2020, 9, 9);
    assert_date(r->credited_on, 2020, 9, 9);
    assert_string_equal(r->message, "0123456789");
    assert_string_equal(r->refund_id, "");
    assert_string_equal(r->payer_doc, "");

    r = &g->r[1];
    assert_int_equal(r->kind, KIND_PIX_REFUND);
    assert_int_equal(r->paid, 0);
    assert_string_equal(r->end_to_end_id, "E1234567820200909122120200808008");
    assert_string_equal(r->txid, "655dfdb1a4514b8fbb58254b958913fb");
    assert_string_equal(r->refund_id, "D1234567820200909122120200808006");
    assert_string_equal(r->seu_numero, "123ABC");
    assert_string_equal(r->refund_status, "EM_PROCESSAMENTO");
    assert_string_equal(r->refund_nature, "ORIGINAL");
    assert_int_equal(r->amount_paid_cents, 1000);
    assert_int_equal(r->amount_credited_cents, 0);
    assert_int_equal(r->settled_at, 1599682500);
    assert_date(r->occurred_on, 2020, 9, 9);
    assert_date(r->credited_on, 0, 0, 0);
    assert_string_equal(r->message, "");
    got_free(g);
}

/* pixResponse1: GET /pix/{e2eid}, one Pix with a refund. */
static void test_pix_e2eid(void **state)
{
    (void)state;
    got *g = read_fix("pix-get-e2eid-example-1.json");
    if (g->rc < 0)
        fail_msg("%s", g->e.msg);
    assert_int_equal(g->n, 2);
    settle_record *r = &g->r[0];
    assert_int_equal(r->kind, KIND_PIX);
    assert_string_equal(r->end_to_end_id, "E12345678202009091221abcdef12345");
    assert_string_equal(r->txid, "cd1fe328c875481285a6f233ae41b662");
    assert_int_equal(r->amount_paid_cents, 10000);
    assert_int_equal(r->settled_at, 1599743013);
    assert_date(r->occurred_on, 2020, 9, 10);
    assert_string_equal(r->message, "Reforma da casa");
    r = &g->r[1];
    assert_int_equal(r->kind, KIND_PIX_REFUND);
    assert_string_equal(r->refund_id, "D12345678202009091000abcde123456");
    assert_string_equal(r->seu_numero, "000AAA111");
    assert_int_equal(r->amount_paid_cents, 1100);
    assert_string_equal(r->refund_status, "EM_PROCESSAMENTO");
    assert_int_equal(r->settled_at, 1599743013);
    got_free(g);
}

/* WebhookPixBody: devolucoes is an object in pixWebhook1 (a quirk of the
 * example), read as one refund; plain and gzip give the same records. */
static void check_webhook(const char *file)
{
    got *g = read_fix(file);
    if (g->rc < 0)
        fail_msg("%s", g->e.msg);
    assert_int_equal(g->n, 3);
    assert_int_equal(g->r[0].kind, KIND_PIX);
    assert_string_equal(g->r[0].end_to_end_id, "E12345678202009091221kkkkkkkkkkk");
    assert_string_equal(g->r[0].txid, "c3e0e7a4e7f1469a9f782d3d4999343c");
    assert_int_equal(g->r[0].amount_paid_cents, 11000);
    assert_int_equal(g->r[0].settled_at, 1599682500);
    assert_string_equal(g->r[0].message, "0123456789");
    assert_int_equal(g->r[1].kind, KIND_PIX_REFUND);
    assert_string_equal(g->r[1].end_to_end_id, "E12345678202009091221kkkkkkkkkkk");
    assert_string_equal(g->r[1].refund_id, "D12345678202009091221abcdf098765");
    assert_string_equal(g->r[1].seu_numero, "123ABC");
    assert_int_equal(g->r[1].amount_paid_cents, 1000);
    assert_string_equal(g->r[1].refund_status, "EM_PROCESSAMENTO");
    assert_int_equal(g->r[2].kind, KIND_PIX);
    assert_string_equal(g->r[2].end_to_end_id, "E87654321202009091221dfghi123456");
    assert_string_equal(g->r[2].txid, "971122d8f37211eaadc10242ac120002");
    assert_int_equal(g->r[2].amount_paid_cents, 11000);
    assert_int_equal(g->info.warnings, 0);
    got_free(g);
}

static void test_webhook(void **state)
{
    (void)state;
    check_webhook("webhook-pix-example.json");
    check_webhook("webhook-pix-example.json.gz");
}

/* An ATIVA cob, an ATIVA cobv and a GET /cobv list carry no Pix: valid, no record. */
static void test_no_pix(void **state)
{
    (void)state;
    static const char *const files[] = { "cob-get-example-1-ativa.json", "cobv-get-example.json",
                                         "cobv-list-example.json" };
    for (int i = 0; i < 3; i++) {
        got *g = read_fix(files[i]);
        if (g->rc < 0)
            fail_msg("%s: %s", files[i], g->e.msg);
        assert_int_equal(g->rc, 0);
        assert_int_equal(g->n, 0);
        assert_int_equal(g->info.format, FMT_PIX_API);
        got_free(g);
    }
}

/* ---- official examples that break the spec, or are not settlement files ---- */

static void test_official_refused(void **state)
{
    (void)state;
    /* 34-character endToEndIds (the .md notes) */
    assert_refused("pix-get-e2eid-example-2.json",
                   "pix-get-e2eid-example-2.json:1: document 1, endToEndId: expected an end-to-end id (E or D, "
                   "8-character ISPB, yyyyMMddHHmm, 11 letters or digits), found 'E12345678202009091221ghijk78901234'");
    assert_refused("pix-get-e2eid-example-3-saque.json",
                   "pix-get-e2eid-example-3-saque.json:1: document 1, endToEndId: expected an end-to-end id (E or D, "
                   "8-character ISPB, yyyyMMddHHmm, 11 letters or digits), found 'E88631478202009091221ghijk78901234'");
    assert_refused("v2.0.0-pix-with-pagador-cpf.json",
                   "v2.0.0-pix-with-pagador-cpf.json:1: document 1, endToEndId: expected an end-to-end id (E or D, "
                   "8-character ISPB, yyyyMMddHHmm, 11 letters or digits), found 'E12345678202009091221ghijk78901234'");
    /* the page: item 1 reads, item 2 is refused, so the file is */
    got *g = read_fix("pix-get-list-example.json");
    assert_int_equal(g->rc, -1);
    assert_int_equal(g->n, 2);
    assert_string_equal(g->e.msg, "pix-get-list-example.json:1: document 1, pix[1].endToEndId: expected an end-to-end "
                                  "id (E or D, 8-character ISPB, yyyyMMddHHmm, 11 letters or digits), found "
                                  "'E12345678202009091221ghijk78901234'");
    got_free(g);
    /* API Pix 2.0.0 txids: UUIDs with hyphens, 36 characters */
    assert_refused("v2.0.0-cob-concluida-with-pix-pagador.json",
                   "v2.0.0-cob-concluida-with-pix-pagador.json:1: document 1, txid: expected the cob/cobv txid (1 to "
                   "35 letters or digits), found '655dfdb1-a451-4b8f-bb58-254b958913fb'");
    assert_refused("v2.0.0-pix-with-pagador-cnpj.json",
                   "v2.0.0-pix-with-pagador-cnpj.json:1: document 1, txid: expected a txid of 1 to 35 letters or "
                   "digits, found 'cd1fe328-c875-4812-85a6-f233ae41b662'");
    /* request bodies and a refund on its own */
    assert_refused("cobv-put-request-example.json",
                   "cobv-put-request-example.json:1: document 1, status: expected a cob/cobv response with its status "
                   "(ATIVA, CONCLUIDA, ...), found none (a request body, such as PUT /cobv, is not a settlement file)");
    assert_refused("devolucao-request-example.json",
                   "devolucao-request-example.json:1: document 1: expected an API Pix document (a GET /pix page with "
                   "parametros and pix, a webhook body with pix, a cob/cobv with calendario and status, or a Pix with "
                   "endToEndId), found an object with keys 'valor'");
    static const char *const dev[] = { "devolucao-example-1.json", "devolucao-example-2-nao-realizado.json" };
    for (int i = 0; i < 2; i++) {
        char want[600];
        snprintf(want, sizeof want,
                 "%s:1: document 1, rtrId: expected an API Pix document with Pix in it, found a refund on its own "
                 "(GET /pix/{e2eid}/devolucao/{id}): it does not carry its Pix's endToEndId\n"
                 "HINT: read the Pix with its devolucoes instead (GET /pix/{e2eid} or a GET /pix page)",
                 dev[i]);
        assert_refused(dev[i], want);
    }
}

/* ---- hand-made fixtures ------------------------------------------------------- */

/* A cobv paid 3 days late: componentesValor original 100.00 + multa 3.00 +
 * juros 2.00 = 105.00; the Pix has no txid of its own (the cob's is used);
 * paid at 02:15 UTC, the day before in Brazil. */
static void test_cobv_paid_late(void **state)
{
    (void)state;
    got *g = read_fix("cobv-paid-late.json");
    if (g->rc < 0)
        fail_msg("%s", g->e.msg);
    assert_int_equal(g->n, 1);
    settle_record *r = &g->r[0];
    assert_int_equal(r->kind, KIND_PIX);
    assert_string_equal(r->txid, "CMXcobv0000000000000000000000001");
    assert_string_equal(r->end_to_end_id, "E18236120202611230215cobvLate001");
    assert_int_equal(r->amount_face_cents, 10000);
    assert_int_equal(r->amount_paid_cents, 10500);
    assert_int_equal(r->amount_credited_cents, 10500);
    assert_int_equal(r->interest_cents, 500);
    assert_int_equal(r->discount_cents, 0);
    assert_int_equal(r->rebate_cents, 0);
    assert_int_equal(r->other_credits_cents, 0);
    assert_int_equal(r->settled_at, 1795400107);
    assert_date(r->occurred_on, 2026, 11, 22);
    assert_string_equal(r->message, "Pedido 123, pago com atraso");
    assert_int_equal(g->info.warnings, 0);
    assert_int_equal(g->info.xcheck_mismatches, 0);
    got_free(g);
}

/* Efí-style extensions: gnExtras.pagador with an alphanumeric CNPJ, the
 * 2.0.0 pagador with a formatted CPF, a masked CPF (left out, warned), two
 * outgoing Pix (skipped, counted, warned), refunds DEVOLVIDO (MED_FRAUDE,
 * settled at liquidacao, descricao as message) and NAO_REALIZADO (motivo). */
static void test_psp_extensions(void **state)
{
    (void)state;
    got *g = read_fix("webhook-psp-extensions.json");
    if (g->rc < 0)
        fail_msg("%s", g->e.msg);
    assert_int_equal(g->n, 5);
    assert_int_equal(g->info.skipped, 2);
    assert_int_equal(g->info.warnings, 3);
    assert_int_equal(g->nw, 3);
    assert_string_equal(g->w[0], "webhook-psp-extensions.json:1:1: warning: document 1, pix[1]: an outgoing Pix (tipo "
                                 "'SOLICITACAO'), not a receipt: skipped");
    assert_string_equal(g->w[1], "webhook-psp-extensions.json:1:1: warning: document 1, pix[2]: an outgoing Pix (status "
                                 "'NAO_REALIZADO'), not a receipt: skipped");
    assert_string_equal(g->w[2], "webhook-psp-extensions.json:1:1: warning: document 1, pix[4].gnExtras.pagador.cpf: "
                                 "expected a CPF (11 digits), found 14 characters that are not one (masked by the "
                                 "PSP?); payer_doc left empty");

    settle_record *r = &g->r[0];
    assert_string_equal(r->end_to_end_id, "E00416968202611281403AbCdEfGhIj1");
    assert_string_equal(r->txid, "CMXpedido0000000000000000000201");
    assert_int_equal(r->amount_paid_cents, 25000);
    assert_int_equal(r->settled_at, 1795885407);
    assert_string_equal(r->payer_doc, "12ABC34501DE35");
    assert_string_equal(r->payer_name, "ACME Com\xC3\xA9rcio Ltda");
    assert_int_equal(r->fee_cents, 0);

    r = &g->r[1];
    assert_string_equal(r->end_to_end_id, "E60746948202611281500Ab12Cd34Ef5");
    assert_int_equal(r->amount_paid_cents, 8990);
    assert_string_equal(r->payer_doc, "12345678909");
    assert_string_equal(r->payer_name, "Jos\xC3\xA9 \xC3\x81vila");

    r = &g->r[2];
    assert_int_equal(r->kind, KIND_PIX_REFUND);
    assert_string_equal(r->end_to_end_id, "E60746948202611281500Ab12Cd34Ef5");
    assert_string_equal(r->txid, "CMXpedido0000000000000000000202");
    assert_string_equal(r->refund_id, "D60746948202611291200Zz9Yy8Xx7W1");
    assert_string_equal(r->seu_numero, "CMXdev202a");
    assert_int_equal(r->amount_paid_cents, 8990);
    assert_string_equal(r->refund_status, "DEVOLVIDO");
    assert_string_equal(r->refund_nature, "MED_FRAUDE");
    assert_int_equal(r->settled_at, 1795964403);
    assert_date(r->occurred_on, 2026, 11, 29);
    assert_string_equal(r->message, "estorno MED");
    assert_string_equal(r->payer_doc, "");

    r = &g->r[3];
    assert_int_equal(r->kind, KIND_PIX_REFUND);
    assert_string_equal(r->refund_id, "D60746948202611291201Zz9Yy8Xx7W2");
    assert_int_equal(r->amount_paid_cents, 1000);
    assert_string_equal(r->refund_status, "NAO_REALIZADO");
    assert_string_equal(r->refund_nature, "ORIGINAL");
    assert_int_equal(r->settled_at, 1795953660);
    assert_string_equal(r->message, "Saldo insuficiente");

    r = &g->r[4];
    assert_string_equal(r->end_to_end_id, "E60746948202611281501Ab12Cd34Ef6");
    assert_string_equal(r->txid, "");
    assert_int_equal(r->amount_paid_cents, 750);
    assert_string_equal(r->payer_doc, "");
    assert_string_equal(r->payer_name, "Maria");
    got_free(g);
}

/* JSON Lines: two GET /pix pages, a blank line between; each record says
 * the line of its document. */
static void test_jsonl(void **state)
{
    (void)state;
    got *g = read_fix("pages.jsonl");
    if (g->rc < 0)
        fail_msg("%s", g->e.msg);
    assert_int_equal(g->n, 3);
    assert_int_equal(g->r[0].line, 1);
    assert_string_equal(g->r[0].txid, "CMXpedido0000000000000000000301");
    assert_int_equal(g->r[0].amount_paid_cents, 15000);
    assert_int_equal(g->r[1].line, 1);
    assert_int_equal(g->r[1].amount_paid_cents, 123456);
    assert_int_equal(g->r[1].settled_at, 1795918020);
    assert_date(g->r[1].occurred_on, 2026, 11, 28);
    assert_int_equal(g->r[2].line, 3);
    assert_string_equal(g->r[2].txid, "kWq3");
    assert_int_equal(g->r[2].amount_paid_cents, 1);
    assert_int_equal(g->r[2].settled_at, 1795888799);
    got_free(g);
}

/* ---- malformed fixtures: the exact message of each ------------------------------ */

static void test_bad_fixtures(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        { "bad/valor-number.json", "valor-number.json:1: document 1, pix[0].valor: expected an amount as a decimal "
                                   "string such as \"110.00\", found the number 110.5" },
        { "bad/valor-3-decimals.json", "valor-3-decimals.json:1: document 1, valor: expected an amount such as "
                                       "\"110.00\" (1 to 10 digits, '.', 2 decimals), found '110.001'" },
        { "bad/valor-comma.json", "valor-comma.json:1: document 1, valor: expected an amount such as \"110.00\" (1 "
                                  "to 10 digits, '.', 2 decimals), found '1.234,56'" },
        { "bad/component-valor.json", "component-valor.json:1: document 1, pix[0].componentesValor.original.valor: "
                                      "expected an amount such as \"110.00\" (1 to 10 digits, '.', 2 decimals), "
                                      "found '10.0'" },
        { "bad/horario-no-offset.json", "horario-no-offset.json:1: document 1, pix[0].horario: expected an RFC 3339 "
                                        "timestamp such as \"2020-09-09T20:15:00.358Z\", found '2026-11-28 14:03:27'" },
        { "bad/truncated.json", "truncated.json:4:1: expected the rest of JSON document 1 (from line 1), found the "
                                "end of the file" },
        { "bad/syntax.jsonl", "syntax.jsonl:2:74: expected valid JSON (document 2), found ',' (json-c: quoted "
                              "object property name expected)" },
        { "bad/not-object.jsonl", "not-object.jsonl:2:1: expected '{' starting API Pix JSON document 2, found '['" },
        { "bad/not-utf8.json", "not-utf8.json:1:130: expected UTF-8 text in document 1, found a string that is not "
                               "(json-c: invalid utf-8 string)" },
        { "bad/unknown-document.json",
          "unknown-document.json:1: document 1: expected an API Pix document (a GET /pix page with parametros and "
          "pix, a webhook body with pix, a cob/cobv with calendario and status, or a Pix with endToEndId), found an "
          "object with keys 'pagamentos', 'total'" },
        { "bad/pix-not-array.json", "pix-not-array.json:1: document 1, pix: expected an array of Pix, found an object" },
        { "bad/refund-status.json", "refund-status.json:1: document 1, pix[0].devolucoes[0].status: expected "
                                    "EM_PROCESSAMENTO, DEVOLVIDO or NAO_REALIZADO, found 'DEVOLVIDA'" },
        { "bad/refund-natureza.json", "refund-natureza.json:1: document 1, pix[0].devolucoes[0].natureza: expected "
                                      "ORIGINAL, RETIRADA, MED_OPERACIONAL, MED_FRAUDE or MED_PIX_AUTOMATICO, found "
                                      "'MED'" },
        { "bad/refund-rtrid.json", "refund-rtrid.json:1: document 1, pix[0].devolucoes[0].rtrId: expected a return id "
                                   "(D, 8-character ISPB, yyyyMMddHHmm, 11 letters or digits), found "
                                   "'E18236120202611281403aB3dE5fG7h9'" },
        { "bad/tipo-unknown.json", "tipo-unknown.json:1: document 1, pix[0].tipo: expected no tipo on a received Pix, "
                                   "or 'SOLICITACAO' (an outgoing Pix, skipped), found 'ENVIO'" },
        { "bad/txid-hyphen.json", "txid-hyphen.json:1: document 1, pix[1].txid: expected a txid of 1 to 35 letters "
                                  "or digits, found 'PED-1'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_refused(cases[i][0], cases[i][1]);
}

/* ---- rules on small documents ------------------------------------------------------ */

#define E2E "E18236120202611281403aB3dE5fG7h9"
#define PIX1(extra) "{\"endToEndId\":\"" E2E "\",\"valor\":\"10.00\",\"horario\":\"2026-11-28T14:03:27Z\"" extra "}"

static const char *mem_error(const char *doc)
{
    static char msg[1024];
    got *g = read_mem(doc, strlen(doc));
    assert_int_equal(g->rc, -1);
    assert_int_equal(g->e.code, EX_DATAERR);
    snprintf(msg, sizeof msg, "%s", g->e.msg);
    got_free(g);
    return msg;
}

static void test_rules(void **state)
{
    (void)state;
    assert_string_equal(mem_error("{\"endToEndId\":\"" E2E "\",\"valor\":\"0.00\",\"horario\":\"2026-11-28T14:03:27Z\"}"),
                        "m.json:1: document 1, valor: expected an amount greater than zero, found '0.00'");
    assert_string_equal(mem_error("{\"endToEndId\":\"" E2E "\",\"valor\":\"-1.00\",\"horario\":\"2026-11-28T14:03:27Z\"}"),
                        "m.json:1: document 1, valor: expected an amount such as \"110.00\" (1 to 10 digits, '.', 2 "
                        "decimals), found '-1.00'");
    assert_string_equal(mem_error("{\"endToEndId\":\"" E2E "\",\"valor\":\"12345678901.00\",\"horario\":\"2026-11-28T14:03:27Z\"}"),
                        "m.json:1: document 1, valor: expected an amount such as \"110.00\" (1 to 10 digits, '.', 2 "
                        "decimals), found '12345678901.00'");
    assert_string_equal(mem_error("{\"endToEndId\":\"" E2E "\",\"horario\":\"2026-11-28T14:03:27Z\"}"),
                        "m.json:1: document 1, valor: expected an amount as a decimal string such as \"110.00\", "
                        "found none");
    assert_string_equal(mem_error("{\"endToEndId\":\"" E2E "\",\"valor\":\"1.00\",\"horario\":\"2026-02-29T14:03:27Z\"}"),
                        "m.json:1: document 1, horario: expected an RFC 3339 timestamp such as "
                        "\"2020-09-09T20:15:00.358Z\", found '2026-02-29T14:03:27Z'");
    assert_string_equal(mem_error("{\"endToEndId\":null,\"valor\":\"1.00\",\"horario\":\"2026-11-28T14:03:27Z\"}"),
                        "m.json:1: document 1, endToEndId: expected an end-to-end id (E or D, 8-character ISPB, "
                        "yyyyMMddHHmm, 11 letters or digits), found null");
    assert_string_equal(mem_error(PIX1(",\"infoPagador\":42")),
                        "m.json:1: document 1, infoPagador: expected a string, found the number 42");
    assert_string_equal(mem_error(PIX1(",\"devolucoes\":true")),
                        "m.json:1: document 1, devolucoes: expected an array of refunds, found true");
    assert_string_equal(mem_error(PIX1(",\"devolucoes\":[{\"id\":\"a-b\",\"rtrId\":\"D18236120202611281403aB3dE5fG7h9\","
                                       "\"valor\":\"1.00\",\"horario\":{},\"status\":\"DEVOLVIDO\"}]")),
                        "m.json:1: document 1, devolucoes[0].id: expected the refund id given by the receiver (1 to 35 "
                        "letters or digits), found 'a-b'");
    assert_string_equal(mem_error(PIX1(",\"devolucoes\":[{\"id\":\"ab\",\"rtrId\":\"D18236120202611281403aB3dE5fG7h9\","
                                       "\"valor\":\"1.00\",\"horario\":{},\"status\":\"DEVOLVIDO\"}]")),
                        "m.json:1: document 1, devolucoes[0].horario.solicitacao: expected an RFC 3339 timestamp such "
                        "as \"2020-09-09T20:15:00.358Z\", found none");
    assert_string_equal(mem_error(PIX1(",\"status\":\"PAGO\"")),
                        "m.json:1: document 1, status: expected no status on a received Pix, or REALIZADO, "
                        "NAO_REALIZADO or EM_PROCESSAMENTO (an outgoing Pix, skipped), found 'PAGO'");
    assert_string_equal(mem_error("{\"parametros\":{},\"cobs\":[{\"txid\":\"abc\"}]}"),
                        "m.json:1: document 1, cobs[0].status: expected a cob/cobv response with its status (ATIVA, "
                        "CONCLUIDA, ...), found none (a request body, such as PUT /cobv, is not a settlement file)");
    assert_string_equal(mem_error("{\"pix\":[]}\n{\"pix\":[]}\n   x"),
                        "m.json:3:4: expected '{' starting API Pix JSON document 3, found 'x'");
    /* a Pix inside a cob of a GET /cobv list: its path, and the cob's txid */
    const char *list = "{\"parametros\":{},\"cobs\":[{\"txid\":\"abc\",\"status\":\"ATIVA\"},"
                       "{\"txid\":\"CobV2\",\"status\":\"CONCLUIDA\",\"pix\":[" PIX1("") "]}]}";
    got *g = read_mem(list, strlen(list));
    assert_int_equal(g->rc, 0);
    assert_int_equal(g->n, 1);
    assert_string_equal(g->r[0].txid, "CobV2");
    got_free(g);
    const char *bad = "{\"parametros\":{},\"cobs\":[{\"txid\":\"CobV2\",\"status\":\"CONCLUIDA\",\"pix\":["
                      "{\"endToEndId\":\"" E2E "\",\"valor\":\"1\",\"horario\":\"2026-11-28T14:03:27Z\"}]}]}";
    assert_string_equal(mem_error(bad), "m.json:1: document 1, cobs[0].pix[0].valor: expected an amount such as "
                                        "\"110.00\" (1 to 10 digits, '.', 2 decimals), found '1'");
    /* componentesValor that do not add up: read, with a warning */
    const char *odd = PIX1(",\"componentesValor\":{\"original\":{\"valor\":\"9.00\"},\"desconto\":{\"valor\":\"1.00\"}}");
    g = read_mem(odd, strlen(odd));
    assert_int_equal(g->rc, 0);
    assert_int_equal(g->n, 1);
    assert_int_equal(g->r[0].amount_face_cents, 900);
    assert_int_equal(g->r[0].discount_cents, 100);
    assert_int_equal(g->info.xcheck_mismatches, 1);
    assert_string_equal(g->w[0], "m.json:1:1: warning: money does not add up: amount paid 1000 != face 900 + interest 0 "
                                 "+ other credits 0 - discount 100 - rebate 0 = 800 (the record is read as the bank "
                                 "sent it)");
    got_free(g);
    /* the 2.0.0 pagador with a numeric CNPJ; an alphanumeric one must end in 2 digits */
    const char *pj = PIX1(",\"pagador\":{\"cnpj\":\"12345678000195\",\"nome\":\"Empresa de Servi\\u00e7os SA\"}");
    g = read_mem(pj, strlen(pj));
    assert_int_equal(g->rc, 0);
    assert_string_equal(g->r[0].payer_doc, "12345678000195");
    assert_string_equal(g->r[0].payer_name, "Empresa de Servi\xC3\xA7os SA");
    assert_int_equal(g->info.warnings, 0);
    got_free(g);
    const char *pjx = PIX1(",\"pagador\":{\"cnpj\":\"12ABC34501DE3X\",\"nome\":\"X\"}");
    g = read_mem(pjx, strlen(pjx));
    assert_int_equal(g->rc, 0);
    assert_string_equal(g->r[0].payer_doc, "");
    assert_string_equal(g->w[0], "m.json:1:1: warning: document 1, pagador.cnpj: expected a CNPJ (14 characters "
                                 "[0-9A-Z], the last 2 digits), found 14 characters that are not one (masked by the "
                                 "PSP?); payer_doc left empty");
    got_free(g);
    /* a txid of "" or null is no txid; RFC 3339 with an offset and a fraction */
    const char *ok = "{\"endToEndId\":\"" E2E "\",\"txid\":\"\",\"valor\":\"0000000001.50\","
                     "\"horario\":\"2026-11-28T23:30:00.123456+05:30\"}";
    g = read_mem(ok, strlen(ok));
    assert_int_equal(g->rc, 0);
    assert_string_equal(g->r[0].txid, "");
    assert_int_equal(g->r[0].amount_paid_cents, 150);
    assert_int_equal(g->r[0].settled_at, 1795888800);
    assert_date(g->r[0].occurred_on, 2026, 11, 28);
    got_free(g);
}

/* ---- bounds -------------------------------------------------------------------------- */

static void test_bounds(void **state)
{
    (void)state;
    /* one document over PIXAPI_MAX_DOC */
    size_t n = (size_t)PIXAPI_MAX_DOC + 100;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    memcpy(big, "{\"pix\":\"", 8);
    memcpy(big + n - 2, "\"}", 2);
    big[n] = '\0';
    got *g = read_mem(big, n);
    assert_int_equal(g->rc, -1);
    assert_string_equal(g->e.msg, "m.json:1:16777217: expected a JSON document of at most 16777216 bytes, found a "
                                  "longer one (document 1, from line 1)");
    got_free(g);
    free(big);

    /* nesting deeper than PIXAPI_MAX_DEPTH */
    char deep[200] = "{\"a\":";
    for (int i = 0; i < 40; i++)
        strcat(deep, "[");
    assert_string_equal(mem_error(deep), "m.json:1:37: expected JSON nested at most 32 deep, found deeper (document 1)");

    /* --format pix-api on a CSV */
    got *c = read_path("tests/fixtures/pix/canonical.csv", "canonical.csv", FMT_PIX_API);
    assert_int_equal(c->rc, -1);
    assert_string_equal(c->e.msg, "canonical.csv:1:1: expected '{' starting API Pix JSON document 1, found 'e'");
    got_free(c);
}

/* A page of 3000 Pix (about 400 KB, more than the parser's input buffer)
 * and 2000 JSON Lines documents: documents cut across buffers. */
static void test_across_buffers(void **state)
{
    (void)state;
    char path[] = "/tmp/settle-pixapi-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("{\"parametros\":{},\n \"pix\":[", f);
    for (int i = 0; i < 3000; i++)
        fprintf(f, "%s{\"endToEndId\":\"E18236120202611281403%011d\",\"txid\":\"T%d\",\"valor\":\"%d.%02d\","
                   "\"horario\":\"2026-11-28T14:03:27-03:00\",\"infoPagador\":\"pedido %d\"}\n",
                i ? "," : "", i, i, i + 1, i % 100, i);
    fputs("]}\n", f);
    for (int i = 0; i < 2000; i++)
        fprintf(f, "{\"endToEndId\":\"E60701190202611290207%011d\",\"valor\":\"1.00\",\"horario\":\"2026-11-29T02:07:00Z\"}\n", i);
    fclose(f);
    got *g = read_path(path, "big.json", FMT_UNKNOWN);
    unlink(path);
    if (g->rc < 0)
        fail_msg("%s", g->e.msg);
    assert_int_equal(g->n, 5000);
    assert_int_equal(g->r[2999].line, 1);
    assert_string_equal(g->r[2999].txid, "T2999");
    assert_int_equal(g->r[2999].amount_paid_cents, 300099);
    assert_string_equal(g->r[2999].end_to_end_id, "E1823612020261128140300000002999");
    assert_int_equal(g->r[3000].line, 3003);
    assert_int_equal(g->r[4999].line, 5002);
    assert_string_equal(g->r[4999].end_to_end_id, "E6070119020261129020700000001999");
    got_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cob_concluida), cmocka_unit_test(test_pix_e2eid),
        cmocka_unit_test(test_webhook),       cmocka_unit_test(test_no_pix),
        cmocka_unit_test(test_official_refused), cmocka_unit_test(test_cobv_paid_late),
        cmocka_unit_test(test_psp_extensions), cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_bad_fixtures),  cmocka_unit_test(test_rules),
        cmocka_unit_test(test_bounds),        cmocka_unit_test(test_across_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
