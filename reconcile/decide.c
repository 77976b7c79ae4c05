/* decide.c - the reconciliation decision for one settlement (pure). */
#include "reconcile/decide.h"

#include "common/civil.h"
#include "parsers/cnab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const rc_rule_row rc_rules[] = {
    [RULE_NONE] = { RULE_NONE, NULL, "", 0, "" },
    [RULE_NN_EXACT] = { RULE_NN_EXACT, "nn_exact", "boleto", 1,
                        "same bank_code, nosso número equal as digits without leading zeros" },
    [RULE_TXID] = { RULE_TXID, "txid", "pix, boleto (hybrid)", 1, "settlement txid = payments.txid" },
    [RULE_NN_DV] = { RULE_NN_DV, "nn_dv", "boleto", 2,
                     "same bank_code, nosso número with its check digit removed or added per the bank's convention" },
    [RULE_E2E] = { RULE_E2E, "e2e", "pix", 2,
                   "end-to-end id of a settlement already applied: a re-delivery, never a second payment" },
    [RULE_SEU_REF] = { RULE_SEU_REF, "seu_ref", "boleto", 3,
                       "[reconcile] boleto_reference_pattern on seu número, group 1 = payments.order_id" },
    [RULE_PIX_REF] = { RULE_PIX_REF, "pix_ref", "pix", 3,
                       "[reconcile] pix_reference_pattern on the payer's message, group 1 = payments.order_id" },
};

/* Movement codes of records without money. Paid codes are the parser's
 * business (settle_record.paid); everything else lands here. */
