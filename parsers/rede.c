/* rede.c - Rede "Extrato Eletrônico": EEVC (credit sales, v2.01 and the
 * 2023 v3.00), EEVD (debit sales, comma-separated, v1.04 and v2.00) and
 * EEFI (payments, anticipations and adjustments, v3.01 and v4.00),
 * docs/formats/rede.md.
 *
 * EEVC and EEFI are fixed-position records of up to 1024 characters, the
 * record type in 1-3; EEVD is one comma-separated record per line, the type
 * in the first column. All three are windows-1252. The file kind comes from
 * the header (002 EEVC, 030 EEFI, 00 EEVD) and its version string, checked.
 *
 *   sales (EEVC 008/012/018, EEVD 05)  -> KIND_CARD_SALE, paid = 0, with
 *       the TID and order number of the e-commerce record that follows
 *       (EEVC 034/035/036, EEVD 13) folded in; acquirer_key = RV number,
 *       credited_on = the RV's credit date (first installment).
 *   credits (EEFI 034)                 -> KIND_CARD_SETTLEMENT, paid = 1
 *       unless the credit status says it is held (penhora, retenção,
 *       suspenso).
 *   adjustments (EEVC 011, EEVD 08/11, EEFI 035/036/038/043) ->
 *       KIND_CARD_ADJUSTMENT, amount signed as the money moves (debits
 *       negative), with the e-commerce record that follows (EEFI 053/054,
 *       EEVD 17) folded in.
 *   summaries (RV), totals, schedule and service records: read, counted
 *       in file_info.skipped, and used for the trailer's checks.
 * Other record types are counted and reported as warnings. The trailer's
 * record count and totals are checked. Memory: one pending record. */
#include "parsers/cards.h"
#include "parsers/parser_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REDE_LEN 1024
#define REDE_MAX_COLS 40

enum { EEVC = 1, EEVD, EEFI };

struct rede {
    int kind;                       /* EEVC, EEVD, EEFI */
    long n_lines;                   /* every record, header and trailer included */
    settle_record pend;             /* a record waiting for its e-commerce companion */
    int have_pend;
    int pend_type;                  /* record type of pend */
    int trailer_seen;
    /* the current RV (sales summary) */
    char rv[10];
    settle_date rv_credit;
    /* totals for the trailer */
    int64_t rv_gross, rv_fee, rv_net;   /* EEVC/EEVD: sums of the RV records */
    long rvs, cvs;                      /* EEVC: accepted CVs; EEVD: RVs, CVs */
    int64_t credits;                    /* EEFI 034 */
    long antic_n, credit_adj_n, debit_adj_n, net_adj_n;
    int64_t antic, credit_adj, debit_adj, net_adj;
    /* EEVD columns of the current line: 1-based start and length */
    int ncols;
    size_t col_start[REDE_MAX_COLS], col_len[REDE_MAX_COLS];
};

/* ---- tables -------------------------------------------------------------- */

/* Bandeira (one character): EEVC/EEFI Tabela I/IV; EEVD's own table. */
static const char *brand_name(int kind, unsigned char c)
{
    if (kind == EEVD) {
        switch (c) {
        case '1': return "maestro";
        case '3': return "visa electron";
        case '4': return "cabal";
        case '9': return "sicredi";
        case 'A': return "avista";
        case 'B': return "banescard";
        case '0': return "other";
        default: return NULL;
        }
    }
    switch (c) {
    case '0': return "other";
    case '1': return "mastercard";
    case '2': return "diners";
    case '3': return "visa";
    case '4': return "cabal";
    case '5': return "hipercard";
    case '6': return "sorocred";
    case '7': return "cup";
    case '8': return "credsystem";
    case '9': return "sicredi";
    case 'A': return "avista";
    case 'B': return "banescard";
    case 'E': return "elo";
    case 'J': return "jcb";
    case 'X': return "amex";
    case 'Z': return "credz";
    default: return NULL;
    }
}

static void set_brand(struct rede *r, settle_record *rec, unsigned char c)
{
    const char *n = brand_name(r->kind, c);
    if (n)
        snprintf(rec->card_brand, sizeof rec->card_brand, "%s", n);
    else if (c > ' ' && c < 0x7F)
        snprintf(rec->card_brand, sizeof rec->card_brand, "%c", c);
}

/* Adjustment reason (Tabela III / de ajustes) -> adjustment name. */
static const char *adjustment_of(int reason)
{
    switch (reason) {
    case 8: case 18: case 21: case 30: case 32: case 36: case 87:
        return "cancel";
    case 9: case 10: case 15: case 22: case 23: case 39:
        return "chargeback";
    case 52:
        return "chargeback_reversal";
    case 86:
        return "anticipation";
    default:
        return "other";
    }
}

/* ---- field access -------------------------------------------------------- */

static int fail_fe(parser *p, err_t *e, const cnab_ferr *fe)
{
    return parser_fail(p, e, p->lineno, fe->col, "%s", fe->msg);
}

/* 15-digit 9(13)V99 amount at start (fixed layouts) */
static int money(parser *p, size_t start, size_t len, const char *what, int64_t *v, cnab_ferr *fe)
{
    if (!cards_all_digits(&p->line, start, len)) {
        int blank = 1;
        for (size_t i = start - 1; blank && i < start - 1 + len; i++)
            blank = p->line.c[i] == ' ';
        if (blank) {
            *v = 0;
            return 0;
        }
        char w[160];
        snprintf(w, sizeof w, "%zu digits (2 decimals) in %s", len, what);
        cards_expected(&p->line, start, len, w, fe);
        return -1;
    }
    return cnab_digits(&p->line, start, len, what, v, fe);
}

static int digits(parser *p, size_t start, size_t len, const char *what, int64_t *v, cnab_ferr *fe)
{
    if (len > 18 || !cards_all_digits(&p->line, start, len)) {
        char w[160];
        snprintf(w, sizeof w, "digits in %s", what);
        cards_expected(&p->line, start, len, w, fe);
        return -1;
    }
    return cnab_digits(&p->line, start, len, what, v, fe);
}

