/* rede_eevc.c - Rede EEVC (credit sales, v2.01 and the 2023 v3.00) detail
 * records: the RVs (006/010/016/022), the CVs (008/012/018, sales) and the
 * credit adjustments (011), docs/formats/rede.md. The reader around them
 * (header, dispatch, e-commerce companions, trailer) is parsers/rede.c. */
#include "parsers/rede_int.h"

#include <stdio.h>
#include <string.h>

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
int rede_eevc_record(parser *p, int type, settle_record *rec, err_t *e)
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
