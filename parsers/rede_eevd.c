/* rede_eevd.c - Rede EEVD (debit sales, comma-separated, v1.04 and v2.00)
 * detail records: the RVs (01), CVs (05, sales), desagendamentos (08) and
 * net adjustments (11), docs/formats/rede.md. The reader around them is
 * parsers/rede.c. */
#include "parsers/rede_int.h"

#include <stdio.h>
#include <string.h>

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

int rede_eevd_record(parser *p, int type, settle_record *rec, err_t *e)
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