/* EEVD: split p->line on commas into col_start/col_len (1-based). */
static void split_cols(struct rede *r, const cnab_line *l)
{
    r->ncols = 0;
    size_t s = 0;
    for (size_t i = 0; i <= l->len && r->ncols < REDE_MAX_COLS; i++) {
        if (i == l->len || l->c[i] == ',') {
            r->col_start[r->ncols] = s + 1;
            r->col_len[r->ncols] = i - s;
            r->ncols++;
            s = i + 1;
        }
    }
}

static int col_money(parser *p, struct rede *r, int n, const char *what, int64_t *v, cnab_ferr *fe)
{
    size_t st = r->ncols >= n ? r->col_start[n - 1] : 1, ln = r->ncols >= n ? r->col_len[n - 1] : 0;
    if (ln == 0 || ln > 18) {
        if (ln == 0) {
            *v = 0;
            return 0;
        }
        char w[160];
        snprintf(w, sizeof w, "at most 15 digits (2 decimals) in %s (column %d)", what, n);
        cards_expected(&p->line, st, ln, w, fe);
        return -1;
    }
    char w[160];
    snprintf(w, sizeof w, "%s (column %d)", what, n);
    return money(p, st, ln, w, v, fe);
}

static int col_date(parser *p, struct rede *r, int n, const char *what, settle_date *d, cnab_ferr *fe)
{
    size_t st = r->ncols >= n ? r->col_start[n - 1] : 1, ln = r->ncols >= n ? r->col_len[n - 1] : 0;
    char w[160];
    snprintf(w, sizeof w, "%s (column %d)", what, n);
    if (ln == 0) {
        d->y = 0, d->m = 0, d->d = 0;
        return 0;
    }
    if (ln != 8) {
        snprintf(w, sizeof w, "a date DDMMAAAA in %s (column %d)", what, n);
        cards_expected(&p->line, st, ln, w, fe);
        return -1;
    }
    return cards_date8(&p->line, st, w, d, fe);
}

static void col_text(parser *p, struct rede *r, int n, char *dst, size_t size)
{
    if (r->ncols < n || r->col_len[n - 1] == 0) {
        dst[0] = '\0';
        return;
    }
    cards_text(&p->line, r->col_start[n - 1], r->col_len[n - 1], dst, size);
}

static long col_int(struct rede *r, const cnab_line *l, int n)
{
    if (r->ncols < n || r->col_len[n - 1] == 0 || r->col_len[n - 1] > 9 ||
        !cards_all_digits(l, r->col_start[n - 1], r->col_len[n - 1]))
        return -1;
    long v = 0;
    for (size_t i = r->col_start[n - 1] - 1; i < r->col_start[n - 1] - 1 + r->col_len[n - 1]; i++)
        v = v * 10 + (l->c[i] - '0');
    return v;
}

/* "XX/XX" (parcela/total) at start */
static void installment_of(const cnab_line *l, size_t start, settle_record *rec)
{
    const unsigned char *s = l->c + start - 1;
    if ((unsigned)s[0] - '0' <= 9 && (unsigned)s[1] - '0' <= 9 && s[2] == '/' && (unsigned)s[3] - '0' <= 9 &&
        (unsigned)s[4] - '0' <= 9) {
        rec->installment = (int16_t)((s[0] - '0') * 10 + (s[1] - '0'));
        rec->installments = (int16_t)((s[3] - '0') * 10 + (s[4] - '0'));
    }
}

static void begin(parser *p, settle_record *rec, record_kind kind)
{
    memset(rec, 0, sizeof *rec);
    rec->line = p->lineno;
    rec->format = FMT_REDE;
    rec->kind = kind;
}

/* The adjustment reason: the 4-digit field of the 2023 layout when the
 * 2-digit one is zeros or blank, else the 2-digit one. */
static int reason_of(const cnab_line *l, size_t at2, size_t at4)
{
    int r2 = -1, r4 = -1;
    if (cards_all_digits(l, at2, 2))
        r2 = (l->c[at2 - 1] - '0') * 10 + (l->c[at2] - '0');
    if (at4 && cards_all_digits(l, at4, 4))
        r4 = (l->c[at4 - 1] - '0') * 1000 + (l->c[at4] - '0') * 100 + (l->c[at4 + 1] - '0') * 10 + (l->c[at4 + 2] - '0');
    return r2 > 0 ? r2 : r4 > 0 ? r4 : 0;
}

static void set_reason(settle_record *rec, int reason, const char *text)
{
    snprintf(rec->adjustment, sizeof rec->adjustment, "%s", adjustment_of(reason));
    snprintf(rec->movement_code, sizeof rec->movement_code, "%02d", reason % 100);
    snprintf(rec->message, sizeof rec->message, "%d %s", reason, text);
}

/* ---- EEVC ---------------------------------------------------------------- */

/* EEVC 006/010/016/022: an RV (sales summary), kept for its CVs and the
 * trailer's totals. Returns 0, -1 on error. */
static int eevc_rv(parser *p, err_t *e)
{
    struct rede *r = p->rede;
    const cnab_line *l = &p->line;
    cnab_ferr fe;
    int64_t v, gross, fee, net;
    if (digits(p, 13, 9, "the RV number", &v, &fe) < 0 || money(p, 54, 15, "the RV gross amount", &gross, &fe) < 0 ||
        money(p, 99, 15, "the RV discount (fee)", &fee, &fe) < 0 || money(p, 114, 15, "the RV net amount", &net, &fe) < 0 ||
        cards_date8(l, 129, "the credit date", &r->rv_credit, &fe) < 0)
        return fail_fe(p, e, &fe);
    cards_text(l, 13, 9, r->rv, sizeof r->rv);
    r->rv_gross += gross, r->rv_fee += fee, r->rv_net += net;
    p->info.skipped++;
    return 0;
}

/* EEVC installment CV: 221-235 / 236-250 are the net of the first
 * installment and of each other one; a warning when they do not add up to
 * net over n installments. */