const rc_movement rc_movements[] = {
    /* CNAB 240, FEBRABAN C044 */
    { "cnab240", "*", "02", MV_EVENT, "entry_confirmed" },
    { "cnab240", "*", "03", MV_BANK_REJECTED, "entry_rejected" },
    { "cnab240", "*", "09", MV_EVENT, "baixa" },
    { "cnab240", "*", "11", MV_EVENT, "in_portfolio" },
    { "cnab240", "*", "12", MV_EVENT, "rebate_granted" },
    { "cnab240", "*", "13", MV_EVENT, "rebate_canceled" },
    { "cnab240", "*", "14", MV_EVENT, "due_date_changed" },
    { "cnab240", "*", "19", MV_EVENT, "protest_instruction" },
    { "cnab240", "*", "20", MV_EVENT, "protest_suspended" },
    { "cnab240", "*", "23", MV_EVENT, "sent_to_notary" },
    { "cnab240", "*", "25", MV_EVENT, "protest" },
    { "cnab240", "*", "26", MV_EVENT, "instruction_rejected" },
    { "cnab240", "*", "27", MV_EVENT, "change_confirmed" },
    { "cnab240", "*", "28", MV_EVENT, "fee_debit" },
    { "cnab240", "*", "30", MV_EVENT, "change_rejected" },
    { "cnab240", "*", "44", MV_CHEQUE_RETURNED, "cheque_returned" },
    { "cnab240", "*", "45", MV_EVENT, "cheque_cleared" },
    { "cnab240", "*", "50", MV_EVENT, "cheque_pending" },
    /* CNAB 240 per bank, from each bank's manual (../shared/manuals/<code>-<bank>-cnab240.txt lines) */
    { "cnab240", "104", "40", MV_BANK_REJECTED, "entry_rejected" },      /* Caixa L685 entrada via banco do pagador rejeitada */
    { "cnab240", "104", "44", MV_REVERSED, "liquidation_reversed" },     /* Caixa L687 estorno de baixa/liquidação */
    { "cnab240", "104", "45", MV_EVENT, "change_confirmed" },            /* Caixa L688 alteração de dados */
    { "cnab240", "104", "46", MV_EVENT, "online_liquidation" },          /* Caixa L689 liquidação on-line (not money here) */
    { "cnab240", "104", "47", MV_REVERSED, "liquidation_reversed" },     /* Caixa L690 estorno de liquidação on-line */
    { "cnab240", "341", "15", MV_EVENT, "instruction_rejected" },        /* Itaú L546 */
    { "cnab240", "341", "16", MV_EVENT, "instruction_rejected" },        /* Itaú L548 */
    { "cnab240", "341", "17", MV_EVENT, "change_rejected" },             /* Itaú L550 alteração/exclusão rejeitada */
    { "cnab240", "341", "18", MV_EVENT, "instruction_rejected" },        /* Itaú L552 */
    { "cnab240", "341", "25", MV_EVENT, "payer_allegation" },            /* Itaú L564 alegações do pagador */
    { "cnab240", "341", "26", MV_EVENT, "fee_debit" },                   /* Itaú L566-574 tarifas */
    { "cnab240", "341", "27", MV_EVENT, "fee_debit" },
    { "cnab240", "341", "29", MV_EVENT, "fee_debit" },
    { "cnab240", "341", "30", MV_EVENT, "fee_debit" },
    { "cnab240", "341", "32", MV_EVENT, "baixa" },                       /* Itaú L576 baixa por ter sido protestado */
    { "cnab240", "341", "44", MV_EVENT, "fee_debit" },                   /* Itaú L600 débito mensal de tarifas (not a cheque) */
    { "cnab240", "341", "45", MV_EVENT, "fee_debit" },                   /* Itaú L602 */
    { "cnab240", "341", "47", MV_EVENT, "baixa" },                       /* Itaú L606 baixa com transferência para desconto */
    { "cnab240", "341", "60", MV_BANK_REJECTED, "entry_rejected" },      /* Itaú L623 entrada rejeitada carnê */
    { "cnab240", "748", "36", MV_EVENT, "instruction_rejected" },        /* Sicredi L317 baixa rejeitada */
    /* CNAB 400: codes differ per bank */
    { "cnab400", "*", "02", MV_EVENT, "entry_confirmed" },
    { "cnab400", "*", "03", MV_BANK_REJECTED, "entry_rejected" },
    { "cnab400", "*", "09", MV_EVENT, "baixa" },
    { "cnab400", "*", "10", MV_EVENT, "baixa" },
    { "cnab400", "*", "14", MV_EVENT, "due_date_changed" },
    { "cnab400", "*", "23", MV_EVENT, "sent_to_notary" },
    { "cnab400", "*", "28", MV_EVENT, "fee_debit" },
    /* per bank, from each bank's manual (docs/formats/cnab.md); line numbers
     * are those of ../shared/manuals/<code>-<bank>-cnab400.txt */
    { "cnab400", "004", "15", MV_EVENT, "baixa" },                   /* BNB L153 baixa automática */
    { "cnab400", "033", "16", MV_UNCONFIRMED, "baixa_liquidated" },  /* Santander L78 título baixado/liquidado */
    { "cnab400", "041", "30", MV_EVENT, "liquidation_in_transit" },  /* Banrisul L95 cobrança a creditar */
    { "cnab400", "041", "31", MV_EVENT, "liquidation_in_transit" },  /* Banrisul L96 em trânsito pago em cartório */
    { "cnab400", "070", "09", MV_BANK_REJECTED, "instruction_rejected" }, /* BRB L53 liquidação/instrução rejeitada */
    { "cnab400", "077", "07", MV_EVENT, "baixa" },                   /* Inter L125 baixado */
    { "cnab400", "097", "01", MV_EVENT, "entry_confirmed" },         /* Credisis L302-320 */
    { "cnab400", "097", "03", MV_EVENT, "baixa" },                   /* Credisis L309 baixa manual */
    { "cnab400", "097", "04", MV_EVENT, "canceled" },
    { "cnab400", "097", "05", MV_EVENT, "discounted" },
    { "cnab400", "097", "07", MV_EVENT, "change_confirmed" },
    { "cnab400", "097", "08", MV_EVENT, "change_rejected" },
    { "cnab400", "104", "01", MV_EVENT, "entry_confirmed" },
    { "cnab400", "104", "02", MV_EVENT, "baixa" },
    { "cnab400", "104", "03", MV_EVENT, "movement_03" },
    { "cnab400", "104", "23", MV_EVENT, "baixa" },                   /* Caixa L360 baixa por devolução */
    { "cnab400", "104", "99", MV_BANK_REJECTED, "entry_rejected" },
    { "cnab400", "136", "03", MV_EVENT, "instruction_rejected" },    /* Unicred L145 instrução rejeitada */
    { "cnab400", "136", "07", MV_EVENT, "cheque_pending" },          /* Unicred L148 */
    { "cnab400", "136", "09", MV_UNCONFIRMED, "discounted_liquidated" }, /* Unicred L150 liquidação de título descontado */
    { "cnab400", "136", "10", MV_EVENT, "protest_instruction" },     /* Unicred L151 protesto solicitado */
    { "cnab400", "237", "16", MV_EVENT, "cheque_pending" },
    { "cnab400", "341", "65", MV_EVENT, "cheque_pending" },          /* Itaú L622 */
    { "cnab400", "341", "69", MV_CHEQUE_RETURNED, "cheque_returned" }, /* Itaú L624 cheque devolvido */
    { "cnab400", "341", "95", MV_EVENT, "baixa" },
    { "cnab400", "399", "31", MV_EVENT, "cheque_pending" },          /* HSBC L419-427: liquidação em cheque, */
    { "cnab400", "399", "32", MV_EVENT, "cheque_pending" },          /* "aguardando a sua boa compensação" */
    { "cnab400", "399", "33", MV_EVENT, "cheque_pending" },
    { "cnab400", "399", "36", MV_EVENT, "cheque_pending" },
    { "cnab400", "399", "39", MV_EVENT, "cheque_pending" },
    { NULL, NULL, NULL, MV_EVENT, NULL },
};

