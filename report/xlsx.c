/* xlsx.c - exceptions-YYYYMMDD.xlsx, the workbook finance works in, written
 * with libxlsxwriter (Debian libxlsxwriter-dev).
 *
 * Sheets: the open exceptions (the columns of report/layout.c, the last
 * three empty for `settle resolve --from`), a summary by reason and by bank,
 * the exceptions resolved during the day, the rejected files, and the tie-out
 * with the banks. Amounts are numbers in an R$ format, dates are dates,
 * codes (bank, nosso número, txid, documents, orders) are text, so they keep
 * their zeros; a name starting with = is a text cell, never a formula. The
 * workbook carries no locale: LibreOffice and Excel show 1.234,56 and
 * 28/11/2026 in pt-BR, 1,234.56 in en-US, without import options. Every
 * list has a frozen header, a filter and set column widths. */
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "common/fmt.h"
#include "report/db.h"
#include "report/render.h"

#define FMT_BRL "[$R$-416] #,##0.00;[Red]-[$R$-416] #,##0.00"

typedef struct fmts {
    lxw_format *head, *money, *date, *datetime, *text, *integer, *input, *wrap, *title, *bold_money, *bold;
} fmts;

/* "YYYY-MM-DD[ HH:MM:SS]" -> datetime; 0 when it is not one. */
static int parse_dt(const char *s, lxw_datetime *dt)
{
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (!s || sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) != 3)
        return 0;
    if (strlen(s) >= 19)
        sscanf(s + 11, "%2d:%2d:%2d", &h, &mi, &se);
    *dt = (lxw_datetime){ y, mo, d, h, mi, se };
    return 1;
}

static void w_money(lxw_worksheet *ws, int r, int c, const char *cents, lxw_format *f)
{
    if (!cents || !*cents)
        return;
    /* cents -> reais once, at the edge: the workbook stores IEEE doubles;
     * any amount below 2^53 cents is exact to the cent in one. */
    long long v = strtoll(cents, NULL, 10);
    worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)c, (double)v / 100.0, f);
}

static void w_int(lxw_worksheet *ws, int r, int c, const char *v, lxw_format *f)
{
    if (!v || !*v)
        return;
    worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)c, (double)strtoll(v, NULL, 10), f);
}

static void w_date(lxw_worksheet *ws, int r, int c, const char *iso, lxw_format *f)
{
    lxw_datetime dt;
    if (parse_dt(iso, &dt))
        worksheet_write_datetime(ws, (lxw_row_t)r, (lxw_col_t)c, &dt, f);
}

static void w_text(lxw_worksheet *ws, int r, int c, const char *s, lxw_format *f)
{
    if (s && *s)
        worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, s, f);
}

/* A header row (row r) of n titles, frozen above the data, with widths. */
static void header(lxw_worksheet *ws, const fmts *F, int r, const char *const *titles, const int *widths, int n)
{
    for (int c = 0; c < n; c++) {
        worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, titles[c], F->head);
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, widths[c], NULL);
    }
    worksheet_freeze_panes(ws, (lxw_row_t)(r + 1), 0);
    worksheet_set_paper(ws, 9);
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_repeat_rows(ws, (lxw_row_t)r, (lxw_row_t)r);
}

/* The open-exceptions sheet's header row (each column's title as a
 * comment), column widths and formats, and how it prints. */
static void open_header(lxw_worksheet *ws, const fmts *F, const report_column *cols, int nc)
{
    for (int c = 0; c < nc; c++) {
        lxw_format *colf = cols[c].kind == RC_TEXT ? F->text : cols[c].kind == RC_INPUT ? F->input : NULL;
        worksheet_write_string(ws, 0, (lxw_col_t)c, cols[c].name, F->head);
        worksheet_write_comment(ws, 0, (lxw_col_t)c, cols[c].title);
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, cols[c].width, colf);
    }
    worksheet_freeze_panes(ws, 1, 1);
    /* printed: A4 landscape, three pages wide (31 columns do not fit one
     * page at a size people can read), the header and the id on every page */
    worksheet_set_paper(ws, 9);
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 3, 0);
    worksheet_repeat_rows(ws, 0, 0);
    worksheet_repeat_columns(ws, 0, 0);
}

/* Column c (described by col) of open exception i, at sheet row r. Returns
 * the lines its text needs: 1, or more for a wrapped column. */