static int eevc_installments(parser *p, int64_t n, int64_t net, err_t *e)
{
    cnab_ferr fe;
    int64_t first = 0, other = 0;
    if (money(p, 221, 15, "the first installment's net", &first, &fe) < 0 ||
        money(p, 236, 15, "the other installments' net", &other, &fe) < 0)
        return fail_fe(p, e, &fe);
    if ((first || other) && first + other * (n - 1) != net) {
        p->info.xcheck_mismatches++;
        parser_warn(p, p->lineno, 221,
                    "money does not add up: net %lld != first installment %lld + %lld x %lld (read as Rede "
                    "sent it)",
                    (long long)net, (long long)first, (long long)(n - 1), (long long)other);
    }
    return 0;
}

/* EEVC 008/012/018: a CV (sale; 012/018 in installments). Returns 1 with
 * a sale in rec, 0 for a CV Rede did not accept, -1 on error. */
static int eevc_cv(parser *p, int type, settle_record *rec, err_t *e)
{
    struct rede *r = p->rede;
    const cnab_line *l = &p->line;
    cnab_ferr fe;
    int inst = type != 8;
    char status[4];
    cards_text(l, 84, 3, status, sizeof status);
    if (status[0] && strspn(status, "0") != strlen(status)) {
        p->info.skipped++; /* not accepted by Rede: no sale */
        return 0;
    }
    begin(p, rec, KIND_CARD_SALE);
    int64_t amt, fee, net, n = 0;
    if (money(p, 38, 15, "the sale amount (valor do CV/NSU)", &amt, &fe) < 0 ||
        cards_date8(l, 22, "the sale date (data do CV/NSU)", &rec->occurred_on, &fe) < 0 ||
        money(p, inst ? 114 : 112, 15, "the discount (fee)", &fee, &fe) < 0 ||
        money(p, inst ? 206 : 204, 15, "the net amount", &net, &fe) < 0 ||
        (inst && digits(p, 87, 2, "the installment count", &n, &fe) < 0))
        return fail_fe(p, e, &fe);
    cards_text(l, 4, 9, rec->card_merchant, sizeof rec->card_merchant);
    cards_text(l, 13, 9, rec->acquirer_key, sizeof rec->acquirer_key);
    cards_text(l, inst ? 89 : 87, 12, rec->card_nsu, sizeof rec->card_nsu);
    cards_text(l, inst ? 129 : 127, 6, rec->card_authorization, sizeof rec->card_authorization);
    set_brand(r, rec, l->c[inst ? 261 : 229]);
    rec->installments = (int16_t)n;
    rec->amount_face_cents = rec->amount_paid_cents = amt;
    rec->fee_cents = fee;
    rec->amount_credited_cents = net;
    if (!strcmp(rec->acquirer_key, r->rv))
        rec->credited_on = r->rv_credit;
    snprintf(rec->movement_code, sizeof rec->movement_code, "%02d", type);
    if (amt - fee != net) {
        p->info.xcheck_mismatches++;
        parser_warn(p, p->lineno, inst ? 206 : 204,
                    "money does not add up: net %lld != amount %lld - discount %lld (read as Rede sent it)",
                    (long long)net, (long long)amt, (long long)fee);
    }
    if (inst && n > 1 && eevc_installments(p, n, net, e) < 0)
        return -1;
    r->cvs++;
    return 1;
}

/* EEVC 011: ajuste a crédito. Returns 1 with the adjustment, -1 on error. */
static int eevc_credit_adjustment(parser *p, settle_record *rec, err_t *e)
{
    const cnab_line *l = &p->line;
    cnab_ferr fe;
    begin(p, rec, KIND_CARD_ADJUSTMENT);
    int64_t adj, cred;
    if (money(p, 30, 15, "the adjustment amount", &adj, &fe) < 0 ||
        cards_date8(l, 22, "the adjustment date", &rec->occurred_on, &fe) < 0 ||
        cards_date8(l, 45, "the credit date", &rec->credited_on, &fe) < 0 ||
        money(p, 53, 15, "the credit amount", &cred, &fe) < 0)
        return fail_fe(p, e, &fe);
    char text[64];
    cards_text(l, 91, 28, text, sizeof text);
    cards_text(l, 4, 9, rec->card_merchant, sizeof rec->card_merchant);
    cards_text(l, 13, 9, rec->acquirer_key, sizeof rec->acquirer_key);
    set_reason(rec, reason_of(l, 89, 120), text);
    set_brand(p->rede, rec, l->c[118]);
    rec->amount_face_cents = adj;
    rec->amount_credited_cents = cred;
    return 1;
}

/* 1 a record into rec, 0 nothing to return, -1 error */
static int eevc_record(parser *p, int type, settle_record *rec, err_t *e)
{
    switch (type) {
    case 6: case 10: case 16: case 22: /* RV */
        return eevc_rv(p, e);
    case 8: case 12: case 18: /* CV */
        return eevc_cv(p, type, rec, e);
    case 11: /* ajuste a crédito */
        return eevc_credit_adjustment(p, rec, e);
    default:
        return -2; /* not an EEVC detail type we know */
    }
}

/* ---- EEFI ---------------------------------------------------------------- */

/* EEFI 034: crédito (ordem de crédito). Returns 1, -1 on error. */
static int eefi_credit(parser *p, settle_record *rec, err_t *e)
{
    const cnab_line *l = &p->line;
    cnab_ferr fe;
    begin(p, rec, KIND_CARD_SETTLEMENT);
    int64_t val, gross, fee;
    if (money(p, 32, 15, "the credit amount", &val, &fe) < 0 ||
        cards_date8(l, 24, "the credit date (data do lançamento)", &rec->credited_on, &fe) < 0 ||
        cards_date8(l, 85, "the RV date", &rec->occurred_on, &fe) < 0 ||
        money(p, 95, 15, "the RV gross amount", &gross, &fe) < 0 ||
        money(p, 110, 15, "the RV discount (fee)", &fee, &fe) < 0)
        return fail_fe(p, e, &fe);
    if (l->c[46] != 'C') {
        cards_expected(l, 47, 1, "'C' (crédito)", &fe);
        return fail_fe(p, e, &fe);
    }
    if (!rec->credited_on.y)
        return parser_fail(p, e, p->lineno, 24, "expected a date DDMMAAAA in the credit date (positions 24-31), found none");
    cards_text(l, 4, 9, rec->card_merchant, sizeof rec->card_merchant);
    cards_text(l, 76, 9, rec->acquirer_key, sizeof rec->acquirer_key);
    cards_text(l, 130, 2, rec->movement_code, sizeof rec->movement_code);
    installment_of(l, 125, rec);
    set_brand(p->rede, rec, l->c[92]);
    rec->amount_face_cents = gross;
    rec->fee_cents = fee;
    rec->amount_credited_cents = val;
    /* Tabela II: 09 baixado para penhora ou retenção, 11 suspenso,
     * 12 penhorado, 13 retido: not paid to the store */
    const char *st = rec->movement_code;
    rec->paid = !(!strcmp(st, "09") || !strcmp(st, "11") || !strcmp(st, "12") || !strcmp(st, "13"));
    p->rede->credits += val;
    return 1;
}

