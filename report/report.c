/* report.c - the report stage (`settle report`, the run's last step): the
 * day's exceptions for finance.
 *
 * Writes exceptions-YYYYMMDD.csv (spreadsheet) and exceptions-YYYYMMDD.html
 * (one self-contained page: no scripts, no fonts, no links to fetch) into
 * SPOOL/reports/ or --output DIR.
 *
 * "The day" is a UTC calendar day (the database session runs in UTC). The
 * exceptions listed are those open at the end of that day: created before
 * it ended and not resolved by then, so a report for a past day is the same
 * whenever it is run. The summary counts what happened during the day.
 *
 * Text is in Portuguese (the readers are the finance team); --locale only
 * chooses number and date formats: pt_BR (default) 1.234,56 and DD/MM/YYYY,
 * CSV separated by ';' with a UTF-8 BOM for Excel; C 1234.56 and YYYY-MM-DD,
 * CSV separated by ',' without BOM. CPF/CNPJ are masked unless --unmask. */
#include <limits.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/csvout.h"
#include "common/db.h"
#include "common/fmt.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/outfile.h"
#include "report/report.h"

SQL_QUERY(report_cards);


/* What finance does about each reason (docs/reconciliation.md names them). */
static const struct reason_info {
    const char *code, *label, *action;
} reasons[] = {
    { "UNKNOWN_PAYMENT", "Pagamento não identificado",
      "Identificar o pagador pelo documento ou mensagem; vincular ao pedido certo ou devolver o valor" },
    { "UNDERPAID", "Pago a menor", "Cobrar a diferença do cliente ou aceitar o valor pago e dar baixa" },
    { "OVERPAID", "Pago a maior", "Devolver o excedente ao cliente ou registrar como crédito" },
    { "DUPLICATE_PAYMENT", "Pagamento em duplicidade", "Devolver o segundo pagamento ao cliente" },
    { "PAYMENT_NOT_PENDING", "Pedido não pendente",
      "Pedido cancelado ou expirado recebeu pagamento: reativar e faturar, ou devolver" },
    { "AMBIGUOUS_MATCH", "Mais de um pedido possível",
      "Escolher o pagamento certo entre os candidatos (detalhe) e resolver manualmente" },
    { "BANK_REJECTED", "Rejeitado pelo banco", "Corrigir o título rejeitado e reenviar a remessa ao banco" },
    { "PIX_REFUND", "Devolução Pix", "Conferir a devolução e estornar o pedido e a nota fiscal" },
    { "CHEQUE_RETURNED", "Cheque devolvido", "Reabrir a cobrança e contatar o cliente" },
    { "LIQUIDATION_UNCONFIRMED", "Baixa por liquidação sem valor",
      "O banco baixou o título como liquidado sem informar valor: conferir o crédito (Pix ou pagamento direto "
      "à empresa) no extrato; o Pix conciliado dá baixa no pedido; depois, ignorar" },
    { "LIQUIDATION_REVERSED", "Liquidação estornada pelo banco",
      "O banco estornou a liquidação: conferir o extrato, reabrir a cobrança e, se já faturado, avisar o faturamento" },
    { "PIX_REFUND_MED", "Devolução Pix MED (pedida pelo banco do pagador)",
      "Devolução forçada pelo Mecanismo Especial de Devolução (fraude ou falha operacional): conferir com o PSP, "
      "contestar se indevida, estornar o pedido e a nota fiscal" },
    { "CARD_SALE_MISSING", "Venda no cartão não informada pela credenciadora",
      "A captura registrada no pedido não apareceu no arquivo de vendas da credenciadora: conferir no portal "
      "(Cielo/Rede) se a venda foi confirmada; se não foi, cancelar o pedido" },
    { "FEE_MISMATCH", "Taxa do cartão diferente da contratada",
      "A taxa (MDR) cobrada difere da contratada: conferir o contrato e contestar a diferença com a credenciadora" },
    { "RECEIVABLE_OVERDUE", "Parcela do cartão não paga na data",
      "A parcela prevista não foi paga: conferir a agenda no portal da credenciadora (antecipação, cessão, "
      "bloqueio judicial) e cobrar o repasse" },
    { "PAYOUT_MISMATCH", "Repasse do cartão diferente do previsto",
      "O valor pago pela credenciadora não corresponde às parcelas previstas: conferir o extrato de pagamentos "
      "e os ajustes e contestar a diferença" },
    { "CARD_CANCELED", "Venda no cartão cancelada sem pedido da loja",
      "A credenciadora cancelou uma venda que a loja não cancelou: confirmar com a credenciadora, bloquear a "
      "entrega se ainda não enviada e estornar a nota fiscal" },
    { "CHARGEBACK", "Chargeback (contestação do portador)",
      "O portador contestou a compra: reunir comprovantes de entrega e contestar no prazo da credenciadora, "
      "ou aceitar e estornar o pedido" },
    { "CHARGEBACK_REVERSED", "Chargeback revertido",
      "A contestação foi revertida a favor da loja: conferir o crédito no próximo repasse e encerrar a disputa" },
};
#define N_REASONS ((int)(sizeof reasons / sizeof reasons[0]))