static int open_cell(lxw_worksheet *ws, const fmts *F, const report_data *d, const report_column *col, int i, int r,
                     int c)
{
    PGresult *x = d->open;
    char buf[1024];
    switch (c) {
    case OC_ID: w_int(ws, r, c, PQgetvalue(x, i, X_ID), F->integer); break;
    case OC_PAYMENT: w_int(ws, r, c, PQgetvalue(x, i, X_PAYMENT), F->integer); break;
    case OC_LINE: w_int(ws, r, c, PQgetvalue(x, i, X_LINE), F->integer); break;
    case OC_AGE: w_int(ws, r, c, PQgetvalue(x, i, X_AGE), F->integer); break;
    case OC_DUE: w_date(ws, r, c, PQgetvalue(x, i, X_DUE), F->date); break;
    case OC_PAID_ON: w_date(ws, r, c, PQgetvalue(x, i, X_PAID_ON), F->date); break;
    case OC_CREDIT_ON: w_date(ws, r, c, PQgetvalue(x, i, X_CREDIT_ON), F->date); break;
    case OC_OPENED: w_date(ws, r, c, PQgetvalue(x, i, X_OPENED), F->date); break;
    case OC_EXPECTED: w_money(ws, r, c, PQgetvalue(x, i, X_EXPECTED), F->money); break;
    case OC_PAID: w_money(ws, r, c, PQgetvalue(x, i, X_PAID), F->money); break;
    case OC_FEE: w_money(ws, r, c, PQgetvalue(x, i, X_FEE), F->money); break;
    case OC_CREDITED: w_money(ws, r, c, PQgetvalue(x, i, X_CREDITED), F->money); break;
    case OC_DIFF:
        if (!PQgetisnull(x, i, X_EXPECTED) && !PQgetisnull(x, i, X_PAID)) {
            snprintf(buf, sizeof buf, "%lld",
                     strtoll(PQgetvalue(x, i, X_PAID), NULL, 10) - strtoll(PQgetvalue(x, i, X_EXPECTED), NULL, 10));
            w_money(ws, r, c, buf, F->money);
        }
        break;
    case OC_ACAO: case OC_NOTA: case OC_PAGAMENTO_ID:
        worksheet_write_blank(ws, (lxw_row_t)r, (lxw_col_t)c, F->input);
        break;
    default: {
        const char *t = report_open_text(d, i, c, buf, sizeof buf);
        int wrap = c == OC_ACTION || c == OC_DETAIL, lines = 1;
        if (wrap) {
            /* readers do not all grow a row for wrapped text: say how
             * many lines it needs (characters, roughly, per width) */
            size_t chars = 0;
            for (const unsigned char *p = (const unsigned char *)t; *p; p++)
                chars += (*p & 0xC0) != 0x80;
            lines = (int)((chars + (size_t)col->width - 1) / (size_t)col->width);
        }
        w_text(ws, r, c, t, wrap ? F->wrap : F->text);
        return lines;
    }
    }
    return 1;
}

/* acao: a list to pick from on the n data rows (settle resolve --from
 * reads these) */
static void acao_list(lxw_worksheet *ws, int n)
{
    lxw_data_validation v = { 0 };
    static char acts[][10] = { "pago", "devolver", "ignorar", "paid", "refund", "ignore" };
    char *list[] = { acts[0], acts[1], acts[2], acts[3], acts[4], acts[5], NULL };
    v.validate = LXW_VALIDATION_TYPE_LIST;
    v.value_list = list;
    v.ignore_blank = LXW_VALIDATION_ON;
    static char title[] = "acao", msg[] = "pago, devolver ou ignorar; depois: settle resolve --from este arquivo";
    v.input_title = title;
    v.input_message = msg;
    worksheet_data_validation_range(ws, 1, OC_ACAO, (lxw_row_t)n, OC_ACAO, &v);
}

/* "Exceções em aberto": one row per open exception, acao, nota and
 * pagamento_id left for finance to fill in. */
static void sheet_open(lxw_workbook *wb, const fmts *F, const report_data *d)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Exceções em aberto");
    int nc;
    const report_column *cols = report_open_columns(&nc);
    open_header(ws, F, cols, nc);
    int n = PQntuples(d->open);
    for (int i = 0; i < n; i++) {
        int r = i + 1, lines = 1;
        for (int c = 0; c < nc; c++) {
            int l = open_cell(ws, F, d, &cols[c], i, r, c);
            if (l > lines)
                lines = l;
        }
        if (lines > 1)
            worksheet_set_row(ws, (lxw_row_t)r, 15.0 * (lines > 8 ? 8 : lines), NULL);
    }
    worksheet_autofilter(ws, 0, 0, (lxw_row_t)(n ? n : 1), (lxw_col_t)(nc - 1));
    if (n)
        acao_list(ws, n);
}