/* EEFI 035: ajuste net / desagendamento. Returns 1, -1 on error. */
static int eefi_net_adjustment(parser *p, settle_record *rec, err_t *e)
{
    struct rede *r = p->rede;
    const cnab_line *l = &p->line;
    cnab_ferr fe;
    begin(p, rec, KIND_CARD_ADJUSTMENT);
    int64_t val, trx;
    if (money(p, 30, 15, "the adjustment amount", &val, &fe) < 0 ||
        cards_date8(l, 92, "the sale date (data da transação CV)", &rec->occurred_on, &fe) < 0 ||
        money(p, 155, 15, "the sale amount (valor da transação)", &trx, &fe) < 0 ||
        cards_date8(l, 171, "the credit date", &rec->credited_on, &fe) < 0)
        return fail_fe(p, e, &fe);
    if (!rec->credited_on.y && cards_date8(l, 22, "the adjustment date", &rec->credited_on, &fe) < 0)
        return fail_fe(p, e, &fe);
    char text[64];
    cards_text(l, 48, 28, text, sizeof text);
    cards_text(l, 4, 9, rec->card_merchant, sizeof rec->card_merchant);
    cards_text(l, 13, 9, rec->acquirer_key, sizeof rec->acquirer_key);
    cards_text(l, 239, 12, rec->card_nsu, sizeof rec->card_nsu);
    cards_text(l, 251, 6, rec->card_authorization, sizeof rec->card_authorization);
    set_reason(rec, reason_of(l, 46, 313), text);
    set_brand(r, rec, l->c[299]);
    rec->amount_face_cents = -trx;
    rec->amount_credited_cents = -val;  /* a debit netted from a credit */
    r->net_adj_n++, r->net_adj += val;
    return 1;
}

/* EEFI 036: antecipação (RAV). Returns 1, -1 on error. */
static int eefi_anticipation(parser *p, settle_record *rec, err_t *e)
{
    struct rede *r = p->rede;
    const cnab_line *l = &p->line;
    cnab_ferr fe;
    begin(p, rec, KIND_CARD_ADJUSTMENT);
    int64_t val, gross, fee;
    if (money(p, 32, 15, "the credit amount", &val, &fe) < 0 ||
        cards_date8(l, 24, "the credit date (data do lançamento)", &rec->credited_on, &fe) < 0 ||
        cards_date8(l, 77, "the RV date", &rec->occurred_on, &fe) < 0 ||
        cards_date8(l, 100, "the original due date", &rec->due_on, &fe) < 0 ||
        money(p, 113, 15, "the gross amount", &gross, &fe) < 0 ||
        money(p, 128, 15, "the discount (fee)", &fee, &fe) < 0)
        return fail_fe(p, e, &fe);
    cards_text(l, 4, 9, rec->card_merchant, sizeof rec->card_merchant);
    cards_text(l, 68, 9, rec->acquirer_key, sizeof rec->acquirer_key);
    installment_of(l, 108, rec);
    set_brand(r, rec, l->c[151]);
    snprintf(rec->adjustment, sizeof rec->adjustment, "anticipation");
    rec->amount_face_cents = gross;
    rec->fee_cents = fee;
    rec->amount_credited_cents = val;
    r->antic_n++, r->antic += val;
    return 1;
}

/* EEFI 038: ajuste a débito via banco. Returns 1, -1 on error. */
static int eefi_debit_adjustment(parser *p, settle_record *rec, err_t *e)
{
    struct rede *r = p->rede;
    const cnab_line *l = &p->line;
    cnab_ferr fe;
    begin(p, rec, KIND_CARD_ADJUSTMENT);
    int64_t val, trx;
    if (money(p, 32, 15, "the debit amount", &val, &fe) < 0 ||
        cards_date8(l, 24, "the issue date", &rec->credited_on, &fe) < 0 ||
        cards_date8(l, 214, "the sale date (data da transação CV)", &rec->occurred_on, &fe) < 0 ||
        money(p, 251, 15, "the original sale amount", &trx, &fe) < 0)
        return fail_fe(p, e, &fe);
    settle_date debit;
    if (cards_date8(l, 243, "the debit date", &debit, &fe) < 0)
        return fail_fe(p, e, &fe);
    if (debit.y)
        rec->credited_on = debit;
    char text[64];
    cards_text(l, 102, 28, text, sizeof text);
    cards_text(l, 4, 9, rec->card_merchant, sizeof rec->card_merchant);
    cards_text(l, 68, 9, rec->acquirer_key, sizeof rec->acquirer_key);
    cards_text(l, 222, 12, rec->card_nsu, sizeof rec->card_nsu);
    cards_text(l, 266, 6, rec->card_authorization, sizeof rec->card_authorization);
    set_reason(rec, reason_of(l, 100, 304), text);
    set_brand(r, rec, l->c[302]);
    rec->amount_face_cents = -trx;
    rec->amount_credited_cents = -val;
    r->debit_adj_n++, r->debit_adj += val;
    return 1;
}