const char *report_reason_label(const char *code)
{
    for (int i = 0; i < N_REASONS; i++)
        if (!strcmp(reasons[i].code, code))
            return reasons[i].label;
    return NULL;
}

int report_n_reasons(void)
{
    return N_REASONS;
}

static const struct reason_info *reason_find(const char *code)
{
    for (int i = 0; i < N_REASONS; i++)
        if (!strcmp(reasons[i].code, code))
            return &reasons[i];
    return NULL;
}


/* Columns of the open-exceptions query. */
enum { X_ID, X_REASON, X_OPENED, X_AGE, X_NAME, X_DOC, X_ORDER, X_PAYMENT, X_EXPECTED, X_PAID,
       X_BANK, X_FILE, X_LINE, X_DETAIL, X_NCOLS };

static const char open_sql[] =
    "SELECT e.id, e.reason, to_char(e.created_at, 'YYYY-MM-DD'), $1::date - e.created_at::date,"
    "       coalesce(p.customer_name, s.payer_name, ''), coalesce(p.customer_doc, s.payer_doc, ''),"
    "       coalesce(p.order_id, ''), coalesce(e.payment_id::text, ''),"
    "       coalesce(e.expected_cents, p.amount_cents), coalesce(e.paid_cents, s.amount_paid_cents),"
    "       coalesce(s.bank_code, f.bank_code, s.format, ''), coalesce(f.name, ''), e.line, coalesce(e.detail, '')"
    "  FROM exceptions e"       /* CARD_SALE_MISSING has no settlement nor file */
    "  LEFT JOIN settlements s ON s.id = e.settlement_id"
    "  LEFT JOIN return_files f ON f.id = e.file_id"
    "  LEFT JOIN payments p ON p.id = e.payment_id"
    " WHERE e.created_at < $1::date + 1 AND (e.status = 'open' OR e.resolved_at >= $1::date + 1)"
    " ORDER BY e.created_at, e.id";

/* The day's summary, one row. */
enum { S_FILES, S_REJECTED, S_SETTLEMENTS, S_SETTLED_CENTS, S_PAID, S_PAID_CENTS, S_OPENED, S_RESOLVED, S_NCOLS };

