/* report.c - the report stage (`settle report`, the run's last step): the
 * day's exceptions for finance.
 *
 * Writes exceptions-YYYYMMDD.xlsx (the workbook finance works in: report/xlsx.c),
 * exceptions-YYYYMMDD.csv (the same open-exceptions columns, for other
 * tools and spreadsheets) and exceptions-YYYYMMDD.html (one self-contained
 * page: no scripts, no fonts, no links to fetch) into SPOOL/reports/ or
 * --output DIR. What each column means: docs/report.md.
 *
 * "The day" is a UTC calendar day (the database session runs in UTC). The
 * exceptions listed are those open at the end of that day: created before
 * it ended and not resolved by then, so a report for a past day is the same
 * whenever it is run. The summary counts what happened during the day.
 *
 * Text is in Portuguese (the readers are the finance team); --locale only
 * chooses number and date formats: pt_BR (default) 1.234,56 and DD/MM/YYYY,
 * CSV separated by ';' with a UTF-8 BOM for Excel, codes of digits written
 * as ="001" so a spreadsheet keeps their zeros; C 1234.56 and YYYY-MM-DD,
 * CSV separated by ',' without BOM, codes as they are (for programs).
 * CPF/CNPJ are masked unless --unmask. The workbook has no locale: numbers,
 * dates and the R$ format are stored as such and shown in the reader's. */
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/csvout.h"
#include "common/db.h"
#include "common/fmt.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/outfile.h"
#include "common/progress.h"
#include "report/db.h"
#include "report/render.h"
#include "report/report.h"


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

const char *report_reason_action(const char *code)
{
    for (int i = 0; i < N_REASONS; i++)
        if (!strcmp(reasons[i].code, code))
            return reasons[i].action;
    return NULL;
}

/* Rows per reason the HTML page shows; the rest are in the workbook (a day
 * with 10,000 exceptions stays a page a phone opens in a second). */
#define HTML_ROWS_PER_REASON 200

const char *report_resolution_pt(const char *how)
{
    return !strcmp(how, "paid") ? "pago" : !strcmp(how, "refund") ? "devolver" : !strcmp(how, "ignore") ? "ignorar" : how;
}

static const char *method_pt(const char *m)
{
    return !strcmp(m, "boleto") ? "boleto" : !strcmp(m, "pix") ? "Pix" : !strcmp(m, "card") ? "cartão" : m;
}

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
    if (o->locale_c || !*iso) {
        snprintf(buf, n, "%s", iso);
        return buf;
    }
    if (fmt_date_br(iso, buf, n))
        snprintf(buf, n, "%s", iso);
    return buf;
}

/* paid - expected in cents as text, "" when either is missing. */
static const char *diff_cents(PGresult *x, int i, char *buf, size_t n)
{
    if (PQgetisnull(x, i, X_EXPECTED) || PQgetisnull(x, i, X_PAID)) {
        buf[0] = '\0';
        return buf;
    }
    snprintf(buf, n, "%lld", strtoll(PQgetvalue(x, i, X_PAID), NULL, 10) - strtoll(PQgetvalue(x, i, X_EXPECTED), NULL, 10));
    return buf;
}