/* EEFI 043: ajuste a crédito. Returns 1, -1 on error. */
static int eefi_credit_adjustment(parser *p, settle_record *rec, err_t *e)
{
    struct rede *r = p->rede;
    const cnab_line *l = &p->line;
    cnab_ferr fe;
    begin(p, rec, KIND_CARD_ADJUSTMENT);
    int64_t val;
    if (money(p, 49, 15, "the credit amount", &val, &fe) < 0 ||
        cards_date8(l, 41, "the credit date", &rec->credited_on, &fe) < 0 ||
        cards_date8(l, 33, "the issue date", &rec->occurred_on, &fe) < 0)
        return fail_fe(p, e, &fe);
    char text[64];
    cards_text(l, 87, 28, text, sizeof text);
    cards_text(l, 4, 9, rec->card_merchant, sizeof rec->card_merchant);
    cards_text(l, 13, 9, rec->acquirer_key, sizeof rec->acquirer_key);
    set_reason(rec, reason_of(l, 85, 116), text);
    set_brand(r, rec, l->c[114]);
    rec->amount_credited_cents = val;
    r->credit_adj_n++, r->credit_adj += val;
    return 1;
}

static int eefi_record(parser *p, int type, settle_record *rec, err_t *e)
{
    switch (type) {
    case 34: /* crédito (ordem de crédito) */
        return eefi_credit(p, rec, e);
    case 35: /* ajuste net / desagendamento */
        return eefi_net_adjustment(p, rec, e);
    case 36: /* antecipação (RAV) */
        return eefi_anticipation(p, rec, e);
    case 38: /* ajuste a débito via banco */
        return eefi_debit_adjustment(p, rec, e);
    case 43: /* ajuste a crédito */
        return eefi_credit_adjustment(p, rec, e);
    default:
        return -2;
    }
}

/* ---- EEVD ---------------------------------------------------------------- */

/* EEVD 01: an RV (sales summary), kept for its CVs and the trailer's
 * totals. Returns 0, -1 on error. */
static int eevd_rv(parser *p, err_t *e)
{
    struct rede *r = p->rede;
    cnab_ferr fe;
    int64_t gross, fee, net;
    if (col_date(p, r, 3, "the credit date", &r->rv_credit, &fe) < 0 ||
        col_money(p, r, 7, "the RV gross amount", &gross, &fe) < 0 ||
        col_money(p, r, 8, "the RV discount (fee)", &fee, &fe) < 0 ||
        col_money(p, r, 9, "the RV net amount", &net, &fe) < 0)
        return fail_fe(p, e, &fe);
    col_text(p, r, 5, r->rv, sizeof r->rv);
    r->rv_gross += gross, r->rv_fee += fee, r->rv_net += net;
    r->rvs++;
    p->info.skipped++;
    return 0;
}

/* EEVD 05: a CV (sale). Returns 1 with a sale in rec, 0 for a CV whose
 * status is not 1 (accepted), -1 on error. */
static int eevd_cv(parser *p, settle_record *rec, err_t *e)
{
    struct rede *r = p->rede;
    const cnab_line *l = &p->line;
    cnab_ferr fe;
    r->cvs++;
    long st = col_int(r, l, 12);
    if (st != 1) {
        p->info.skipped++;
        return 0;
    }
    begin(p, rec, KIND_CARD_SALE);
    int64_t amt, fee, net;
    if (col_date(p, r, 4, "the sale date (data do CV)", &rec->occurred_on, &fe) < 0 ||
        col_money(p, r, 5, "the gross amount", &amt, &fe) < 0 ||
        col_money(p, r, 6, "the discount (fee)", &fee, &fe) < 0 ||
        col_money(p, r, 7, "the net amount", &net, &fe) < 0 ||
        col_date(p, r, 11, "the credit date", &rec->credited_on, &fe) < 0)
        return fail_fe(p, e, &fe);
    col_text(p, r, 2, rec->card_merchant, sizeof rec->card_merchant);
    col_text(p, r, 3, rec->acquirer_key, sizeof rec->acquirer_key);
    col_text(p, r, 10, rec->card_nsu, sizeof rec->card_nsu);
    if (r->ncols >= 19 && r->col_len[18] == 1)
        set_brand(r, rec, l->c[r->col_start[18] - 1]);
    if (!rec->credited_on.y && !strcmp(rec->acquirer_key, r->rv))
        rec->credited_on = r->rv_credit;
    rec->amount_face_cents = rec->amount_paid_cents = amt;
    rec->fee_cents = fee;
    rec->amount_credited_cents = net;
    snprintf(rec->movement_code, sizeof rec->movement_code, "05");
    if (amt - fee != net) {
        p->info.xcheck_mismatches++;
        parser_warn(p, p->lineno, r->col_start[6],
                    "money does not add up: net %lld != amount %lld - discount %lld (read as Rede sent it)",
                    (long long)net, (long long)amt, (long long)fee);
    }
    return 1;
}

/* EEVD 08: desagendamento, the cancellation or chargeback of a pre-dated
 * sale. Returns 1, -1 on error. */
static int eevd_unscheduling(parser *p, settle_record *rec, err_t *e)
{
    struct rede *r = p->rede;
    cnab_ferr fe;
    begin(p, rec, KIND_CARD_ADJUSTMENT);
    int64_t gross, cancel;
    if (col_date(p, r, 4, "the sale date (data do CV)", &rec->occurred_on, &fe) < 0 ||
        col_money(p, r, 6, "the sale gross amount", &gross, &fe) < 0 ||
        col_money(p, r, 7, "the cancelled amount", &cancel, &fe) < 0 ||
        col_date(p, r, 9, "the credit date", &rec->credited_on, &fe) < 0)
        return fail_fe(p, e, &fe);
    col_text(p, r, 2, rec->card_merchant, sizeof rec->card_merchant);
    col_text(p, r, 3, rec->acquirer_key, sizeof rec->acquirer_key);
    col_text(p, r, 5, rec->card_nsu, sizeof rec->card_nsu);
    long why = col_int(r, &p->line, 8);
    snprintf(rec->adjustment, sizeof rec->adjustment, "%s", why == 1 ? "chargeback" : why == 0 ? "cancel" : "other");
    snprintf(rec->movement_code, sizeof rec->movement_code, "%02ld", why >= 0 ? why % 100 : 0);
    rec->amount_face_cents = -gross;
    rec->amount_credited_cents = -cancel;
    return 1;
}