static const char summary_sql[] =
    "WITH f AS (SELECT id, status FROM return_files WHERE received_at >= $1::date AND received_at < $1::date + 1),"
    " s AS (SELECT s.* FROM settlements s JOIN f ON f.id = s.file_id)"
    " SELECT (SELECT count(*) FROM f),"
    "        (SELECT count(*) FROM f WHERE status = 'rejected'),"
    "        (SELECT count(*) FROM s),"
    "        (SELECT coalesce(sum(amount_paid_cents), 0) FROM s WHERE paid),"
    "        (SELECT count(*) FROM settlement_outcomes WHERE outcome = 'paid'"
    "            AND decided_at >= $1::date AND decided_at < $1::date + 1),"
    "        (SELECT coalesce(sum(coalesce(o.paid_cents, s.amount_paid_cents)), 0)"
    "           FROM settlement_outcomes o JOIN settlements s ON s.id = o.settlement_id"
    "          WHERE o.outcome = 'paid' AND o.decided_at >= $1::date AND o.decided_at < $1::date + 1),"
    "        (SELECT count(*) FROM exceptions WHERE created_at >= $1::date AND created_at < $1::date + 1),"
    "        (SELECT count(*) FROM exceptions WHERE resolved_at >= $1::date AND resolved_at < $1::date + 1)";

static char *money(const report_opts *o, const char *cents, char *buf)
{
    if (!cents || !*cents) {
        buf[0] = '\0';
        return buf;
    }
    return fmt_money(strtoll(cents, NULL, 10), o->locale_c ? '.' : ',', o->locale_c ? ',' : '.', buf);
}

/* CSV amounts: no grouping, so spreadsheets read them as numbers. */
static char *money_csv(const report_opts *o, const char *cents, char *buf)
{
    if (!cents || !*cents) {
        buf[0] = '\0';
        return buf;
    }
    return fmt_money(strtoll(cents, NULL, 10), o->locale_c ? '.' : ',', 0, buf);
}

static const char *date_out(const report_opts *o, const char *iso, char *buf, size_t n)
{
    if (o->locale_c) {
        snprintf(buf, n, "%s", iso);
        return buf;
    }
    if (fmt_date_br(iso, buf, n))
        snprintf(buf, n, "%s", iso);
    return buf;
}

static int report_csv(const report_opts *o, PGresult *x, FILE *f)
{
    static const char *const head[] = {
        "id", "motivo", "descricao", "aberta_em", "idade_dias", "cliente", "documento", "pedido", "pagamento",
        "valor_esperado", "valor_pago", "banco", "arquivo", "linha", "acao_sugerida", "detalhe",
    };
    const int nh = (int)(sizeof head / sizeof head[0]);
    char sep = o->locale_c ? ',' : ';';
    if (!o->locale_c)
        fputs("\xEF\xBB\xBF", f);
    int bad = csvout_row(f, sep, "\r\n", head, nh);
    for (int i = 0; i < PQntuples(x) && !bad; i++) {
        char exp[FMT_MONEY_MAX], paid[FMT_MONEY_MAX], day[16], doc[64];
        const struct reason_info *ri = reason_find(PQgetvalue(x, i, X_REASON));
        const char *row[] = {
            PQgetvalue(x, i, X_ID), PQgetvalue(x, i, X_REASON), ri ? ri->label : "",
            date_out(o, PQgetvalue(x, i, X_OPENED), day, sizeof day), PQgetvalue(x, i, X_AGE),
            PQgetvalue(x, i, X_NAME), fmt_doc(PQgetvalue(x, i, X_DOC), o->unmask, doc, sizeof doc),
            PQgetvalue(x, i, X_ORDER), PQgetvalue(x, i, X_PAYMENT),
            money_csv(o, PQgetvalue(x, i, X_EXPECTED), exp), money_csv(o, PQgetvalue(x, i, X_PAID), paid),
            PQgetvalue(x, i, X_BANK), PQgetvalue(x, i, X_FILE), PQgetvalue(x, i, X_LINE),
            ri ? ri->action : "", PQgetvalue(x, i, X_DETAIL),
        };
        bad = csvout_row(f, sep, "\r\n", row, nh);
    }
    return bad;
}

/* Totals of the open exceptions by reason, in reasons[] order. */
typedef struct reason_total {
    long long count;
    int64_t cents;
} reason_total;