const char *report_open_text(const report_data *d, int i, int col, char *buf, size_t n)
{
    PGresult *x = d->open;
    const report_opts *o = d->o;
    const char *reason = PQgetvalue(x, i, X_REASON);
    char c[32];
    buf[0] = '\0';
    switch (col) {
    case OC_ID: return PQgetvalue(x, i, X_ID);
    case OC_REASON: return reason;
    case OC_LABEL: { const char *l = report_reason_label(reason); return l ? l : ""; }
    case OC_PAYMENT: return PQgetvalue(x, i, X_PAYMENT);
    case OC_ORDER: return PQgetvalue(x, i, X_ORDER);
    case OC_NAME: return PQgetvalue(x, i, X_NAME);
    case OC_DOC: return fmt_doc(PQgetvalue(x, i, X_DOC), o->unmask, buf, n);
    case OC_METHOD: return method_pt(PQgetvalue(x, i, X_METHOD));
    case OC_BANK: return PQgetvalue(x, i, X_BANK);
    case OC_BANK_NAME: return report_bank_name(PQgetvalue(x, i, X_BANK));
    case OC_NOSSO: return PQgetvalue(x, i, X_NOSSO);
    case OC_TXID: return PQgetvalue(x, i, X_TXID);
    case OC_E2E: return PQgetvalue(x, i, X_E2E);
    case OC_DUE: return date_out(o, PQgetvalue(x, i, X_DUE), buf, n);
    case OC_PAID_ON: return date_out(o, PQgetvalue(x, i, X_PAID_ON), buf, n);
    case OC_CREDIT_ON: return date_out(o, PQgetvalue(x, i, X_CREDIT_ON), buf, n);
    case OC_OPENED: return date_out(o, PQgetvalue(x, i, X_OPENED), buf, n);
    case OC_EXPECTED: return money_csv(o, PQgetvalue(x, i, X_EXPECTED), buf);
    case OC_PAID: return money_csv(o, PQgetvalue(x, i, X_PAID), buf);
    case OC_DIFF: return money_csv(o, diff_cents(x, i, c, sizeof c), buf);
    case OC_FEE: return money_csv(o, PQgetvalue(x, i, X_FEE), buf);
    case OC_CREDITED: return money_csv(o, PQgetvalue(x, i, X_CREDITED), buf);
    case OC_FILE: return PQgetvalue(x, i, X_FILE);
    case OC_LINE: return PQgetvalue(x, i, X_LINE);
    case OC_AGE: return PQgetvalue(x, i, X_AGE);
    case OC_BUCKET: return report_age_bucket(strtol(PQgetvalue(x, i, X_AGE), NULL, 10));
    case OC_ACTION: { const char *a = report_reason_action(reason); return a ? a : ""; }
    case OC_DETAIL:
        return report_detail_pt(reason, PQgetvalue(x, i, X_DETAIL),
                                PQgetisnull(x, i, X_EXPECTED) ? "" : PQgetvalue(x, i, X_EXPECTED),
                                PQgetisnull(x, i, X_PAID) ? "" : PQgetvalue(x, i, X_PAID), buf, n);
    default: return ""; /* acao, nota, pagamento_id: finance fills them */
    }
}

/* Codes of digits that a spreadsheet would turn into numbers. */
static int is_code_col(int col)
{
    return col == OC_BANK || col == OC_NOSSO || col == OC_TXID || col == OC_E2E || col == OC_ORDER || col == OC_DOC;
}

static int report_csv(const report_data *d, FILE *f)
{
    const report_opts *o = d->o;
    int nc;
    const report_column *cols = report_open_columns(&nc);
    const char *head[OC_NCOLS];
    for (int k = 0; k < nc; k++)
        head[k] = cols[k].name;
    char sep = o->locale_c ? ',' : ';';
    if (!o->locale_c)
        fputs("\xEF\xBB\xBF", f);
    int bad = csvout_row(f, sep, "\r\n", head, nc);
    char bufs[OC_NCOLS][1024];
    progress_task pt;
    progress_begin(&pt, "report", "report", "exceptions", PQntuples(d->open));
    for (int i = 0; i < PQntuples(d->open) && !bad; i++) {
        progress_tick(&pt, 1);
        const char *row[OC_NCOLS];
        for (int k = 0; k < nc; k++) {
            const char *v = report_open_text(d, i, k, bufs[k], sizeof bufs[k]);
            if (!o->locale_c && is_code_col(k)) {
                char tmp[1024];
                snprintf(tmp, sizeof tmp, "%s", v);
                v = csvout_code(tmp, bufs[k], sizeof bufs[k]);
            }
            row[k] = v;
        }
        bad = csvout_row(f, sep, "\r\n", row, nc);
    }
    progress_end(&pt);
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
 * the label gives count and amount). Only codes and numbers go in it. It
 * scales with the page (viewBox; the img is at most 100% wide). */
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

/* A cell with its column label for the narrow (card) layout. */
static void td(FILE *f, const char *cls, const char *label, const char *text)
{
    fprintf(f, "<td%s%s%s data-l=\"%s\">", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "", label);
    fmt_html_escape(f, text);
    fputs("</td>", f);
}

/* One line "label: value" inside a cell, when value is not empty. */
static void line(FILE *f, const char *label, const char *value, int *first)
{
    if (!value || !*value)
        return;
    if (!*first)
        fputs("<br>", f);
    *first = 0;
    fprintf(f, "<span class=\"s\">%s</span> ", label);
    fmt_html_escape(f, value);
}