/* EEVD 11: ajuste net. Returns 1, -1 on error. */
static int eevd_net_adjustment(parser *p, settle_record *rec, err_t *e)
{
    struct rede *r = p->rede;
    const cnab_line *l = &p->line;
    cnab_ferr fe;
    begin(p, rec, KIND_CARD_ADJUSTMENT);
    int64_t val, trx;
    if (col_money(p, r, 5, "the adjustment amount", &val, &fe) < 0 ||
        col_date(p, r, 10, "the sale date (data da transação CV)", &rec->occurred_on, &fe) < 0 ||
        col_money(p, r, 17, "the sale amount (valor da transação)", &trx, &fe) < 0 ||
        col_date(p, r, 19, "the credit date", &rec->credited_on, &fe) < 0)
        return fail_fe(p, e, &fe);
    char text[64];
    col_text(p, r, 8, text, sizeof text);
    col_text(p, r, 2, rec->card_merchant, sizeof rec->card_merchant);
    col_text(p, r, 3, rec->acquirer_key, sizeof rec->acquirer_key);
    col_text(p, r, 22, rec->card_nsu, sizeof rec->card_nsu);
    col_text(p, r, 23, rec->card_authorization, sizeof rec->card_authorization);
    long r7 = col_int(r, l, 7), r30 = col_int(r, l, 30);
    set_reason(rec, (int)(r7 > 0 ? r7 : r30 > 0 ? r30 : 0), text);
    rec->amount_face_cents = -trx;
    rec->amount_credited_cents = -val;
    return 1;
}

static int eevd_record(parser *p, int type, settle_record *rec, err_t *e)
{
    switch (type) {
    case 1: /* RV */
        return eevd_rv(p, e);
    case 5: /* CV */
        return eevd_cv(p, rec, e);
    case 8: /* desagendamento: cancellation or chargeback of a pre-dated sale */
        return eevd_unscheduling(p, rec, e);
    case 11: /* ajuste net */
        return eevd_net_adjustment(p, rec, e);
    default:
        return -2;
    }
}

/* ---- companions, trailers, dispatch -------------------------------------- */

/* Is type the e-commerce record that completes a pending record of
 * pend_type? (EEVC 034/035/036 after 008/012/018; EEFI 053 after 035, 054
 * after 038; EEVD 13 after 05, 17 after 11.) */
static int companion_of(int kind, int type, int pend_type)
{
    if (kind == EEVC)
        return (type == 34 && pend_type == 8) || (type == 35 && pend_type == 12) || (type == 36 && pend_type == 18);
    if (kind == EEFI)
        return (type == 53 && pend_type == 35) || (type == 54 && pend_type == 38);
    return (type == 13 && pend_type == 5) || (type == 17 && pend_type == 11);
}

/* An e-commerce record type at all (one whose sale was not returned, a CV
 * Rede did not accept, is skipped). */
static int is_companion(int kind, int type)
{
    if (kind == EEVC)
        return type == 34 || type == 35 || type == 36;
    if (kind == EEFI)
        return type == 53 || type == 54;
    return type == 13 || type == 17;
}

static void fold_companion(parser *p, int type, settle_record *rec)
{
    struct rede *r = p->rede;
    const cnab_line *l = &p->line;
    if (r->kind == EEVD) {
        int tid = type == 13 ? 8 : 10, ord = type == 13 ? 9 : 11;
        col_text(p, r, tid, rec->card_tid, sizeof rec->card_tid);
        col_text(p, r, ord, rec->order_reference, sizeof rec->order_reference);
        if (type == 17 && !rec->card_authorization[0])
            col_text(p, r, 9, rec->card_authorization, sizeof rec->card_authorization);
        return;
    }
    if (r->kind == EEVC) {
        cards_text(l, 79, 20, rec->card_tid, sizeof rec->card_tid);
        cards_text(l, 99, 30, rec->order_reference, sizeof rec->order_reference);
        return;
    }
    cards_text(l, 79, 20, rec->card_tid, sizeof rec->card_tid);
    cards_text(l, 99, 30, rec->order_reference, sizeof rec->order_reference);
    if (!rec->card_nsu[0])
        cards_text(l, type == 53 ? 61 : 46, 12, rec->card_nsu, sizeof rec->card_nsu);
    if (!rec->card_authorization[0])
        cards_text(l, 73, 6, rec->card_authorization, sizeof rec->card_authorization);
}

static int check_count(parser *p, err_t *e, size_t col, const char *what, long long want, long long found)
{
    if (want == found)
        return 0;
    /* what: "total net (positions 134-148), the sum of the RV records" */
    const char *why = strstr(what, "), ");
    if (why)
        return parser_fail(p, e, p->lineno, col, "expected the trailer's %.*s to be %lld, %s, found %lld",
                           (int)(why + 1 - what), what, want, why + 3, found);
    return parser_fail(p, e, p->lineno, col, "expected the trailer's %s to be %lld, found %lld", what, want, found);
}