struct group {
    const char *key;
    long long count;
    long long paid_cents, expected_cents;
};

static struct group *group_find(struct group *g, int *ng, const char *key)
{
    for (int i = 0; i < *ng; i++)
        if (!strcmp(g[i].key, key))
            return &g[i];
    g[*ng] = (struct group){ key, 0, 0, 0 };
    return &g[(*ng)++];
}

static int sheet_summary(lxw_workbook *wb, const fmts *F, const report_data *d)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Resumo");
    PGresult *x = d->open;
    int n = PQntuples(x);
    struct group *byr = calloc((size_t)n + 1, sizeof *byr), *byb = calloc((size_t)n + 1, sizeof *byb);
    if (!byr || !byb) {
        free(byr);
        free(byb);
        return -1;
    }
    int nr = 0, nb = 0;
    for (int i = 0; i < n; i++) {
        long long p = strtoll(PQgetvalue(x, i, X_PAID), NULL, 10), e = strtoll(PQgetvalue(x, i, X_EXPECTED), NULL, 10);
        struct group *g = group_find(byr, &nr, PQgetvalue(x, i, X_REASON));
        g->count++, g->paid_cents += p, g->expected_cents += e;
        g = group_find(byb, &nb, PQgetvalue(x, i, X_BANK));
        g->count++, g->paid_cents += p, g->expected_cents += e;
    }
    static const char *const th[] = { "Motivo", "Descrição", "Quantidade", "Valor recebido", "Valor esperado" };
    static const int tw[] = { 24, 40, 12, 16, 16 };
    header(ws, F, 0, th, tw, 5);
    int r = 1;
    long long tc = 0, tp = 0, te = 0;
    char cents[32];
    for (int i = 0; i < nr; i++, r++) {
        const char *label = report_reason_label(byr[i].key);
        w_text(ws, r, 0, byr[i].key, F->text);
        w_text(ws, r, 1, label ? label : "", F->text);
        worksheet_write_number(ws, (lxw_row_t)r, 2, (double)byr[i].count, F->integer);
        snprintf(cents, sizeof cents, "%lld", byr[i].paid_cents);
        w_money(ws, r, 3, cents, F->money);
        snprintf(cents, sizeof cents, "%lld", byr[i].expected_cents);
        w_money(ws, r, 4, cents, F->money);
        tc += byr[i].count, tp += byr[i].paid_cents, te += byr[i].expected_cents;
    }
    worksheet_autofilter(ws, 0, 0, (lxw_row_t)(r > 1 ? r - 1 : 1), 4);
    w_text(ws, r, 0, "Total", F->bold);
    worksheet_write_number(ws, (lxw_row_t)r, 2, (double)tc, F->bold);
    snprintf(cents, sizeof cents, "%lld", tp);
    w_money(ws, r, 3, cents, F->bold_money);
    snprintf(cents, sizeof cents, "%lld", te);
    w_money(ws, r, 4, cents, F->bold_money);
    r += 2;
    static const char *const bh[] = { "Banco", "Nome do banco/PSP", "Quantidade", "Valor recebido", "Valor esperado" };
    for (int c = 0; c < 5; c++)
        worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, bh[c], F->head);
    r++;
    for (int i = 0; i < nb; i++, r++) {
        w_text(ws, r, 0, byb[i].key, F->text);
        w_text(ws, r, 1, report_bank_name(byb[i].key), F->text);
        worksheet_write_number(ws, (lxw_row_t)r, 2, (double)byb[i].count, F->integer);
        snprintf(cents, sizeof cents, "%lld", byb[i].paid_cents);
        w_money(ws, r, 3, cents, F->money);
        snprintf(cents, sizeof cents, "%lld", byb[i].expected_cents);
        w_money(ws, r, 4, cents, F->money);
    }
    r++;
    /* the day's counts */
    static const struct { const char *label; int col, is_money; } srows[] = {
        { "Arquivos de retorno recebidos", S_FILES, 0 },     { "Arquivos rejeitados", S_REJECTED, 0 },
        { "Registros (liquidações) lidos", S_SETTLEMENTS, 0 }, { "Valor liquidado", S_SETTLED_CENTS, 1 },
        { "Pagamentos baixados", S_PAID, 0 },                { "Valor baixado", S_PAID_CENTS, 1 },
        { "Exceções abertas no dia", S_OPENED, 0 },          { "Exceções resolvidas no dia", S_RESOLVED, 0 },
    };
    w_text(ws, r++, 0, "Resumo do dia", F->title);
    for (size_t i = 0; i < sizeof srows / sizeof srows[0]; i++, r++) {
        w_text(ws, r, 0, srows[i].label, NULL);
        if (srows[i].is_money)
            w_money(ws, r, 2, PQgetvalue(d->sum, 0, srows[i].col), F->money);
        else
            w_int(ws, r, 2, PQgetvalue(d->sum, 0, srows[i].col), F->integer);
    }
    free(byr);
    free(byb);
    return 0;
}