static void base64(const unsigned char *in, size_t len, FILE *out)
{
    /* EVP_EncodeBlock takes int lengths: go in 3-byte-aligned chunks. */
    unsigned char buf[4 * 1024 + 8];
    for (size_t off = 0; off < len; off += 3 * 1024) {
        size_t n = len - off < 3 * 1024 ? len - off : 3 * 1024;
        int w = EVP_EncodeBlock(buf, in + off, (int)n);
        fwrite(buf, 1, (size_t)w, out);
    }
}

/* The bar chart as an SVG document (bar length proportional to the count;
 * the label gives count and amount). Only codes and numbers go in it. */
static char *report_svg(const report_opts *o, const reason_total *t, size_t *len)
{
    char *svg = NULL;
    FILE *f = open_memstream(&svg, len);
    if (!f)
        return NULL;
    long long max = 0;
    int rows = 0;
    for (int i = 0; i < N_REASONS; i++) {
        if (t[i].count > max)
            max = t[i].count;
        if (t[i].count)
            rows++;
    }
    const int bar_x = 190, bar_w = 300, row_h = 26, width = 720;
    int height = rows ? rows * row_h + 10 : 36;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"sans-serif\" font-size=\"12\">", width, height, width, height);
    if (!rows)
        fprintf(f, "<text x=\"4\" y=\"22\">nenhuma exceção aberta</text>");
    int y = 6;
    for (int i = 0; i < N_REASONS; i++) {
        if (!t[i].count)
            continue;
        long long w = max ? (long long)bar_w * t[i].count / max : 0;
        if (w < 2)
            w = 2;
        char m[FMT_MONEY_MAX];
        fmt_money(t[i].cents, o->locale_c ? '.' : ',', o->locale_c ? ',' : '.', m);
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", bar_x - 8, y + 15, reasons[i].code);
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%lld\" height=\"%d\" fill=\"#c0392b\"/>", bar_x, y, w, row_h - 8);
        fprintf(f, "<text x=\"%lld\" y=\"%d\">%lld · R$ %s</text>", bar_x + w + 6, y + 15, t[i].count, m);
        y += row_h;
    }
    fputs("</svg>", f);
    if (fclose(f) != 0) {
        free(svg);
        return NULL;
    }
    return svg;
}

static void td(FILE *f, const char *cls, const char *text)
{
    if (cls)
        fprintf(f, "<td class=\"%s\">", cls);
    else
        fputs("<td>", f);
    fmt_html_escape(f, text);
    fputs("</td>", f);
}

/* The card section (sql/queries/report_cards.sql): per acquirer, the
 * installments due and overdue, anticipated or sold, paid; fees charged
 * against the contract; open chargebacks. Nothing when there are no cards. */