const rc_movement *rc_movement_find(const char *format, const char *bank, const char *code)
{
    const rc_movement *any = NULL;
    for (const rc_movement *m = rc_movements; m->format; m++) {
        if (strcmp(m->format, format) || strcmp(m->code, code))
            continue;
        if (!strcmp(m->bank, bank))
            return m;
        if (!strcmp(m->bank, "*"))
            any = m;
    }
    return any;
}

static const char *const outcome_names[] = { "paid", "exception", "event", "redelivery" };
static const char *const reason_names[] = {
    NULL, "UNKNOWN_PAYMENT", "UNDERPAID", "OVERPAID", "DUPLICATE_PAYMENT", "PAYMENT_NOT_PENDING",
    "AMBIGUOUS_MATCH", "BANK_REJECTED", "PIX_REFUND", "CHEQUE_RETURNED", "LIQUIDATION_UNCONFIRMED",
    "LIQUIDATION_REVERSED", "PIX_REFUND_MED", "CARD_SALE_MISSING", "FEE_MISMATCH", "RECEIVABLE_OVERDUE",
    "PAYOUT_MISMATCH", "CARD_CANCELED", "CHARGEBACK", "CHARGEBACK_REVERSED",
};
_Static_assert(sizeof reason_names / sizeof reason_names[0] == EXC_LAST + 1, "one name per rc_reason");

const char *rc_outcome_name(rc_outcome o) { return outcome_names[o]; }
const char *rc_reason_name(rc_reason r) { return reason_names[r]; }
const char *rc_rule_name(rc_rule r) { return r > RULE_NONE && r < RULE_COUNT ? rc_rules[r].name : NULL; }

rc_rule rc_rule_from_name(const char *name)
{
    for (int r = RULE_NONE + 1; r < RULE_COUNT; r++)
        if (!strcmp(rc_rules[r].name, name))
            return (rc_rule)r;
    return RULE_NONE;
}

rc_pay_status rc_pay_status_from_name(const char *s)
{
    static const char *const names[] = { "pending", "paid", "canceled", "expired", "refunded" };
    for (int i = 0; i < 5; i++)
        if (!strcmp(names[i], s))
            return (rc_pay_status)i;
    return PAY_OTHER;
}

rc_kind rc_kind_from_name(const char *s)
{
    return !strcmp(s, "pix") ? RC_KIND_PIX : !strcmp(s, "pix_refund") ? RC_KIND_PIX_REFUND : RC_KIND_BOLETO;
}