static void sheet_resolved(lxw_workbook *wb, const fmts *F, const report_data *d)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Resolvidas no dia");
    static const char *const th[] = { "Exceção", "Motivo", "Descrição", "Resolvida por", "Quando (UTC)", "Como",
                                      "Nota", "Pagamento", "Valor", "Arquivo", "Linha", "Aberta em" };
    static const int tw[] = { 9, 20, 26, 16, 19, 10, 40, 11, 14, 26, 7, 11 };
    header(ws, F, 0, th, tw, 12);
    PGresult *r = d->resolved;
    int n = PQntuples(r);
    for (int i = 0; i < n; i++) {
        const char *label = report_reason_label(PQgetvalue(r, i, R_REASON));
        w_int(ws, i + 1, 0, PQgetvalue(r, i, R_ID), F->integer);
        w_text(ws, i + 1, 1, PQgetvalue(r, i, R_REASON), F->text);
        w_text(ws, i + 1, 2, label ? label : "", F->text);
        w_text(ws, i + 1, 3, PQgetvalue(r, i, R_BY), F->text);
        w_date(ws, i + 1, 4, PQgetvalue(r, i, R_AT), F->datetime);
        w_text(ws, i + 1, 5, report_resolution_pt(PQgetvalue(r, i, R_HOW)), F->text);
        w_text(ws, i + 1, 6, PQgetvalue(r, i, R_NOTE), F->wrap);
        w_int(ws, i + 1, 7, PQgetvalue(r, i, R_PAYMENT), F->integer);
        w_money(ws, i + 1, 8, PQgetvalue(r, i, R_PAID), F->money);
        w_text(ws, i + 1, 9, PQgetvalue(r, i, R_FILE), F->text);
        w_int(ws, i + 1, 10, PQgetvalue(r, i, R_LINE), F->integer);
        w_date(ws, i + 1, 11, PQgetvalue(r, i, R_OPENED), F->date);
    }
    worksheet_autofilter(ws, 0, 0, (lxw_row_t)(n ? n : 1), 11);
}

static void sheet_rejected(lxw_workbook *wb, const fmts *F, const report_data *d)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Arquivos rejeitados");
    static const char *const th[] = { "Arquivo", "Origem", "Formato", "Recebido em (UTC)", "Tamanho (bytes)",
                                      "Erro (arquivo:linha:coluna)" };
    static const int tw[] = { 30, 12, 10, 19, 14, 90 };
    header(ws, F, 0, th, tw, 6);
    PGresult *j = d->rejected;
    int n = PQntuples(j);
    for (int i = 0; i < n; i++) {
        w_text(ws, i + 1, 0, PQgetvalue(j, i, J_NAME), F->text);
        w_text(ws, i + 1, 1, PQgetvalue(j, i, J_SOURCE), F->text);
        w_text(ws, i + 1, 2, PQgetvalue(j, i, J_FORMAT), F->text);
        w_date(ws, i + 1, 3, PQgetvalue(j, i, J_AT), F->datetime);
        w_int(ws, i + 1, 4, PQgetvalue(j, i, J_SIZE), F->integer);
        w_text(ws, i + 1, 5, PQgetvalue(j, i, J_ERROR), F->wrap);
    }
    worksheet_autofilter(ws, 0, 0, (lxw_row_t)(n ? n : 1), 5);
}