static void report_cards_html(const report_opts *o, const PGresult *c, FILE *f)
{
    static const struct { const char *item, *label; } items[] = {
        { "due", "Parcelas a receber" },
        { "overdue", "Parcelas vencidas sem pagamento" },
        { "anticipated", "Parcelas antecipadas ou cedidas (fora do extrato da loja)" },
        { "paid", "Parcelas pagas" },
        { "fee_charged", "Taxas cobradas (parcelas com taxa contratada)" },
        { "fee_contract", "Taxas contratadas das mesmas parcelas" },
        { "chargeback", "Chargebacks em aberto" },
    };
    if (!c || !PQntuples(c))
        return;
    char m[FMT_MONEY_MAX], n[24];
    fputs("<h2>Cartões: recebíveis, taxas e chargebacks</h2>\n<table>\n"
          "<tr><th>Credenciadora</th><th>Item</th><th>Quantidade</th><th>Valor (R$)</th></tr>\n", f);
    for (int i = 0; i < PQntuples(c); i++) {
        const char *label = PQgetvalue(c, i, 1);
        for (size_t k = 0; k < sizeof items / sizeof items[0]; k++)
            if (!strcmp(items[k].item, label))
                label = items[k].label;
        fputs("<tr>", f);
        td(f, NULL, !strcmp(PQgetvalue(c, i, 0), "cielo") ? "Cielo" : !strcmp(PQgetvalue(c, i, 0), "rede") ? "Rede"
                                                                                                            : PQgetvalue(c, i, 0));
        td(f, NULL, label);
        snprintf(n, sizeof n, "%s", PQgetvalue(c, i, 2));
        td(f, "n", n);
        td(f, "n", money(o, PQgetvalue(c, i, 3), m));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static int report_html(const report_opts *o, PGresult *sum, PGresult *x, const PGresult *cards, FILE *f,
                       const char *generated)
{
    char day[16], m[FMT_MONEY_MAX];
    reason_total tot[N_REASONS];
    memset(tot, 0, sizeof tot);
    long long n_open = 0;
    int64_t open_cents = 0;
    for (int i = 0; i < PQntuples(x); i++) {
        const char *code = PQgetvalue(x, i, X_REASON);
        int64_t c = strtoll(PQgetvalue(x, i, X_PAID), NULL, 10);
        for (int k = 0; k < N_REASONS; k++)
            if (!strcmp(reasons[k].code, code)) {
                tot[k].count++;
                tot[k].cents += c;
            }
        n_open++;
        open_cents += c;
    }

    date_out(o, o->date, day, sizeof day);
    fputs("<!DOCTYPE html>\n<html lang=\"pt-BR\">\n<head>\n<meta charset=\"utf-8\">\n", f);
    fprintf(f, "<title>Conciliação: exceções de %s</title>\n", day);
    fputs("<style>\n"
          "body{font-family:sans-serif;margin:24px;color:#222}\n"
          "h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ccc}\n"
          "table{border-collapse:collapse;font-size:13px}\n"
          "th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}\n"
          "th{background:#f3f3f3}td.n{text-align:right;white-space:nowrap}td.k{white-space:nowrap}\n"
          ".meta{color:#666;font-size:12px}.lgpd{color:#666;font-size:12px}\n"
          "</style>\n</head>\n<body>\n", f);
    fprintf(f, "<h1>Conciliação bancária: exceções de %s</h1>\n", day);
    fprintf(f, "<p class=\"meta\">Gerado em %s (UTC). Dia de referência em UTC.", generated);
    fputs(o->unmask ? " CPF/CNPJ exibidos por completo (uso autorizado).</p>\n"
                    : " CPF/CNPJ mascarados (LGPD).</p>\n", f);

    fputs("<h2>Resumo do dia</h2>\n<table id=\"summary\">\n", f);
    static const struct { const char *id, *label; int col, is_money; } srows[] = {
        { "files", "Arquivos de retorno recebidos", S_FILES, 0 },
        { "files-rejected", "Arquivos rejeitados", S_REJECTED, 0 },
        { "settlements", "Registros (liquidações) lidos", S_SETTLEMENTS, 0 },
        { "settled", "Valor liquidado (R$)", S_SETTLED_CENTS, 1 },
        { "payments-paid", "Pagamentos baixados", S_PAID, 0 },
        { "payments-paid-amount", "Valor baixado (R$)", S_PAID_CENTS, 1 },
        { "exceptions-opened", "Exceções abertas no dia", S_OPENED, 0 },
        { "exceptions-resolved", "Exceções resolvidas no dia", S_RESOLVED, 0 },
    };
    for (size_t i = 0; i < sizeof srows / sizeof srows[0]; i++) {
        const char *v = PQgetvalue(sum, 0, srows[i].col);
        fprintf(f, "<tr><th>%s</th><td class=\"n\" id=\"%s\">%s</td></tr>\n", srows[i].label, srows[i].id,
                srows[i].is_money ? money(o, v, m) : v);
    }
    fprintf(f, "<tr><th>Exceções em aberto ao fim do dia</th><td class=\"n\" id=\"exceptions-open\">%lld</td></tr>\n",
            n_open);
    fputs("</table>\n", f);

    fputs("<h2>Exceções em aberto por motivo</h2>\n"
          "<table id=\"by-reason\">\n<tr><th>Motivo</th><th>Descrição</th><th>Quantidade</th><th>Valor recebido (R$)</th></tr>\n",
          f);
    for (int k = 0; k < N_REASONS; k++) {
        if (!tot[k].count)
            continue;
        fprintf(f, "<tr id=\"reason-%s\"><td>%s</td><td>%s</td><td class=\"n\">%lld</td><td class=\"n\">%s</td></tr>\n",
                reasons[k].code, reasons[k].code, reasons[k].label, tot[k].count,
                fmt_money(tot[k].cents, o->locale_c ? '.' : ',', o->locale_c ? ',' : '.', m));
    }
    fprintf(f, "<tr id=\"reason-total\"><th colspan=\"2\">Total</th><td class=\"n\">%lld</td><td class=\"n\">%s</td></tr>\n"
               "</table>\n",
            n_open, fmt_money(open_cents, o->locale_c ? '.' : ',', o->locale_c ? ',' : '.', m));

    /* The chart goes in as an SVG image in a data: URI: still one file with
     * nothing to fetch, and valid for HTML parsers that predate inline SVG. */
    size_t svg_len = 0;
    char *svg = report_svg(o, tot, &svg_len);
    if (!svg)
        return -1;
    fputs("<p><img id=\"chart\" alt=\"Gráfico de barras: exceções em aberto por motivo\" src=\"data:image/svg+xml;base64,", f);
    base64((const unsigned char *)svg, svg_len, f);
    fputs("\"></p>\n", f);
    free(svg);

    fputs("<h2>Exceções em aberto</h2>\n", f);
    if (!PQntuples(x)) {
        fputs("<p>Nenhuma exceção em aberto.</p>\n", f);
    } else {
        fputs("<table id=\"open\">\n<tr><th>#</th><th>Motivo</th><th>Cliente</th><th>CPF/CNPJ</th><th>Pedido</th>"
              "<th>Valor esperado (R$)</th><th>Valor pago (R$)</th><th>Banco</th><th>Arquivo:linha</th>"
              "<th>Aberta em</th><th>Idade (dias)</th><th>Ação sugerida</th></tr>\n", f);
        for (int i = 0; i < PQntuples(x); i++) {
            const struct reason_info *ri = reason_find(PQgetvalue(x, i, X_REASON));
            char doc[64], opened[16], where[PATH_MAX + 32];
            fputs("<tr>", f);
            td(f, "n", PQgetvalue(x, i, X_ID));
            fputs("<td>", f);
            fmt_html_escape(f, PQgetvalue(x, i, X_REASON));
            if (ri) {
                fputs("<br>", f);
                fmt_html_escape(f, ri->label);
            }
            fputs("</td>", f);
            td(f, NULL, PQgetvalue(x, i, X_NAME));
            td(f, "k", fmt_doc(PQgetvalue(x, i, X_DOC), o->unmask, doc, sizeof doc));
            td(f, "k", PQgetvalue(x, i, X_ORDER));
            td(f, "n", money(o, PQgetvalue(x, i, X_EXPECTED), m));
            td(f, "n", money(o, PQgetvalue(x, i, X_PAID), m));
            td(f, NULL, PQgetvalue(x, i, X_BANK));
            snprintf(where, sizeof where, "%s:%s", PQgetvalue(x, i, X_FILE), PQgetvalue(x, i, X_LINE));
            td(f, NULL, where);
            td(f, "k", date_out(o, PQgetvalue(x, i, X_OPENED), opened, sizeof opened));
            td(f, "n", PQgetvalue(x, i, X_AGE));
            fputs("<td>", f);
            fmt_html_escape(f, ri ? ri->action : "");
            if (*PQgetvalue(x, i, X_DETAIL)) {
                fputs("<br><small>", f);
                fmt_html_escape(f, PQgetvalue(x, i, X_DETAIL));
                fputs("</small>", f);
            }
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }
    report_cards_html(o, cards, f);
    fputs("</body>\n</html>\n", f);
    return ferror(f) ? -1 : 0;
}

int report_valid_date(const char *s)
{
    int y, mo, d;
    char extra;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &mo, &d, &extra) != 3 || s[4] != '-' || s[7] != '-')
        return 0;
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
        return 0;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 0;
    return 1;
}

/* Render into memory, then publish atomically: a reader never sees half a report. */
static int report_write(const char *dir, const char *name, const char *data, size_t len, err_t *e)
{
    return outfile_publish(dir, name, data, len, e);
}

int report_run(const config *cfg, const report_opts *opts)
{
    report_opts o = { 0 };
    if (opts)
        o = *opts;
    const char *output = o.output;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    if (!o.date[0])
        strftime(o.date, sizeof o.date, "%Y-%m-%d", &tm);
    char generated[32];
    strftime(generated, sizeof generated, "%Y-%m-%d %H:%M:%S", &tm);

    err_t e = { 0 };
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", output ? output : "");
    if (!output)
        snprintf(dir, sizeof dir, "%s/reports", cfg->spool_dir);
    if (outfile_mkdirs(dir, &e)) {
        log_msg(LOG_ERROR, "report", NULL, "%s", e.msg);
        return e.code;
    }
    PGconn *db = db_connect(cfg, &e);
    if (!db) {
        log_msg(LOG_ERROR, "report", NULL, "%s", e.msg);
        return e.code;
    }
    const char *params[] = { o.date };
    PGresult *sum = NULL, *x = NULL, *cards = NULL;
    char *csv = NULL, *html = NULL;
    size_t csv_len = 0, html_len = 0;
    int rc = 0;
    sum = db_query(db, &e, summary_sql, 1, params);
    if (sum)
        x = db_query(db, &e, open_sql, 1, params);
    if (x)
        cards = db_query(db, &e, sqlq_report_cards, 1, params);
    if (!sum || !x || !cards) {
        rc = e.code;
        goto done;
    }
    FILE *fc = open_memstream(&csv, &csv_len);
    FILE *fh = open_memstream(&html, &html_len);
    int bad = !fc || !fh;
    if (!bad)
        bad = report_csv(&o, x, fc) | report_html(&o, sum, x, cards, fh, generated);
    if (fc && fclose(fc))
        bad = 1;
    if (fh && fclose(fh))
        bad = 1;
    if (bad) {
        rc = err_set(&e, EX_SOFTWARE, "out of memory rendering the report");
        goto done;
    }
    char ymd[9], csv_name[64], html_name[64];
    snprintf(ymd, sizeof ymd, "%.4s%.2s%.2s", o.date, o.date + 5, o.date + 8);
    snprintf(csv_name, sizeof csv_name, "exceptions-%s.csv", ymd);
    snprintf(html_name, sizeof html_name, "exceptions-%s.html", ymd);
    if (report_write(dir, csv_name, csv, csv_len, &e) || report_write(dir, html_name, html, html_len, &e)) {
        rc = e.code;
        goto done;
    }
    log_msg(LOG_INFO, "report", KV(KV_S("date", o.date), KV_I("open_exceptions", PQntuples(x)), KV_S("dir", dir)),
            "report written");
    for (int i = 0; i < PQntuples(x); i++)
        metrics_add("reason", PQgetvalue(x, i, X_REASON), "OpenExceptions", 1);
    printf("%s/%s\n%s/%s\n", dir, csv_name, dir, html_name);
done:
    if (rc)
        log_msg(LOG_ERROR, "report", NULL, "%s", e.msg);
    PQclear(sum);
    PQclear(x);
    PQclear(cards);
    free(csv);
    free(html);
    PQfinish(db);
    return rc;
}