/* ---- rc_state: payments paid by this file (open addressing, linear probing) ---- */

int rc_state_init(rc_state *st)
{
    st->cap = 1024;
    st->used = 0;
    st->memo_code[0] = '\0';
    st->memo_liq = 0;
    st->slots = calloc(st->cap, sizeof *st->slots);
    return st->slots ? 0 : -1;
}

void rc_state_free(rc_state *st)
{
    free(st->slots);
    st->slots = NULL;
    st->cap = st->used = 0;
}

static size_t slot_of(int64_t id, size_t cap)
{
    uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 17) & (cap - 1);
}

const rc_paid *rc_state_get(const rc_state *st, int64_t id)
{
    for (size_t i = slot_of(id, st->cap);; i = (i + 1) & (st->cap - 1)) {
        if (st->slots[i].payment_id == id)
            return &st->slots[i];
        if (!st->slots[i].payment_id)
            return NULL;
    }
}

int rc_state_has(const rc_state *st, int64_t id)
{
    return rc_state_get(st, id) != NULL;
}

int rc_state_put(rc_state *st, const rc_paid *entry)
{
    if (rc_state_has(st, entry->payment_id))
        return 0;
    if ((st->used + 1) * 2 > st->cap) {
        size_t cap = st->cap * 2;
        rc_paid *s = calloc(cap, sizeof *s);
        if (!s)
            return -1;
        for (size_t i = 0; i < st->cap; i++)
            if (st->slots[i].payment_id) {
                size_t j = slot_of(st->slots[i].payment_id, cap);
                while (s[j].payment_id)
                    j = (j + 1) & (cap - 1);
                s[j] = st->slots[i];
            }
        free(st->slots);
        st->slots = s;
        st->cap = cap;
    }
    size_t i = slot_of(entry->payment_id, st->cap);
    while (st->slots[i].payment_id)
        i = (i + 1) & (st->cap - 1);
    st->slots[i] = *entry;
    st->used++;
    return 0;
}

int rc_state_add(rc_state *st, int64_t id)
{
    rc_paid e = { .payment_id = id };
    return rc_state_put(st, &e);
}

/* FNV-1a of a nosso número (0 for none). */
static uint64_t nn_hash(const char *nn)
{
    if (!nn[0])
        return 0;
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *nn; nn++)
        h = (h ^ (unsigned char)*nn) * 0x100000001b3ull;
    return h | 1;
}

/* ---- the decision ------------------------------------------------------- */

static void exception(rc_decision *d, rc_reason r)
{
    d->outcome = OUT_EXCEPTION;
    d->reason = r;
}

static int64_t abs64(int64_t v) { return v < 0 ? -v : v; }

static int liq_baixa(const char *format, const char *bank, const char *code)
{
    return cnab_code_class_of(format, bank, code) == CODE_LIQ_BAIXA;
}

/* liq_baixa() of s, remembered in st for the next settlement with the same
 * format, bank and code (the bank table is searched once per file, not once
 * per paid record). */
static int liq_baixa_memo(rc_state *st, const rc_settlement *s)
{
    char key[sizeof st->memo_code];
    snprintf(key, sizeof key, "%s|%s|%s", s->format, s->bank, s->movement_code);
    if (strcmp(key, st->memo_code)) {
        st->memo_liq = liq_baixa(s->format, s->bank, s->movement_code);
        memcpy(st->memo_code, key, sizeof key);
    }
    return st->memo_liq;
}

/* A second report of money already reported for the same title: a
 * liquidation and a "baixa por ter sido liquidado" (either order) of the
 * same bank, layout and nosso número, for the same amount. Two liquidations,
 * or two such baixas, are two payments as far as we can tell. */
