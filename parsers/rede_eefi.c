/* rede_eefi.c - Rede EEFI (payments, anticipations and adjustments, v3.01
 * and v4.00) detail records: credits (034), net adjustments (035),
 * anticipations (036), debit (038) and credit (043) adjustments,
 * docs/formats/rede.md. The reader around them is parsers/rede.c. */
#include "parsers/rede_int.h"

#include <stdio.h>
#include <string.h>

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

int rede_eefi_record(parser *p, int type, settle_record *rec, err_t *e)
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