static int read_trailer(parser *p, err_t *e)
{
    struct rede *r = p->rede;
    cnab_ferr fe;
    int64_t n, gross, fee, net, cvs;
    if (r->kind == EEVC) {
        if (digits(p, 8, 6, "the record count", &n, &fe) < 0 || money(p, 23, 15, "the total gross", &gross, &fe) < 0 ||
            money(p, 119, 15, "the total discount", &fee, &fe) < 0 || money(p, 134, 15, "the total net", &net, &fe) < 0)
            return fail_fe(p, e, &fe);
        if (check_count(p, e, 8, "record count (positions 8-13, header and trailer included)", r->n_lines, n) < 0 ||
            check_count(p, e, 23, "total gross (positions 23-37), the sum of the RV records", r->rv_gross, gross) < 0 ||
            check_count(p, e, 119, "total discount (positions 119-133), the sum of the RV records", r->rv_fee, fee) < 0 ||
            check_count(p, e, 134, "total net (positions 134-148), the sum of the RV records", r->rv_net, net) < 0)
            return -1;
        return 0;
    }
    if (r->kind == EEFI) {
        int64_t an, av, cn, cv, dn, dv, credits;
        if (digits(p, 8, 6, "the record count", &n, &fe) < 0 ||
            money(p, 27, 15, "the total of normal credits", &credits, &fe) < 0 ||
            digits(p, 42, 6, "the anticipation count", &an, &fe) < 0 ||
            money(p, 48, 15, "the anticipation total", &av, &fe) < 0 ||
            digits(p, 63, 4, "the credit adjustment count", &cn, &fe) < 0 ||
            money(p, 67, 15, "the credit adjustment total", &cv, &fe) < 0 ||
            digits(p, 82, 4, "the debit adjustment count", &dn, &fe) < 0 ||
            money(p, 86, 15, "the debit adjustment total", &dv, &fe) < 0)
            return fail_fe(p, e, &fe);
        if (check_count(p, e, 8, "record count (positions 8-13, header and trailer included)", r->n_lines, n) < 0 ||
            check_count(p, e, 27, "total of normal credits (positions 27-41), the sum of the 034 records", r->credits,
                        credits) < 0 ||
            check_count(p, e, 42, "anticipation count (positions 42-47), the 036 records", r->antic_n, an) < 0 ||
            check_count(p, e, 48, "anticipation total (positions 48-62), the sum of the 036 records", r->antic, av) < 0 ||
            check_count(p, e, 63, "credit adjustment count (positions 63-66), the 043 records", r->credit_adj_n, cn) < 0 ||
            check_count(p, e, 67, "credit adjustment total (positions 67-81), the sum of the 043 records", r->credit_adj,
                        cv) < 0)
            return -1;
        /* debit adjustments: the 038 records, or the 038 and the 035 (net) ones */
        int64_t both = r->debit_adj + r->net_adj;
        if (!(dn == r->debit_adj_n && dv == r->debit_adj) &&
            !(dn == r->debit_adj_n + r->net_adj_n && dv == both))
            return parser_fail(p, e, p->lineno, 82,
                               "expected the trailer's debit adjustments (positions 82-100) to be %ld records of %lld "
                               "(038) or %ld of %lld (038 and 035), found %lld of %lld",
                               r->debit_adj_n, (long long)r->debit_adj, r->debit_adj_n + r->net_adj_n,
                               (long long)both, (long long)dn, (long long)dv);
        return 0;
    }
    int64_t rvs;
    if (col_money(p, r, 3, "the RV count", &rvs, &fe) < 0 || col_money(p, r, 4, "the CV count", &cvs, &fe) < 0 ||
        col_money(p, r, 5, "the total gross", &gross, &fe) < 0 || col_money(p, r, 6, "the total discount", &fee, &fe) < 0 ||
        col_money(p, r, 7, "the total net", &net, &fe) < 0 || col_money(p, r, 11, "the record count", &n, &fe) < 0)
        return fail_fe(p, e, &fe);
    size_t c3 = r->ncols >= 3 ? r->col_start[2] : 1, c4 = r->ncols >= 4 ? r->col_start[3] : 1,
           c5 = r->ncols >= 5 ? r->col_start[4] : 1, c7 = r->ncols >= 7 ? r->col_start[6] : 1,
           c11 = r->ncols >= 11 ? r->col_start[10] : 1;
    if (check_count(p, e, c11, "record count (column 11, header and trailer included)", r->n_lines, n) < 0 ||
        check_count(p, e, c3, "RV count (column 3)", r->rvs, rvs) < 0 ||
        check_count(p, e, c4, "CV count (column 4)", r->cvs, cvs) < 0 ||
        check_count(p, e, c5, "total gross (column 5), the sum of the RV records", r->rv_gross, gross) < 0 ||
        check_count(p, e, c7, "total net (column 7), the sum of the RV records", r->rv_net, net) < 0)
        return -1;
    (void)fee;
    return 0;
}

/* The record type of the current line: EEVC/EEFI 1-3, EEVD the first
 * column (2 or 3 digits). -1 when not digits. */
static int type_of(parser *p)
{
    struct rede *r = p->rede;
    const cnab_line *l = &p->line;
    if (r->kind == EEVD) {
        split_cols(r, l);
        long t = col_int(r, l, 1);
        return r->col_len[0] >= 2 && r->col_len[0] <= 3 ? (int)t : -1;
    }
    return cards_all_digits(l, 1, 3) ? (l->c[0] - '0') * 100 + (l->c[1] - '0') * 10 + (l->c[2] - '0') : -1;
}

static int is_trailer(int kind, int type)
{
    return (kind == EEVC && type == 28) || (kind == EEFI && type == 52) || (kind == EEVD && type == 4);
}

/* Known types read and counted but not returned. */
static int is_skipped(int kind, int type)
{
    static const int eevc[] = { 4, 5, 14, 17, 19, 20, 21, 24, 26, 33, 40 };
    static const int eefi[] = { 32, 37, 40, 41, 42, 44, 45, 49, 50, 55, 56, 57 };
    static const int eevd[] = { 2, 3, 9, 20 };
    const int *t = kind == EEVC ? eevc : kind == EEFI ? eefi : eevd;
    size_t n = kind == EEVC ? sizeof eevc / sizeof *eevc : kind == EEFI ? sizeof eefi / sizeof *eefi : sizeof eevd / sizeof *eevd;
    for (size_t i = 0; i < n; i++)
        if (t[i] == type)
            return 1;
    return 0;
}