static int same_money_by(const rc_params *p, const rc_settlement *s, const rc_candidate *m)
{
    if (s->kind != RC_KIND_BOLETO || !m->paid_by_settlement || !s->nn[0] || strcmp(s->nn, m->by_nn) ||
        strcmp(s->format, m->by_format) || strcmp(s->bank, m->by_bank))
        return 0;
    int a = liq_baixa(s->format, s->bank, s->movement_code), b = liq_baixa(m->by_format, m->by_bank, m->by_code);
    return a != b && abs64(s->amount_paid_cents - m->by_amount_cents) <= p->tolerance_cents;
}

static int same_money_here(const rc_params *p, const rc_settlement *s, const rc_paid *e)
{
    if (s->kind != RC_KIND_BOLETO || !s->nn[0] || e->nn_hash != nn_hash(s->nn))
        return 0;
    int a = liq_baixa(s->format, s->bank, s->movement_code);
    return a != e->liq_baixa && abs64(s->amount_paid_cents - e->amount_cents) <= p->tolerance_cents;
}

/* Days since 1970-01-01 of "YYYY-MM-DD"; -1 when not a date. */
static long days_of(const char *s)
{
    int y, m, d;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3)
        return -1;
    return (long)civil_days_from(y, m, d);
}

/* A hybrid boleto's money reported twice: once by the bank's return and once
 * as a Pix credit (either order). The same money when the two records carry
 * the same txid and amount, or, without a txid on the bank's record, when the
 * bank's record says the title was closed as liquidated by Pix (its
 * liq_baixa code: Itaú's 10 "liquidação de boleto por Pix") for the same
 * amount within a day. A plain liquidation (06) and a Pix of the same amount
 * are two payments: the payer paid the barcode and the QR code. */
static int same_money_hybrid(const rc_params *p, const rc_settlement *s, const rc_candidate *m)
{
    int s_boleto = s->kind == RC_KIND_BOLETO, s_pix = s->kind == RC_KIND_PIX;
    if (!m->paid_by_settlement || !(s_boleto || s_pix) || !m->by_kind[0])
        return 0;
    int by_boleto = !strcmp(m->by_kind, "boleto"), by_pix = !strcmp(m->by_kind, "pix");
    if (!((s_boleto && by_pix) || (s_pix && by_boleto)))
        return 0;
    if (abs64(s->amount_paid_cents - m->by_amount_cents) > p->tolerance_cents)
        return 0;
    if (s->txid[0] && !strcmp(s->txid, m->by_txid))
        return 1;
    int baixa = s_boleto ? liq_baixa(s->format, s->bank, s->movement_code)
                         : liq_baixa(m->by_format, m->by_bank, m->by_code);
    long a = days_of(s->date), b = days_of(m->by_date);
    return baixa && a >= 0 && b >= 0 && labs(a - b) <= 1;
}

static void confirmed(rc_decision *d, int64_t by)
{
    d->outcome = OUT_EVENT;
    snprintf(d->event, sizeof d->event, "liquidation_confirmed");
    if (by)
        snprintf(d->detail, sizeof d->detail,
                 "the same money as settlement #%lld (a liquidation and its baixa): not a second payment",
                 (long long)by);
    else
        snprintf(d->detail, sizeof d->detail,
                 "the same money as an earlier record of this file (a liquidation and its baixa): not a second payment");
}

/* The best-ranked candidates: returns how many distinct payments share the
 * best rank, *best the first of them (lowest id), and lists the ids in detail. */
static size_t best_candidates(const rc_candidate *c, size_t nc, const rc_candidate **best, char *list, size_t n)
{
    int rank = 0;
    for (size_t i = 0; i < nc; i++)
        if (c[i].rule > RULE_NONE && c[i].rule < RULE_COUNT && (!rank || rc_rules[c[i].rule].rank < rank))
            rank = rc_rules[c[i].rule].rank;
    *best = NULL;
    size_t count = 0, off = 0;
    list[0] = '\0';
    for (size_t i = 0; i < nc; i++) {
        if (c[i].rule <= RULE_NONE || c[i].rule >= RULE_COUNT || rc_rules[c[i].rule].rank != rank)
            continue;
        int seen = 0;
        for (size_t j = 0; j < i; j++)
            if (c[j].payment_id == c[i].payment_id && c[j].rule > RULE_NONE && c[j].rule < RULE_COUNT &&
                rc_rules[c[j].rule].rank == rank)
                seen = 1;
        if (seen)
            continue;
        count++;
        if (!*best || c[i].payment_id < (*best)->payment_id)
            *best = &c[i];
        if (off < n)
            off += (size_t)snprintf(list + off, n - off, "%s%lld", off ? ", " : "", (long long)c[i].payment_id);
    }
    return count;
}