static void sheet_tieout(lxw_workbook *wb, const fmts *F, const report_data *d)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Conferência");
    static const char *const th[] = { "Dia", "Origem", "Banco/PSP", "Nome", "Arquivos", "Registros lidos",
                                      "Registros repetidos", "Liquidados", "Valor bruto", "Tarifas", "Crédito líquido",
                                      "Baixados", "Valor baixado", "Em exceção (qtd)", "Em exceção", "Já contado",
                                      "Não conciliado", "Exceções em aberto", "Em aberto", "Trailer: títulos",
                                      "Trailer: valor dos títulos" };
    static const int tw[] = { 11, 12, 9, 22, 9, 10, 10, 10, 15, 12, 15, 10, 15, 10, 14, 14, 14, 10, 14, 10, 15 };
    header(ws, F, 0, th, tw, 21);
    PGresult *t = d->tieout;
    int n = PQntuples(t);
    for (int i = 0; i < n; i++) {
        int r = i + 1;
        w_date(ws, r, 0, PQgetvalue(t, i, T_DAY), F->date);
        w_text(ws, r, 1, PQgetvalue(t, i, T_SOURCE), F->text);
        w_text(ws, r, 2, PQgetvalue(t, i, T_BANK), F->text);
        w_text(ws, r, 3, report_bank_name(PQgetvalue(t, i, T_BANK)), F->text);
        w_int(ws, r, 4, PQgetvalue(t, i, T_FILES), F->integer);
        w_int(ws, r, 5, PQgetvalue(t, i, T_RECORDS), F->integer);
        w_int(ws, r, 6, PQgetvalue(t, i, T_DUPLICATES), F->integer);
        w_int(ws, r, 7, PQgetvalue(t, i, T_SETTLED), F->integer);
        w_money(ws, r, 8, PQgetvalue(t, i, T_GROSS), F->money);
        w_money(ws, r, 9, PQgetvalue(t, i, T_FEES), F->money);
        w_money(ws, r, 10, PQgetvalue(t, i, T_NET), F->money);
        w_int(ws, r, 11, PQgetvalue(t, i, T_BOOKED), F->integer);
        w_money(ws, r, 12, PQgetvalue(t, i, T_BOOKED_CENTS), F->money);
        w_int(ws, r, 13, PQgetvalue(t, i, T_EXC), F->integer);
        w_money(ws, r, 14, PQgetvalue(t, i, T_EXC_CENTS), F->money);
        w_money(ws, r, 15, PQgetvalue(t, i, T_AGAIN_CENTS), F->money);
        w_money(ws, r, 16, PQgetvalue(t, i, T_UNRECONCILED_CENTS), F->money);
        w_int(ws, r, 17, PQgetvalue(t, i, T_OPEN), F->integer);
        w_money(ws, r, 18, PQgetvalue(t, i, T_OPEN_CENTS), F->money);
        w_int(ws, r, 19, PQgetvalue(t, i, T_TRAILER_TITLES), F->integer);
        w_money(ws, r, 20, PQgetvalue(t, i, T_TRAILER_CENTS), F->money);
    }
    worksheet_autofilter(ws, 0, 0, (lxw_row_t)(n ? n : 1), 20);
}

int report_xlsx(const report_data *d, const char *path, err_t *e)
{
    lxw_workbook *wb = workbook_new(path);
    if (!wb)
        return err_fail(e, EX_CANTCREAT, "%s: cannot create the workbook", path);
    fmts F;
    F.head = workbook_add_format(wb);
    format_set_bold(F.head);
    format_set_bg_color(F.head, 0xE8E8E8);
    format_set_bottom(F.head, LXW_BORDER_THIN);
    F.money = workbook_add_format(wb);
    format_set_num_format(F.money, FMT_BRL);
    F.bold_money = workbook_add_format(wb);
    format_set_num_format(F.bold_money, FMT_BRL);
    format_set_bold(F.bold_money);
    F.bold = workbook_add_format(wb);
    format_set_bold(F.bold);
    F.date = workbook_add_format(wb);
    format_set_num_format(F.date, "dd/mm/yyyy");
    F.datetime = workbook_add_format(wb);
    format_set_num_format(F.datetime, "dd/mm/yyyy hh:mm:ss");
    F.text = workbook_add_format(wb);
    format_set_num_format(F.text, "@");
    F.integer = workbook_add_format(wb);
    format_set_num_format(F.integer, "0");
    F.input = workbook_add_format(wb);
    format_set_bg_color(F.input, 0xFFF2CC);
    format_set_num_format(F.input, "@");
    F.wrap = workbook_add_format(wb);
    format_set_num_format(F.wrap, "@");
    format_set_text_wrap(F.wrap);
    F.title = workbook_add_format(wb);
    format_set_bold(F.title);
    format_set_font_size(F.title, 12);

    sheet_open(wb, &F, d);
    int bad = sheet_summary(wb, &F, d);
    sheet_resolved(wb, &F, d);
    sheet_rejected(wb, &F, d);
    sheet_tieout(wb, &F, d);
    lxw_error rc = workbook_close(wb);
    if (bad)
        return err_fail(e, EX_SOFTWARE, "out of memory writing the workbook");
    if (rc != LXW_NO_ERROR)
        return err_fail(e, EX_IOERR, "%s: %s", path, lxw_strerror(rc));
    return 0;
}
