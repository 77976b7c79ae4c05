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
 * record count and totals are checked. Memory: one pending record.
 *
 * This file: the header, the dispatch, the e-commerce companions and the
 * trailer; the detail records of each file type are parsers/rede_eevc.c,
 * rede_eefi.c and rede_eevd.c, the state and field readers they share
 * parsers/rede_int.h. */
#include "parsers/rede_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
        int got = r->kind == EEVC ? rede_eevc_record(p, type, &r->pend, e)
                  : r->kind == EEFI ? rede_eefi_record(p, type, &r->pend, e)
                                    : rede_eevd_record(p, type, &r->pend, e);
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