/* A Pix refund: belongs to the Pix it returns (same end-to-end id). It is
 * money out only once settled (DEVOLVIDO, or a statement without a status);
 * EM_PROCESSAMENTO is pending and NAO_REALIZADO nothing: events, and the
 * settled record of the same refund, when it comes, is the exception. A MED
 * refund (forced by the payer's bank through the Mecanismo Especial de
 * Devolução) was never asked for by the store: its own reason. */
static void decide_refund(const rc_settlement *s, const rc_candidate *m, size_t n, rc_decision *d)
{
    int pending = !strcmp(s->refund_status, "EM_PROCESSAMENTO"), failed = !strcmp(s->refund_status, "NAO_REALIZADO");
    if (pending || failed) {
        d->outcome = OUT_EVENT;
        snprintf(d->event, sizeof d->event, "%s", pending ? "refund_pending" : "refund_not_done");
    } else {
        exception(d, s->refund_med ? EXC_PIX_REFUND_MED : EXC_PIX_REFUND);
    }
    d->paid_cents = s->amount_paid_cents;
    if (s->prior_payment) {
        d->payment_id = s->prior_payment;
        d->rule = RULE_E2E;
    } else if (n == 1) {
        d->payment_id = m->payment_id;
        d->rule = m->rule;
    }
    snprintf(d->detail, sizeof d->detail, "%s%s%s",
             s->refund_med ? "MED refund (forced by the payer's bank) of " : "refund of ",
             s->prior_settlement ? "an applied Pix" : "a Pix not applied here",
             pending ? ": in process" : failed ? ": not done (no money left)" : "");
}

/* A Pix whose end-to-end id an earlier settlement applied is a re-delivery
 * unless a better rule found another payment: 1 when it is (d filled), 0 not. */
static int decide_redelivery(const rc_settlement *s, const rc_candidate *m, size_t n, rc_decision *d)
{
    if (s->kind != RC_KIND_PIX || !s->prior_settlement)
        return 0;
    if (m && rc_rules[m->rule].rank <= rc_rules[RULE_E2E].rank &&
        !(n == 1 && m->paid_by_settlement == s->prior_settlement))
        return 0;
    d->outcome = OUT_REDELIVERY;
    d->rule = RULE_E2E;
    d->payment_id = s->prior_payment;
    d->paid_cents = s->amount_paid_cents;
    snprintf(d->detail, sizeof d->detail, "end-to-end id already applied by settlement #%lld",
             (long long)s->prior_settlement);
    return 1;
}

/* "baixa por ter sido liquidado" with no amount: the title was closed as
 * paid, but no money came through this return (paid directly to the company,
 * or by Pix: the Pix credit reports it). Never money here; an event on the
 * payment, or LIQUIDATION_UNCONFIRMED while it is pending. */
static void decide_baixa_no_money(const rc_state *st, const rc_candidate *m, size_t n, rc_decision *d)
{
    int paid = n == 1 && (m->paid_by_settlement || m->status == PAY_PAID || rc_state_has(st, m->payment_id));
    if (n == 1 && !paid && m->status == PAY_PENDING) {
        /* the customer may well have paid: finance confirms the credit */
        exception(d, EXC_LIQUIDATION_UNCONFIRMED);
        d->paid_cents = 0;
    } else {
        d->outcome = OUT_EVENT;
    }
    snprintf(d->event, sizeof d->event, "%s", paid ? "liquidation_confirmed" : "baixa_liquidated");
    snprintf(d->detail, sizeof d->detail, "%s",
             n > 1    ? "more than one payment matches"
             : !n     ? "no payment matches"
             : paid   ? "the bank closed the title as liquidated; it is paid"
                      : "the bank closed the title as liquidated but reported no amount: paid directly to the "
                        "company or by Pix? No money booked; confirm the credit");
}