int rede_next(parser *p, settle_record *rec, err_t *e)
{
    struct rede *r = p->rede;
    for (;;) {
        int rd = parser_read_line(p, e);
        if (rd < 0)
            return -1;
        if (rd == 0) {
            if (r->have_pend) {
                r->have_pend = 0;
                *rec = r->pend;
                return 1;
            }
            if (r->trailer_seen)
                return 0;
            return parser_fail(p, e, p->lineno + 1, 1, "expected a trailer (record type %s), found the end of the file (truncated?)",
                               r->kind == EEVC ? "028" : r->kind == EEFI ? "052" : "04");
        }
        if (r->trailer_seen)
            return parser_fail(p, e, p->lineno, 1, "expected the end of the file after the trailer, found a record");
        if (r->kind != EEVD && parser_fit(p, REDE_LEN, e) < 0)
            return -1;
        int type = type_of(p);
        if (r->have_pend) {
            if (companion_of(r->kind, type, r->pend_type)) {
                r->n_lines++;
                fold_companion(p, type, &r->pend);
                continue;
            }
            p->have_peek = 1; /* read this line again after returning pend */
            r->have_pend = 0;
            *rec = r->pend;
            return 1;
        }
        if (++r->n_lines > cards_max_records)
            return parser_fail(p, e, p->lineno, 1, "expected at most %ld records in one file, found more", cards_max_records);
        if (type < 0) {
            char found[8];
            cards_text(&p->line, 1, 3, found, sizeof found);
            return parser_fail(p, e, p->lineno, 1, "expected a record type (digits) at the start of the line, found '%s'",
                               found);
        }
        if (is_trailer(r->kind, type)) {
            if (read_trailer(p, e) < 0)
                return -1;
            r->trailer_seen = 1;
            continue;
        }
        int got = r->kind == EEVC ? eevc_record(p, type, &r->pend, e)
                  : r->kind == EEFI ? eefi_record(p, type, &r->pend, e)
                                    : eevd_record(p, type, &r->pend, e);
        if (got < 0 && got != -2)
            return -1;
        if (got == 1) {
            r->have_pend = 1;
            r->pend_type = type;
            continue;
        }
        if (got == 0)
            continue;
        if (is_skipped(r->kind, type) || is_companion(r->kind, type)) {
            p->info.skipped++; /* a known record (or an e-commerce record without its sale) */
            continue;
        }
        p->info.skipped++;
        parser_warn(p, p->lineno, 1, "unknown record type '%0*d' for %s: counted and skipped", r->kind == EEVD ? 2 : 3, type,
                    r->kind == EEVC ? "EEVC" : r->kind == EEFI ? "EEFI" : "EEVD");
    }
}

/* ---- header -------------------------------------------------------------- */

static int rede_literal(const cnab_line *l, size_t start)
{
    char lit[12];
    cards_text(l, start, 8, lit, sizeof lit);
    return !strcasecmp(lit, "rede") || !strcasecmp(lit, "redecard");
}

int rede_sniff(const cnab_line *l)
{
    /* 060: EESA (open balance), sniffed so that it is refused by name */
    if (l->len >= 19 && (!memcmp(l->c, "002", 3) || !memcmp(l->c, "030", 3) || !memcmp(l->c, "060", 3)) &&
        cards_all_digits(l, 4, 8) &&
        rede_literal(l, 12))
        return 1;
    /* EEVD: "00,PV,DDMMAAAA,DDMMAAAA,Movimentação...,Rede,..." */
    if (l->len < 3 || memcmp(l->c, "00,", 3))
        return 0;
    int col = 1;
    size_t s = 0;
    for (size_t i = 0; i <= l->len; i++)
        if (i == l->len || l->c[i] == ',') {
            if (col == 6) {
                cnab_line tmp;
                memset(&tmp, ' ', sizeof tmp.c);
                tmp.wide = 0;
                size_t n = i - s < 8 ? i - s : 8;
                memcpy(tmp.c, l->c + s, n);
                return rede_literal(&tmp, 1);
            }
            col++;
            s = i + 1;
        }
    return 0;
}

/* version: one of the prefixes, and the file name after it */
static int version_ok(const char *v, const char *const *ok, const char *name)
{
    for (; *ok; ok++)
        if (!strncasecmp(v, *ok, strlen(*ok)) && strstr(v, name))
            return 1;
    return 0;
}

int rede_start(parser *p, err_t *e)
{
    cnab_line *l = &p->line;
    cnab_ferr fe;
    struct rede *r = calloc(1, sizeof *r);
    if (!r) {
        p->failed = 1;
        return err_fail(e, EX_SOFTWARE, "%s: out of memory", p->name);
    }
    p->rede = r;
    p->info.format = FMT_REDE;
    if (!rede_sniff(l)) {
        char head[41];
        cards_text(l, 1, l->len < 40 ? l->len : 40, head, sizeof head);
        return parser_fail(p, e, 1, 1,
                           "expected a Rede header (002 EEVC or 030 EEFI with 'Rede' at 12-19, or an EEVD '00' line "
                           "with 'Rede' in column 6), found '%s'",
                           head);
    }
    r->n_lines = 1;
    char ver[64];
    if (!memcmp(l->c, "00,", 3)) {
        r->kind = EEVD;
        split_cols(r, l);
        col_text(p, r, 10, ver, sizeof ver);
        static const char *const ok[] = { "V1.04", "V2.00", NULL };
        if (!version_ok(ver, ok, "EEVD")) {
            size_t st = r->ncols >= 10 ? r->col_start[9] : l->len + 1;
            return parser_fail(p, e, 1, st,
                               "expected the EEVD file version 'V1.04 - 07/10 - EEVD' or 'V2.00 - 05/2023 EEVD' (column "
                               "10), found '%s'",
                               ver);
        }
        if (col_date(p, r, 3, "the issue date", &p->info.generated_on, &fe) < 0)
            return fail_fe(p, e, &fe);
        return 0;
    }
    if (parser_fit(p, REDE_LEN, e) < 0)
        return -1;
    if (!memcmp(l->c, "060", 3))
        return parser_fail(p, e, 1, 1,
                           "expected a Rede EEVC (002), EEFI (030) or EEVD (00) header, found an EESA header (060, "
                           "saldo em aberto): not read by settle");
    int eevc = l->c[1] == '0';
    r->kind = eevc ? EEVC : EEFI;
    size_t vs = eevc ? 102 : 106;
    cards_text(l, vs, 20, ver, sizeof ver);
    static const char *const ok_vc[] = { "V2.01", "V3.00", NULL }, *const ok_fi[] = { "V3.01", "V4.00", NULL };
    if (!version_ok(ver, eevc ? ok_vc : ok_fi, eevc ? "EEVC" : "EEFI"))
        return parser_fail(p, e, 1, vs,
                           eevc ? "expected the EEVC file version 'V2.01 - 09/06 - EEVC' or 'V3.00 - 05/2023 EEVC' "
                                  "(positions 102-121), found '%s'"
                                : "expected the EEFI file version 'V3.01 - 09/06 - EEFI' or 'V4.00 - 05/2023 EEFI' "
                                  "(positions 106-125), found '%s'",
                           ver);
    if (cards_date8(l, 4, "the issue date", &p->info.generated_on, &fe) < 0)
        return fail_fe(p, e, &fe);
    return 0;
}

void rede_free(parser *p)
{
    free(p->rede);
    p->rede = NULL;
}
