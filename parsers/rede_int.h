/* rede_int.h - what the Rede readers share (parsers/rede.c: the header,
 * the dispatch, companions and trailers; parsers/rede_eevc.c, rede_eefi.c,
 * rede_eevd.c: the detail records of each file type): the reader state,
 * the code tables and the field readers. Not for callers outside the Rede
 * reader. The field readers run on every record and cross files, so they
 * are static inline here (no call added per record). */
#ifndef SETTLE_REDE_INT_H
#define SETTLE_REDE_INT_H

#include "parsers/cards.h"
#include "parsers/parser_int.h"

#include <string.h>

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
static inline const char *brand_name(int kind, unsigned char c)
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

static inline void set_brand(struct rede *r, settle_record *rec, unsigned char c)
{
    const char *n = brand_name(r->kind, c);
    if (n)
        snprintf(rec->card_brand, sizeof rec->card_brand, "%s", n);
    else if (c > ' ' && c < 0x7F)
        snprintf(rec->card_brand, sizeof rec->card_brand, "%c", c);
}

/* Adjustment reason (Tabela III / de ajustes) -> adjustment name. */
static inline const char *adjustment_of(int reason)
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

static inline int fail_fe(parser *p, err_t *e, const cnab_ferr *fe)
{
    return parser_fail(p, e, p->lineno, fe->col, "%s", fe->msg);
}

/* 15-digit 9(13)V99 amount at start (fixed layouts) */
static inline int money(parser *p, size_t start, size_t len, const char *what, int64_t *v, cnab_ferr *fe)
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

static inline int digits(parser *p, size_t start, size_t len, const char *what, int64_t *v, cnab_ferr *fe)
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
static inline void split_cols(struct rede *r, const cnab_line *l)
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

static inline int col_money(parser *p, struct rede *r, int n, const char *what, int64_t *v, cnab_ferr *fe)
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

static inline int col_date(parser *p, struct rede *r, int n, const char *what, settle_date *d, cnab_ferr *fe)
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

static inline void col_text(parser *p, struct rede *r, int n, char *dst, size_t size)
{
    if (r->ncols < n || r->col_len[n - 1] == 0) {
        dst[0] = '\0';
        return;
    }
    cards_text(&p->line, r->col_start[n - 1], r->col_len[n - 1], dst, size);
}

static inline long col_int(struct rede *r, const cnab_line *l, int n)
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
static inline void installment_of(const cnab_line *l, size_t start, settle_record *rec)
{
    const unsigned char *s = l->c + start - 1;
    if ((unsigned)s[0] - '0' <= 9 && (unsigned)s[1] - '0' <= 9 && s[2] == '/' && (unsigned)s[3] - '0' <= 9 &&
        (unsigned)s[4] - '0' <= 9) {
        rec->installment = (int16_t)((s[0] - '0') * 10 + (s[1] - '0'));
        rec->installments = (int16_t)((s[3] - '0') * 10 + (s[4] - '0'));
    }
}

static inline void begin(parser *p, settle_record *rec, record_kind kind)
{
    memset(rec, 0, sizeof *rec);
    rec->line = p->lineno;
    rec->format = FMT_REDE;
    rec->kind = kind;
}

/* The adjustment reason: the 4-digit field of the 2023 layout when the
 * 2-digit one is zeros or blank, else the 2-digit one. */
static inline int reason_of(const cnab_line *l, size_t at2, size_t at4)
{
    int r2 = -1, r4 = -1;
    if (cards_all_digits(l, at2, 2))
        r2 = (l->c[at2 - 1] - '0') * 10 + (l->c[at2] - '0');
    if (at4 && cards_all_digits(l, at4, 4))
        r4 = (l->c[at4 - 1] - '0') * 1000 + (l->c[at4] - '0') * 100 + (l->c[at4 + 1] - '0') * 10 + (l->c[at4 + 2] - '0');
    return r2 > 0 ? r2 : r4 > 0 ? r4 : 0;
}

static inline void set_reason(settle_record *rec, int reason, const char *text)
{
    snprintf(rec->adjustment, sizeof rec->adjustment, "%s", adjustment_of(reason));
    snprintf(rec->movement_code, sizeof rec->movement_code, "%02d", reason % 100);
    snprintf(rec->message, sizeof rec->message, "%d %s", reason, text);
}

/* The detail records of each file type: 1 a record into rec, 0 nothing
 * to return, -1 error, -2 not a detail type of that file. */
int rede_eevc_record(parser *p, int type, settle_record *rec, err_t *e);
int rede_eefi_record(parser *p, int type, settle_record *rec, err_t *e);
int rede_eevd_record(parser *p, int type, settle_record *rec, err_t *e);

#endif