static const char page_css[] =
    "<style>\n"
    "*{box-sizing:border-box}\n"
    "body{font-family:sans-serif;margin:0 auto;padding:12px;max-width:1600px;color:#222;font-size:14px}\n"
    "h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ccc}h3{font-size:15px;margin:18px 0 6px}\n"
    ".scroll{overflow-x:auto;max-width:100%}\n"
    "table{border-collapse:collapse;font-size:13px}\n"
    "th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}\n"
    "th{background:#f3f3f3}td.n,th.n{text-align:right}td.n{white-space:nowrap}td.k{white-space:nowrap}\n"
    "#tieout{font-size:12px}#tieout th{font-size:11px}\n"
    ".meta,.lgpd,.s{color:#666;font-size:12px}.more{background:#fff8e1;padding:6px;border:1px solid #f0d98c}\n"
    ".brk{overflow-wrap:anywhere;word-break:break-word}\n"
    "#chart{max-width:100%;height:auto}\n"
    /* the open exceptions: rows are grid lines, so CSS can reorder them (no script) */
    "table.x{width:100%;display:block}table.x thead,table.x tbody{display:flex;flex-direction:column}\n"
    "table.x tr{display:grid;grid-template-columns:minmax(6.5em,.7fr) minmax(8em,1fr) minmax(6.5em,.7fr) "
    "minmax(9em,1.2fr) minmax(8em,.8fr) minmax(6em,.6fr) minmax(8em,.9fr) minmax(7em,.8fr) minmax(4em,.4fr) minmax(12em,2fr)}\n"
    "table.x td,table.x th{display:block;border-width:0 1px 1px 0;overflow-wrap:anywhere;min-width:0}\n"
    "table.x td.n{white-space:normal}\n"
    "input[type=radio]+label{margin-right:14px}\n"
    "#o-valor:checked~div.sec table.x tbody tr{order:var(--a)}\n"
    "#o-nova:checked~div.sec table.x tbody tr{order:calc(0 - var(--g))}\n"
    "@media (max-width:900px){\n"
    " table.x thead{display:none}table.x tr{display:block;border:1px solid #bbb;margin:0 0 10px;padding:4px}\n"
    " table.x td{position:relative;padding-left:9.5em;border:0;border-bottom:1px dotted #ddd;text-align:left;min-height:1.6em}\n"
    " table.x td::before{content:attr(data-l);position:absolute;left:4px;width:8.8em;font-weight:bold;color:#555}\n"
    " table.x td.n{white-space:normal}\n"
    "}\n"
    "@media print{\n"
    " body{max-width:none;padding:0;font-size:10px}#chart,input[type=radio],input[type=radio]+label,.sortp{display:none}\n"
    " table.x{display:table;width:100%;table-layout:fixed}table.x thead{display:table-header-group}\n"
    " table.x tbody{display:table-row-group}table.x tr{display:table-row;break-inside:avoid}\n"
    " table.x td,table.x th{display:table-cell;border:1px solid #999;font-size:9px}\n"
    " table.x td::before{content:none}table.x th:last-child{width:24%}\n"
    " .scroll{overflow:visible}h2{break-after:avoid}thead{display:table-header-group}\n"
    "}\n"
    "</style>\n";