/* A record without money: what its movement code means (rc_movements[]). */
static void decide_movement(const rc_state *st, const rc_settlement *s, const rc_candidate *m, size_t n,
                            const char *ids, rc_decision *d)
{
    const rc_movement *mv = rc_movement_find(s->format, s->bank, s->movement_code);
    mv_class cls = mv ? mv->cls : MV_EVENT;
    if (cls == MV_BANK_REJECTED)
        exception(d, EXC_BANK_REJECTED);
    else if (cls == MV_CHEQUE_RETURNED)
        exception(d, EXC_CHEQUE_RETURNED);
    else if (cls == MV_REVERSED)
        exception(d, EXC_LIQUIDATION_REVERSED);
    else if (cls == MV_UNCONFIRMED && n == 1 && m->status == PAY_PENDING && !m->paid_by_settlement &&
             !rc_state_has(st, m->payment_id))
        exception(d, EXC_LIQUIDATION_UNCONFIRMED);
    else
        d->outcome = OUT_EVENT;
    if (mv)
        snprintf(d->event, sizeof d->event, "%s", mv->event);
    else
        snprintf(d->event, sizeof d->event, "movement_%s", s->movement_code[0] ? s->movement_code : "none");
    if (n > 1)
        snprintf(d->detail, sizeof d->detail, "more than one payment matches: %s", ids);
    else if (!n)
        snprintf(d->detail, sizeof d->detail, "no payment matches");
}

/* Money for the one matched payment m that is not a payment of it: the same
 * money reported again (an event), or a payment already paid, or not pending
 * (an exception). 1 when so (d filled), 0 when m may be paid. */
static int decide_not_payable(const rc_state *st, const rc_params *p, const rc_settlement *s, const rc_candidate *m,
                              rc_decision *d)
{
    if (same_money_by(p, s, m)) {
        confirmed(d, m->paid_by_settlement);
        return 1;
    }
    if (same_money_hybrid(p, s, m)) {
        d->outcome = OUT_EVENT;
        snprintf(d->event, sizeof d->event, "%s", s->kind == RC_KIND_PIX ? "pix_confirmed" : "boleto_confirmed");
        snprintf(d->detail, sizeof d->detail,
                 "the same money as settlement #%lld (a hybrid boleto reported by the bank and as a Pix): "
                 "not a second payment",
                 (long long)m->paid_by_settlement);
        return 1;
    }
    const rc_paid *here = rc_state_get(st, m->payment_id);
    if (here && same_money_here(p, s, here)) {
        confirmed(d, 0);
        return 1;
    }
    if (m->paid_by_settlement || m->status == PAY_PAID || m->status == PAY_REFUNDED) {
        exception(d, EXC_DUPLICATE_PAYMENT);
        if (m->paid_by_settlement)
            snprintf(d->detail, sizeof d->detail, "already paid by settlement #%lld", (long long)m->paid_by_settlement);
        else
            snprintf(d->detail, sizeof d->detail, "already %s", m->status == PAY_PAID ? "paid" : "refunded");
        return 1;
    }
    if (here) {
        exception(d, EXC_DUPLICATE_PAYMENT);
        snprintf(d->detail, sizeof d->detail, "already paid by an earlier record of this file");
        return 1;
    }
    if (m->status != PAY_PENDING) {
        exception(d, EXC_PAYMENT_NOT_PENDING);
        snprintf(d->detail, sizeof d->detail, "payment is %s",
                 m->status == PAY_CANCELED ? "canceled" : m->status == PAY_EXPIRED ? "expired" : "not pending");
        return 1;
    }
    return 0;
}

/* The amount rules: more than expected by the declared extras (interest and
 * other credits, which the payer paid on top of the face), less by the
 * declared discount and rebate, or both at once. 1 when the amount is
 * accepted (d's interest/discount filled), 0 when UNDERPAID/OVERPAID (d filled). */
static int decide_amount(const rc_params *p, const rc_settlement *s, const rc_candidate *m, rc_decision *d)
{
    int64_t diff = s->amount_paid_cents - m->amount_cents, tol = p->tolerance_cents;
    int64_t extra = s->interest_cents + s->other_credits_cents, less = s->discount_cents + s->rebate_cents;
    if (abs64(diff) <= tol)
        return 1;
    if (diff > 0 && extra > 0 && abs64(diff - extra) <= tol) {
        d->interest_cents = diff;
        return 1;
    }
    if (diff < 0 && less > 0 && abs64(-diff - less) <= tol) {
        d->discount_cents = -diff;
        return 1;
    }
    if (extra > 0 && less > 0 && abs64(diff - (extra - less)) <= tol) {
        d->interest_cents = extra;
        d->discount_cents = less;
        return 1;
    }
    exception(d, diff < 0 ? EXC_UNDERPAID : EXC_OVERPAID);
    snprintf(d->detail, sizeof d->detail,
             "paid %lld, expected %lld (interest %lld, other credits %lld, discount %lld, rebate %lld)",
             (long long)s->amount_paid_cents, (long long)m->amount_cents, (long long)s->interest_cents,
             (long long)s->other_credits_cents, (long long)s->discount_cents, (long long)s->rebate_cents);
    return 0;
}

/* A record with money: no payment, several, the same money again, a payment
 * not payable, a wrong amount, or paid (m added to st). 0, or -1 when out of memory. */
static int decide_money(rc_state *st, const rc_params *p, const rc_settlement *s, const rc_candidate *m, size_t n,
                        const char *ids, rc_decision *d)
{
    d->paid_cents = s->amount_paid_cents;
    if (!n) {
        exception(d, EXC_UNKNOWN_PAYMENT);
        snprintf(d->detail, sizeof d->detail, "no payment matches");
        return 0;
    }
    if (n > 1) {
        exception(d, EXC_AMBIGUOUS_MATCH);
        d->rule = m->rule;       /* the rule that found them; no payment */
        snprintf(d->detail, sizeof d->detail, "candidates (%s): %s", rc_rule_name(m->rule), ids);
        return 0;
    }
    if (decide_not_payable(st, p, s, m, d) || !decide_amount(p, s, m, d))
        return 0;
    d->outcome = OUT_PAID;
    rc_paid e = { .payment_id = m->payment_id,
                  .amount_cents = s->amount_paid_cents,
                  .nn_hash = s->kind == RC_KIND_BOLETO ? nn_hash(s->nn) : 0,
                  .liq_baixa = (uint8_t)(s->kind == RC_KIND_BOLETO && liq_baixa_memo(st, s)) };
    return rc_state_put(st, &e);
}

int rc_decide(rc_state *st, const rc_params *p, const rc_settlement *s, const rc_candidate *c, size_t nc,
              rc_decision *d)
{
    memset(d, 0, sizeof *d);
    d->settlement_id = s->id;
    d->expected_cents = d->paid_cents = d->interest_cents = d->discount_cents = -1;

    char ids[96];
    const rc_candidate *m = NULL;
    size_t n = best_candidates(c, nc, &m, ids, sizeof ids);
    if (!m)         /* never: m is set whenever one is counted; says so to the analyzer */
        n = 0;

    if (s->kind == RC_KIND_PIX_REFUND) {
        decide_refund(s, m, n, d);
        return 0;
    }
    if (decide_redelivery(s, m, n, d))
        return 0;
    if (n == 1) {
        d->payment_id = m->payment_id;
        d->rule = m->rule;
        d->expected_cents = m->amount_cents;
    }
    if (!s->paid && s->kind == RC_KIND_BOLETO && liq_baixa(s->format, s->bank, s->movement_code)) {
        decide_baixa_no_money(st, m, n, d);
        return 0;
    }
    if (!s->paid) {
        decide_movement(st, s, m, n, ids, d);
        return 0;
    }
    return decide_money(st, p, s, m, n, ids, d);
}