static void html_tieout(const report_data *d, FILE *f)
{
    const report_opts *o = d->o;
    char m[FMT_MONEY_MAX];
    PGresult *t = d->tieout;
    fputs("<h2>Conferência com os bancos e PSPs</h2>\n", f);
    if (!PQntuples(t)) {
        fputs("<p>Nenhum arquivo de retorno recebido no dia.</p>\n", f);
        return;
    }
    fputs("<p class=\"meta\">Por origem, os arquivos recebidos no dia: o valor bruto dos registros com dinheiro "
          "se divide em baixado, em exceção, já contado antes (reenvio) e ainda não conciliado; o crédito líquido "
          "(bruto menos tarifas) é o que deve aparecer no extrato.</p>\n"
          "<div class=\"scroll\"><table id=\"tieout\">\n<thead><tr><th>Origem</th><th>Banco/PSP</th>"
          "<th class=\"n\">Arquivos</th><th class=\"n\">Registros lidos</th><th class=\"n\">Liquidados</th>"
          "<th class=\"n\">Valor bruto (R$)</th><th class=\"n\">Tarifas (R$)</th><th class=\"n\">Crédito líquido (R$)</th>"
          "<th class=\"n\">Baixados</th><th class=\"n\">Valor baixado (R$)</th><th class=\"n\">Em exceção (R$)</th>"
          "<th class=\"n\">Já contado (R$)</th><th class=\"n\">Não conciliado (R$)</th>"
          "<th class=\"n\">Exceções em aberto</th><th class=\"n\">Em aberto (R$)</th>"
          "<th class=\"n\">Trailer: títulos, valor (R$)</th></tr></thead>\n<tbody>\n", f);
    for (int i = 0; i < PQntuples(t); i++) {
        const char *bank = PQgetvalue(t, i, T_BANK);
        char bn[160];
        snprintf(bn, sizeof bn, "%s%s%s", bank, *report_bank_name(bank) ? " " : "", report_bank_name(bank));
        fputs("<tr>", f);
        td(f, NULL, "Origem", PQgetvalue(t, i, T_SOURCE));
        td(f, NULL, "Banco/PSP", bn);
        td(f, "n", "Arquivos", PQgetvalue(t, i, T_FILES));
        td(f, "n", "Registros", PQgetvalue(t, i, T_RECORDS));
        td(f, "n", "Liquidados", PQgetvalue(t, i, T_SETTLED));
        td(f, "n", "Bruto", money(o, PQgetvalue(t, i, T_GROSS), m));
        td(f, "n", "Tarifas", money(o, PQgetvalue(t, i, T_FEES), m));
        td(f, "n", "Líquido", money(o, PQgetvalue(t, i, T_NET), m));
        td(f, "n", "Baixados", PQgetvalue(t, i, T_BOOKED));
        td(f, "n", "Baixado", money(o, PQgetvalue(t, i, T_BOOKED_CENTS), m));
        td(f, "n", "Em exceção", money(o, PQgetvalue(t, i, T_EXC_CENTS), m));
        td(f, "n", "Já contado", money(o, PQgetvalue(t, i, T_AGAIN_CENTS), m));
        td(f, "n", "Não conciliado", money(o, PQgetvalue(t, i, T_UNRECONCILED_CENTS), m));
        td(f, "n", "Exceções em aberto", PQgetvalue(t, i, T_OPEN));
        td(f, "n", "Em aberto", money(o, PQgetvalue(t, i, T_OPEN_CENTS), m));
        char tr[FMT_MONEY_MAX + 32] = "";
        if (*PQgetvalue(t, i, T_TRAILER_TITLES))
            snprintf(tr, sizeof tr, "%s, %s", PQgetvalue(t, i, T_TRAILER_TITLES), money(o, PQgetvalue(t, i, T_TRAILER_CENTS), m));
        td(f, "n", "Trailer", tr);
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div>\n", f);
}

static const char open_head[] =
    "<thead><tr><th>Exceção</th><th>Cliente</th><th>Meio e banco</th><th>Identificação</th><th>Datas</th>"
    "<th class=\"n\">Valor pago (R$)</th><th class=\"n\">Esperado, diferença, tarifa, creditado (R$)</th>"
    "<th>Arquivo:linha</th><th class=\"n\">Idade (dias)</th><th>Ação sugerida</th></tr></thead>\n";

static void html_open_row(const report_data *d, int i, long amount_rank, FILE *f)
{
    PGresult *x = d->open;
    const report_opts *o = d->o;
    char b[1024], m[FMT_MONEY_MAX], c[32];
    int first;
    fprintf(f, "<tr id=\"x%s\" style=\"--a:%ld;--g:%d\">", PQgetvalue(x, i, X_ID), amount_rank, i);
    fprintf(f, "<td data-l=\"Exceção\">#%s", PQgetvalue(x, i, X_ID));
    first = 0;
    line(f, "pagamento", PQgetvalue(x, i, X_PAYMENT), &first);
    line(f, "pedido", PQgetvalue(x, i, X_ORDER), &first);
    fputs("</td><td data-l=\"Cliente\">", f);
    first = 1;
    line(f, "", PQgetvalue(x, i, X_NAME), &first);
    line(f, "CPF/CNPJ", report_open_text(d, i, OC_DOC, b, sizeof b), &first);
    fputs("</td><td data-l=\"Meio e banco\">", f);
    first = 1;
    line(f, "", method_pt(PQgetvalue(x, i, X_METHOD)), &first);
    snprintf(b, sizeof b, "%s %s", PQgetvalue(x, i, X_BANK), report_bank_name(PQgetvalue(x, i, X_BANK)));
    line(f, "banco", *PQgetvalue(x, i, X_BANK) ? b : "", &first);
    fputs("</td><td class=\"brk\" data-l=\"Identificação\">", f);
    first = 1;
    line(f, "nosso número", PQgetvalue(x, i, X_NOSSO), &first);
    line(f, "txid", PQgetvalue(x, i, X_TXID), &first);
    line(f, "E2E", PQgetvalue(x, i, X_E2E), &first);
    fputs("</td><td data-l=\"Datas\">", f);
    first = 1;
    line(f, "vencimento", report_open_text(d, i, OC_DUE, b, sizeof b), &first);
    line(f, "pagamento", report_open_text(d, i, OC_PAID_ON, b, sizeof b), &first);
    line(f, "crédito", report_open_text(d, i, OC_CREDIT_ON, b, sizeof b), &first);
    line(f, "aberta em", report_open_text(d, i, OC_OPENED, b, sizeof b), &first);
    fputs("</td>", f);
    td(f, "n", "Valor pago (R$)", money(o, PQgetvalue(x, i, X_PAID), m));
    fputs("<td class=\"n\" data-l=\"Esperado (R$)\">", f);
    first = 1;
    line(f, "esperado", money(o, PQgetvalue(x, i, X_EXPECTED), m), &first);
    line(f, "diferença", money(o, diff_cents(x, i, c, sizeof c), m), &first);
    line(f, "tarifa", money(o, PQgetvalue(x, i, X_FEE), m), &first);
    line(f, "creditado", money(o, PQgetvalue(x, i, X_CREDITED), m), &first);
    fputs("</td>", f);
    snprintf(b, sizeof b, "%s:%s", PQgetvalue(x, i, X_FILE), PQgetvalue(x, i, X_LINE));
    td(f, "brk", "Arquivo:linha", b);
    fprintf(f, "<td class=\"n\" data-l=\"Idade (dias)\">%s<br><span class=\"s\">%s</span></td>", PQgetvalue(x, i, X_AGE),
            report_age_bucket(strtol(PQgetvalue(x, i, X_AGE), NULL, 10)));
    fputs("<td data-l=\"Ação sugerida\">", f);
    fmt_html_escape(f, report_open_text(d, i, OC_ACTION, b, sizeof b));
    report_open_text(d, i, OC_DETAIL, b, sizeof b);
    if (*b) {
        fputs("<br><small>", f);
        fmt_html_escape(f, b);
        fputs("</small>", f);
    }
    fputs("</td></tr>\n", f);
}

typedef struct amount_idx {
    int64_t cents;
    int row;
} amount_idx;

static int by_amount_desc(const void *a, const void *b)
{
    const amount_idx *x = a, *y = b;
    if (x->cents != y->cents)
        return x->cents < y->cents ? 1 : -1;
    return x->row - y->row;
}

/* The open exceptions, one section per reason, at most HTML_ROWS_PER_REASON
 * rows each (the oldest first); --a is the row's rank by amount paid. */
static int html_open(const report_data *d, const reason_total *tot, FILE *f)
{
    PGresult *x = d->open;
    int n = PQntuples(x);
    fputs("<h2>Exceções em aberto</h2>\n", f);
    if (!n) {
        fputs("<p>Nenhuma exceção em aberto.</p>\n", f);
        return 0;
    }
    fputs("<p class=\"meta sortp\">Ordenar as exceções de cada motivo:</p>\n", f);
    fputs("<input type=\"radio\" name=\"ordem\" id=\"o-idade\" checked><label for=\"o-idade\">mais antigas primeiro</label>\n"
          "<input type=\"radio\" name=\"ordem\" id=\"o-nova\"><label for=\"o-nova\">mais recentes primeiro</label>\n"
          "<input type=\"radio\" name=\"ordem\" id=\"o-valor\"><label for=\"o-valor\">maior valor primeiro</label>\n", f);
    int *rows = malloc(sizeof *rows * (size_t)n);
    amount_idx *ai = malloc(sizeof *ai * (size_t)n);
    long *rank = malloc(sizeof *rank * (size_t)n);
    if (!rows || !ai || !rank) {
        free(rows);
        free(ai);
        free(rank);
        return -1;
    }
    for (int k = 0; k < N_REASONS; k++) {
        if (!tot[k].count)
            continue;
        int m = 0;
        for (int i = 0; i < n; i++)
            if (!strcmp(PQgetvalue(x, i, X_REASON), reasons[k].code))
                rows[m++] = i;
        int shown = m < HTML_ROWS_PER_REASON ? m : HTML_ROWS_PER_REASON;
        for (int j = 0; j < shown; j++)
            ai[j] = (amount_idx){ strtoll(PQgetvalue(x, rows[j], X_PAID), NULL, 10), j };
        qsort(ai, (size_t)shown, sizeof *ai, by_amount_desc);
        for (int j = 0; j < shown; j++)
            rank[ai[j].row] = j;
        fprintf(f, "<div class=\"sec\" id=\"sec-%s\"><h3>%s: %s (%d)</h3>\n<table class=\"x\" id=\"open-%s\">\n%s<tbody>\n",
                reasons[k].code, reasons[k].code, reasons[k].label, m, reasons[k].code, open_head);
        for (int j = 0; j < shown; j++)
            html_open_row(d, rows[j], rank[j], f);
        fputs("</tbody></table>\n", f);
        if (m > shown)
            fprintf(f, "<p class=\"more\" id=\"more-%s\">Mostrando as %d mais antigas de %d exceções deste motivo. "
                       "Todas estão na planilha exceptions-%s.xlsx.</p>\n", reasons[k].code, shown, m, d->ymd);
        fputs("</div>\n", f);
    }
    free(rows);
    free(ai);
    free(rank);
    return 0;
}

static void html_rejected(const report_data *d, FILE *f)
{
    PGresult *j = d->rejected;
    fputs("<h2>Arquivos rejeitados</h2>\n", f);
    if (!PQntuples(j)) {
        fputs("<p>Nenhum arquivo rejeitado no dia.</p>\n", f);
        return;
    }
    fputs("<p class=\"meta\">Nada destes arquivos foi aplicado; a mensagem diz a linha e a coluna do problema.</p>\n"
          "<div class=\"scroll\"><table id=\"rejected\">\n<thead><tr><th>Arquivo</th><th>Origem</th><th>Formato</th>"
          "<th>Recebido em (UTC)</th><th>Erro</th></tr></thead>\n<tbody>\n", f);
    for (int i = 0; i < PQntuples(j); i++) {
        fputs("<tr>", f);
        td(f, "brk", "Arquivo", PQgetvalue(j, i, J_NAME));
        td(f, NULL, "Origem", PQgetvalue(j, i, J_SOURCE));
        td(f, NULL, "Formato", PQgetvalue(j, i, J_FORMAT));
        td(f, "k", "Recebido em", PQgetvalue(j, i, J_AT));
        td(f, "brk", "Erro", PQgetvalue(j, i, J_ERROR));
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div>\n", f);
}

static void html_resolved(const report_data *d, FILE *f)
{
    PGresult *r = d->resolved;
    char m[FMT_MONEY_MAX];
    fputs("<h2>Exceções resolvidas no dia</h2>\n", f);
    if (!PQntuples(r)) {
        fputs("<p>Nenhuma exceção resolvida no dia.</p>\n", f);
        return;
    }
    fputs("<div class=\"scroll\"><table id=\"resolved\">\n<thead><tr><th>Exceção</th><th>Motivo</th><th>Por</th>"
          "<th>Quando (UTC)</th><th>Como</th><th>Nota</th><th class=\"n\">Valor (R$)</th></tr></thead>\n<tbody>\n", f);
    for (int i = 0; i < PQntuples(r); i++) {
        const char *label = report_reason_label(PQgetvalue(r, i, R_REASON));
        fputs("<tr>", f);
        td(f, "n", "Exceção", PQgetvalue(r, i, R_ID));
        td(f, NULL, "Motivo", label ? label : PQgetvalue(r, i, R_REASON));
        td(f, NULL, "Por", PQgetvalue(r, i, R_BY));
        td(f, "k", "Quando", PQgetvalue(r, i, R_AT));
        td(f, NULL, "Como", report_resolution_pt(PQgetvalue(r, i, R_HOW)));
        td(f, NULL, "Nota", PQgetvalue(r, i, R_NOTE));
        td(f, "n", "Valor", money(d->o, PQgetvalue(r, i, R_PAID), m));
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div>\n", f);
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
    fputs("<h2>Cartões: recebíveis, taxas e chargebacks</h2>\n<div class=\"scroll\"><table id=\"cards\">\n"
          "<tr><th>Credenciadora</th><th>Item</th><th>Quantidade</th><th>Valor (R$)</th></tr>\n", f);
    for (int i = 0; i < PQntuples(c); i++) {
        const char *label = PQgetvalue(c, i, 1);
        for (size_t k = 0; k < sizeof items / sizeof items[0]; k++)
            if (!strcmp(items[k].item, label))
                label = items[k].label;
        fputs("<tr>", f);
        td(f, NULL, "Credenciadora", !strcmp(PQgetvalue(c, i, 0), "cielo") ? "Cielo"
                                     : !strcmp(PQgetvalue(c, i, 0), "rede") ? "Rede" : PQgetvalue(c, i, 0));
        td(f, NULL, "Item", label);
        snprintf(n, sizeof n, "%s", PQgetvalue(c, i, 2));
        td(f, "n", "Quantidade", n);
        td(f, "n", "Valor (R$)", money(o, PQgetvalue(c, i, 3), m));
        fputs("</tr>\n", f);
    }
    fputs("</table></div>\n", f);
}

/* The open exceptions' count and received amount per reason (tot, in
 * reasons[] order) and in all. */
static void open_totals(PGresult *x, reason_total tot[N_REASONS], long long *n_open, int64_t *open_cents)
{
    memset(tot, 0, N_REASONS * sizeof *tot);
    *n_open = 0;
    *open_cents = 0;
    for (int i = 0; i < PQntuples(x); i++) {
        const char *code = PQgetvalue(x, i, X_REASON);
        int64_t c = strtoll(PQgetvalue(x, i, X_PAID), NULL, 10);
        for (int k = 0; k < N_REASONS; k++)
            if (!strcmp(reasons[k].code, code)) {
                tot[k].count++;
                tot[k].cents += c;
            }
        (*n_open)++;
        *open_cents += c;
    }
}

/* The page's head, title and the line saying when and how it was made. */
static void html_head(const report_data *d, FILE *f)
{
    const report_opts *o = d->o;
    char day[16];
    date_out(o, o->date, day, sizeof day);
    fputs("<!DOCTYPE html>\n<html lang=\"pt-BR\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n", f);
    fprintf(f, "<title>Conciliação: exceções de %s</title>\n", day);
    fputs(page_css, f);
    fputs("</head>\n<body>\n", f);
    fprintf(f, "<h1>Conciliação bancária: exceções de %s</h1>\n", day);
    fprintf(f, "<p class=\"meta\">Gerado em %s (UTC). Dia de referência em UTC. Planilha completa: exceptions-%s.xlsx.",
            d->generated, d->ymd);
    fputs(o->unmask ? " CPF/CNPJ exibidos por completo (uso autorizado).</p>\n"
                    : " CPF/CNPJ mascarados (LGPD).</p>\n", f);
}

/* "Resumo do dia": the day's figures, and the exceptions open at its end. */
static void html_summary(const report_data *d, long long n_open, FILE *f)
{
    char m[FMT_MONEY_MAX];
    fputs("<h2>Resumo do dia</h2>\n<div class=\"scroll\"><table id=\"summary\">\n", f);
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
        const char *v = PQgetvalue(d->sum, 0, srows[i].col);
        fprintf(f, "<tr><th>%s</th><td class=\"n\" id=\"%s\">%s</td></tr>\n", srows[i].label, srows[i].id,
                srows[i].is_money ? money(d->o, v, m) : v);
    }
    fprintf(f, "<tr><th>Exceções em aberto ao fim do dia</th><td class=\"n\" id=\"exceptions-open\">%lld</td></tr>\n",
            n_open);
    fputs("</table></div>\n", f);
}

/* "Exceções em aberto por motivo": count and amount per reason, the total. */
static void html_by_reason(const report_opts *o, const reason_total tot[N_REASONS], long long n_open,
                           int64_t open_cents, FILE *f)
{
    char m[FMT_MONEY_MAX];
    fputs("<h2>Exceções em aberto por motivo</h2>\n"
          "<div class=\"scroll\"><table id=\"by-reason\">\n<tr><th>Motivo</th><th>Descrição</th><th>Quantidade</th><th>Valor recebido (R$)</th></tr>\n",
          f);
    for (int k = 0; k < N_REASONS; k++) {
        if (!tot[k].count)
            continue;
        fprintf(f, "<tr id=\"reason-%s\"><td>%s</td><td>%s</td><td class=\"n\">%lld</td><td class=\"n\">%s</td></tr>\n",
                reasons[k].code, reasons[k].code, reasons[k].label, tot[k].count,
                fmt_money(tot[k].cents, o->locale_c ? '.' : ',', o->locale_c ? ',' : '.', m));
    }
    fprintf(f, "<tr id=\"reason-total\"><th colspan=\"2\">Total</th><td class=\"n\">%lld</td><td class=\"n\">%s</td></tr>\n"
               "</table></div>\n",
            n_open, fmt_money(open_cents, o->locale_c ? '.' : ',', o->locale_c ? ',' : '.', m));
}

/* The chart goes in as an SVG image in a data: URI: still one file with
 * nothing to fetch, and valid for HTML parsers that predate inline SVG.
 * -1 when out of memory. */
static int html_chart(const report_opts *o, const reason_total tot[N_REASONS], FILE *f)
{
    size_t svg_len = 0;
    char *svg = report_svg(o, tot, &svg_len);
    if (!svg)
        return -1;
    fputs("<p><img id=\"chart\" alt=\"Gráfico de barras: exceções em aberto por motivo\" src=\"data:image/svg+xml;base64,", f);
    base64((const unsigned char *)svg, svg_len, f);
    fputs("\"></p>\n", f);
    free(svg);
    return 0;
}

static int report_html(const report_data *d, FILE *f)
{
    reason_total tot[N_REASONS];
    long long n_open;
    int64_t open_cents;
    open_totals(d->open, tot, &n_open, &open_cents);
    html_head(d, f);
    html_summary(d, n_open, f);
    html_tieout(d, f);
    html_by_reason(d->o, tot, n_open, open_cents, f);
    if (html_chart(d->o, tot, f) < 0)
        return -1;
    if (html_open(d, tot, f))
        return -1;
    html_rejected(d, f);
    html_resolved(d, f);
    report_cards_html(d->o, d->cards, f);
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

/* Read a whole file into memory (the workbook libxlsxwriter wrote). */
static char *slurp(const char *path, size_t *len, err_t *e)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    *len = 0;
    FILE *m = f ? open_memstream(&buf, len) : NULL;
    if (!f || !m) {
        err_set(e, EX_IOERR, "%s: %s", path, strerror(errno));
        if (f)
            fclose(f);
        return NULL;
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, m);
    int bad = ferror(f);
    fclose(f);
    if (fclose(m) || bad) {
        free(buf);
        err_set(e, EX_IOERR, "%s: read error", path);
        return NULL;
    }
    return buf;
}

/* A report rendered in memory, and the names of its three files. */
typedef struct report_out {
    char *csv, *html, *xlsx;
    size_t csv_len, html_len, xlsx_len;
    char csv_name[64], html_name[64], xlsx_name[64];
} report_out;

/* The report's data in one snapshot: the six statements see the same
 * database. 0 or -1 with e set. */
static int report_load(PGconn *db, report_data *d, err_t *e)
{
    const char *date = d->o->date;
    PGresult *begin = PQexec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    PQclear(begin);
    if (!(d->sum = report_db_summary(db, date, e)) || !(d->open = report_db_open(db, date, e)) ||
        !(d->resolved = report_db_resolved(db, date, e)) || !(d->rejected = report_db_rejected(db, date, e)) ||
        !(d->tieout = report_db_tieout(db, date, e)) || !(d->cards = report_db_cards(db, date, e)))
        return -1;
    return 0;
}

/* The CSV and the HTML rendered into out. 0 or -1 with e set. */
static int report_render(const report_data *d, report_out *out, err_t *e)
{
    FILE *fc = open_memstream(&out->csv, &out->csv_len);
    FILE *fh = open_memstream(&out->html, &out->html_len);
    int bad = !fc || !fh;
    if (!bad)
        bad = report_csv(d, fc) | report_html(d, fh);
    if (fc && fclose(fc))
        bad = 1;
    if (fh && fclose(fh))
        bad = 1;
    if (bad)
        return err_fail(e, EX_SOFTWARE, "out of memory rendering the report");
    return 0;
}

/* The workbook, then the three files published in dir. libxlsxwriter
 * writes a file: a hidden temporary one beside the report (its name into
 * tmp, PATH_MAX bytes, for the caller to remove), read back and published
 * like the others. 0 or -1 with e set. */
static int report_publish(const report_data *d, const char *dir, char *tmp, report_out *out, err_t *e)
{
    snprintf(out->csv_name, sizeof out->csv_name, "exceptions-%s.csv", d->ymd);
    snprintf(out->html_name, sizeof out->html_name, "exceptions-%s.html", d->ymd);
    snprintf(out->xlsx_name, sizeof out->xlsx_name, "exceptions-%s.xlsx", d->ymd);
    snprintf(tmp, PATH_MAX, "%s/.%s.%ld.tmp", dir, out->xlsx_name, (long)getpid());
    if (report_xlsx(d, tmp, e) || !(out->xlsx = slurp(tmp, &out->xlsx_len, e)))
        return -1;
    if (report_write(dir, out->xlsx_name, out->xlsx, out->xlsx_len, e) ||
        report_write(dir, out->csv_name, out->csv, out->csv_len, e) ||
        report_write(dir, out->html_name, out->html, out->html_len, e))
        return -1;
    return 0;
}

int report_run(const config *cfg, const report_opts *opts)
{
    report_opts o = { 0 };
    if (opts)
        o = *opts;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    if (!o.date[0])
        strftime(o.date, sizeof o.date, "%Y-%m-%d", &tm);
    report_data d = { .o = &o };
    strftime(d.generated, sizeof d.generated, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(d.ymd, sizeof d.ymd, "%.4s%.2s%.2s", o.date, o.date + 5, o.date + 8);

    err_t e = { 0 };
    char dir[PATH_MAX];
    if (o.output)
        snprintf(dir, sizeof dir, "%s", o.output);
    else
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
    report_out out = { 0 };
    char tmp[PATH_MAX] = "";
    int rc = 0;
    if (report_load(db, &d, &e) || report_render(&d, &out, &e) || report_publish(&d, dir, tmp, &out, &e)) {
        rc = e.code;
        goto done;
    }
    log_msg(LOG_INFO, "report", KV(KV_S("date", o.date), KV_I("open_exceptions", PQntuples(d.open)), KV_S("dir", dir)),
            "report written");
    for (int i = 0; i < PQntuples(d.open); i++)
        metrics_add("reason", PQgetvalue(d.open, i, X_REASON), "OpenExceptions", 1);
    printf("%s/%s\n%s/%s\n%s/%s\n", dir, out.xlsx_name, dir, out.csv_name, dir, out.html_name);
done:
    if (rc)
        log_msg(LOG_ERROR, "report", NULL, "%s", e.msg);
    if (tmp[0])
        unlink(tmp);
    PQclear(d.sum);
    PQclear(d.open);
    PQclear(d.resolved);
    PQclear(d.rejected);
    PQclear(d.tieout);
    PQclear(d.cards);
    free(out.csv);
    free(out.html);
    free(out.xlsx);
    PQfinish(db);
    return rc;
}
