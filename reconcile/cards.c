/* cards.c - the card rules (pure; see cards.h and docs/reconciliation.md,
 * "Cards"). */
#include "reconcile/cards.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const rule_names[] = { NULL, "card_tid", "card_order_ref", "card_nsu_auth_date" };
const char *cards_rule_name(card_rule r) { return r > CARD_RULE_NONE && r < CARD_RULE_COUNT ? rule_names[r] : NULL; }

static const char *const action_names[] = { NULL, "receivable_new", "receivable_paid", "anticipated", "negotiated",
                                            "canceled" };
const char *cards_action_name(card_action a) { return a > CA_NONE && a <= CA_CANCELED ? action_names[a] : NULL; }

int card_state_init(card_state *st)
{
    memset(st, 0, sizeof *st);
    if (rc_state_init(&st->payments))
        return -1;
    if (rc_state_init(&st->receivables)) {
        rc_state_free(&st->payments);
        return -1;
    }
    if (rc_state_init(&st->anticipated)) {
        rc_state_free(&st->payments);
        rc_state_free(&st->receivables);
        return -1;
    }
    return 0;
}

void card_state_free(card_state *st)
{
    free(st->sales);
    rc_state_free(&st->payments);
    rc_state_free(&st->receivables);
    rc_state_free(&st->anticipated);
    memset(st, 0, sizeof *st);
}

static card_sale_seen *sale_find(const card_state *st, int64_t first_id)
{
    size_t lo = 0, hi = st->n_sales;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->sales[mid].first_id == first_id)
            return &st->sales[mid];
        if (st->sales[mid].first_id < first_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Mark installment i (1..99) of s seen; 1 when it was seen already. */
static int seen_before(card_sale_seen *s, int i)
{
    if (i < 1 || i > 99)
        return 0;
    uint64_t bit = UINT64_C(1) << ((i - 1) % 64);
    int was = (s->installments_seen[(i - 1) / 64] & bit) != 0;
    s->installments_seen[(i - 1) / 64] |= bit;
    return was;
}

/* Remember the decision of a sale's first record; records arrive in id
 * order, so first ids arrive ascending (anything else is kept sorted). */
static int sale_put(card_state *st, const card_sale_seen *s)
{
    if (st->n_sales == st->cap_sales) {
        size_t cap = st->cap_sales ? st->cap_sales * 2 : 64;
        card_sale_seen *g = realloc(st->sales, cap * sizeof *g);
        if (!g)
            return -1;
        st->sales = g;
        st->cap_sales = cap;
    }
    size_t i = st->n_sales;
    while (i > 0 && st->sales[i - 1].first_id > s->first_id) {
        st->sales[i] = st->sales[i - 1];
        i--;
    }
    st->sales[i] = *s;
    st->n_sales++;
    return 0;
}

static int any(const char *v) { return !v || !*v || !strcmp(v, "*"); }

int64_t cards_contract_fee(const card_params *p, const char *acquirer, const char *brand, int debit, int installments,
                           int64_t gross_cents)
{
    if (installments < 1)
        installments = 1;
    const char *product = debit ? "debit" : installments >= 2 ? "installment" : "credit";
    const card_fee_rate *best = NULL;
    int best_score = -1;
    for (size_t i = 0; i < p->n_rates; i++) {
        const card_fee_rate *r = &p->rates[i];
        if (!r->acquirer || strcmp(r->acquirer, acquirer) || installments < r->installments_min ||
            installments > r->installments_max)
            continue;
        if (!any(r->brand) && strcmp(r->brand, brand))
            continue;
        if (!any(r->product) && strcmp(r->product, product))
            continue;
        int score = (any(r->brand) ? 0 : 2) + (any(r->product) ? 0 : 1);
        if (score > best_score) {
            best = r;
            best_score = score;
        }
    }
    if (!best || gross_cents < 0)
        return -1;
    /* round half up, integer arithmetic (gross below 2^63 / 10^4 cents) */
    return (gross_cents * best->rate_bp + 5000) / 10000;
}

static int64_t abs64(int64_t v) { return v < 0 ? -v : v; }

static void exception(card_decision *d, rc_reason r)
{
    d->outcome = OUT_EXCEPTION;
    d->reason = r;
}

static void event(card_decision *d, const char *ev)
{
    d->outcome = OUT_EVENT;
    snprintf(d->event, sizeof d->event, "%s", ev);
}

/* The best-ranked candidates: how many distinct payments share the best
 * rank; *best the one with the lowest id; their ids listed in list. */
static size_t best_of(const card_candidate *c, size_t nc, const card_candidate **best, char *list, size_t n)
{
    int rank = 0;
    for (size_t i = 0; i < nc; i++)
        if (c[i].rule > CARD_RULE_NONE && c[i].rule < CARD_RULE_COUNT && (!rank || (int)c[i].rule < rank))
            rank = (int)c[i].rule;
    *best = NULL;
    size_t count = 0, off = 0;
    list[0] = '\0';
    for (size_t i = 0; i < nc; i++) {
        if ((int)c[i].rule != rank)
            continue;
        int seen = 0;
        for (size_t j = 0; j < i; j++)
            if ((int)c[j].rule == rank && c[j].payment_id == c[i].payment_id)
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

/* The first record of a sale not yet in the ledger: find its payment. */
static void decide_new_sale(card_state *st, const card_params *p, const card_rec *r, const card_candidate *c,
                            size_t nc, card_decision *d)
{
    char ids[96];
    const card_candidate *m = NULL;
    size_t n = best_of(c, nc, &m, ids, sizeof ids);
    d->paid_cents = r->sale_gross_cents;
    if (!n || !m) {
        exception(d, EXC_UNKNOWN_PAYMENT);
        snprintf(d->detail, sizeof d->detail, "card sale of %lld cents in %d installment(s): no payment matches",
                 (long long)r->sale_gross_cents, r->installments);
        return;
    }
    d->rule = m->rule;
    if (n > 1) {
        exception(d, EXC_AMBIGUOUS_MATCH);
        snprintf(d->detail, sizeof d->detail, "candidates (%s): %s", cards_rule_name(m->rule), ids);
        return;
    }
    d->payment_id = m->payment_id;
    d->expected_cents = m->amount_cents;
    int inst = m->installments > 0 ? m->installments : 1;
    if (m->paid_by_settlement || m->status == PAY_PAID || m->status == PAY_REFUNDED ||
        rc_state_has(&st->payments, m->payment_id)) {
        exception(d, EXC_DUPLICATE_PAYMENT);
        if (m->paid_by_settlement)
            snprintf(d->detail, sizeof d->detail, "a second card sale for a payment already paid by settlement #%lld",
                     (long long)m->paid_by_settlement);
        else
            snprintf(d->detail, sizeof d->detail, "a second card sale for a payment already %s",
                     m->status == PAY_REFUNDED ? "refunded" : "paid");
        return;
    }
    if (m->status != PAY_PENDING) {
        exception(d, EXC_PAYMENT_NOT_PENDING);
        snprintf(d->detail, sizeof d->detail, "card sale for a payment that is %s",
                 m->status == PAY_CANCELED ? "canceled" : m->status == PAY_EXPIRED ? "expired" : "not pending");
        return;
    }
    if (inst != r->installments) {
        /* the acquirer's sale is not the one the store captured: not a match */
        exception(d, EXC_UNKNOWN_PAYMENT);
        snprintf(d->detail, sizeof d->detail,
                 "payment #%lld (%s) was captured in %d installment(s); the acquirer reports %d: not this sale",
                 (long long)m->payment_id, cards_rule_name(m->rule), inst, r->installments);
        return;
    }
    int64_t diff = r->sale_gross_cents - m->amount_cents;
    if (abs64(diff) > p->tolerance_cents) {
        exception(d, diff < 0 ? EXC_UNDERPAID : EXC_OVERPAID);
        snprintf(d->detail, sizeof d->detail, "card sale gross %lld, payment #%lld is for %lld",
                 (long long)r->sale_gross_cents, (long long)m->payment_id, (long long)m->amount_cents);
        return;
    }
    d->outcome = OUT_PAID;
    snprintf(d->detail, sizeof d->detail, "card sale confirmed by the acquirer (%d installment(s))", r->installments);
}

static void decide_sale(card_state *st, const card_params *p, const card_rec *r, const card_candidate *c, size_t nc,
                        card_decision *d)
{
    if (r->receivable_id) {
        d->outcome = OUT_REDELIVERY;
        d->payment_id = r->sale_payment;
        d->receivable_id = r->receivable_id;
        snprintf(d->detail, sizeof d->detail, "installment %d/%d already in the ledger (receivable #%lld): a re-delivery",
                 r->installment, r->installments, (long long)r->receivable_id);
        return;
    }
    d->action = CA_RECEIVABLE_NEW;
    if (r->sale_known) {
        /* an installment of a sale an earlier file reported */
        d->payment_id = r->sale_payment;
        event(d, "installment_scheduled");
        snprintf(d->detail, sizeof d->detail, "installment %d/%d of a sale already in the ledger", r->installment,
                 r->installments);
    } else if (r->first_id && r->first_id != r->id) {
        card_sale_seen *s = sale_find(st, r->first_id);
        if (s && seen_before(s, r->installment)) {
            /* the same installment twice in one file: one receivable */
            d->action = CA_NONE;
            d->outcome = OUT_REDELIVERY;
            d->payment_id = s->payment_id;
            snprintf(d->detail, sizeof d->detail, "installment %d/%d of the sale of settlement #%lld reported twice in this file",
                     r->installment, r->installments, (long long)r->first_id);
            return;
        }
        d->payment_id = s ? s->payment_id : 0;   /* the payment its receivables belong to */
        d->rule = s ? s->rule : CARD_RULE_NONE;
        event(d, "installment_scheduled");
        snprintf(d->detail, sizeof d->detail, "installment %d/%d of the sale of settlement #%lld", r->installment,
                 r->installments, (long long)r->first_id);
    } else {
        decide_new_sale(st, p, r, c, nc, d);
    }
}

/* A payout without a sale key: Cielo's D (a UR: its items follow in the
 * file) or Rede's credit of an RV installment (no items: it pays the RV's
 * receivables of that installment). */
static void decide_group_payout(const card_params *p, const card_rec *r, card_decision *d)
{
    d->paid_cents = r->net_cents;
    if (r->items) {
        if (!r->paid) {
            event(d, "payout_not_paid");
            snprintf(d->detail, sizeof d->detail, "payout of %lld cents (%ld items) not paid yet", (long long)r->net_cents,
                     r->items);
        } else if (abs64(r->items_net_cents - r->net_cents) > p->tolerance_cents) {
            exception(d, EXC_PAYOUT_MISMATCH);
            d->expected_cents = r->items_net_cents;
            snprintf(d->detail, sizeof d->detail, "payout of %lld cents net; its %ld items sum to %lld",
                     (long long)r->net_cents, r->items, (long long)r->items_net_cents);
        } else {
            event(d, "payout");
            snprintf(d->detail, sizeof d->detail, "payout of %lld cents net for %ld items", (long long)r->net_cents,
                     r->items);
        }
        return;
    }
    if (strcmp(r->acquirer, "rede")) {
        /* only Rede pays a group (an RV installment) without items */
        exception(d, EXC_PAYOUT_MISMATCH);
        snprintf(d->detail, sizeof d->detail, "payout of %lld cents without its items in the file",
                 (long long)r->net_cents);
        return;
    }
    d->payment_id = r->group_payment;
    if (!r->group_open && !r->group_paid) {
        exception(d, EXC_UNKNOWN_PAYMENT);
        snprintf(d->detail, sizeof d->detail, "payout of %lld cents for a group (RV/UR) of no sale in the ledger",
                 (long long)r->net_cents);
        return;
    }
    if (!r->group_open) {
        exception(d, EXC_PAYOUT_MISMATCH);
        snprintf(d->detail, sizeof d->detail, "payout of %lld cents for installment %d of a group already paid",
                 (long long)r->net_cents, r->installment);
        return;
    }
    d->expected_cents = r->group_open_net_cents;
    if (!r->paid) {
        /* held by the acquirer (pledged, blocked, retained): not the store's money */
        d->action = CA_NEGOTIATED;
        event(d, "payout_retained");
        snprintf(d->detail, sizeof d->detail, "credit of %lld cents retained or pledged: %ld receivable(s) not expected "
                 "in the store's account", (long long)r->net_cents, r->group_open);
        return;
    }
    d->action = CA_RECEIVABLE_PAID;
    if (abs64(r->group_open_net_cents - r->net_cents) > p->tolerance_cents) {
        exception(d, EXC_PAYOUT_MISMATCH);
        snprintf(d->detail, sizeof d->detail, "credit of %lld cents net; the %ld receivable(s) it pays expect %lld",
                 (long long)r->net_cents, r->group_open, (long long)r->group_open_net_cents);
        return;
    }
    event(d, "installment_paid");
    snprintf(d->detail, sizeof d->detail, "credit of %lld cents pays %ld receivable(s)", (long long)r->net_cents,
             r->group_open);
}

static int decide_payout(card_state *st, const card_params *p, const card_rec *r, card_decision *d)
{
    d->paid_cents = r->net_cents;
    d->payment_id = r->sale_payment;
    if (r->heads && !r->heads_paid) {
        /* an item of a payout that did not bring money (scheduled, rejected) */
        event(d, "payout_not_paid");
        snprintf(d->detail, sizeof d->detail, "installment %d/%d in a payout not paid yet", r->installment,
                 r->installments);
        return 0;
    }
    if (!r->receivable_id) {
        exception(d, EXC_UNKNOWN_PAYMENT);
        snprintf(d->detail, sizeof d->detail,
                 "payout of %lld cents for installment %d/%d of a sale no acquirer sales file reported",
                 (long long)r->net_cents, r->installment, r->installments);
        return 0;
    }
    d->receivable_id = r->receivable_id;
    d->expected_cents = r->receivable_net_cents;
    const char *rs = r->receivable_status;
    if (!strcmp(rs, "paid") || rc_state_has(&st->receivables, r->receivable_id)) {
        exception(d, EXC_PAYOUT_MISMATCH);
        snprintf(d->detail, sizeof d->detail, "receivable #%lld (installment %d/%d) was already paid%s%.0lld",
                 (long long)r->receivable_id, r->installment, r->installments,
                 r->receivable_paid_by ? " by settlement #" : " earlier in this file",
                 (long long)r->receivable_paid_by);
        return 0;
    }
    if (strcmp(rs, "expected") && strcmp(rs, "anticipated")) {
        exception(d, EXC_PAYOUT_MISMATCH);
        snprintf(d->detail, sizeof d->detail, "payout for receivable #%lld, which is %s", (long long)r->receivable_id,
                 rs);
        return 0;
    }
    d->action = CA_RECEIVABLE_PAID;
    if (rc_state_add(&st->receivables, r->receivable_id))
        return -1;
    int64_t diff = r->net_cents - r->receivable_net_cents;
    if ((!strcmp(rs, "anticipated") || rc_state_has(&st->anticipated, r->receivable_id)) && r->net_cents > 0 &&
        diff < 0) {
        /* paid early, less the anticipation fee: what came is what is paid */
        event(d, "installment_paid");
        snprintf(d->detail, sizeof d->detail, "installment %d/%d paid early: %lld net, %lld less the anticipation fee "
                 "(receivable #%lld)", r->installment, r->installments, (long long)r->net_cents, (long long)-diff,
                 (long long)r->receivable_id);
        return 0;
    }
    if (abs64(diff) > p->tolerance_cents) {
        exception(d, EXC_PAYOUT_MISMATCH);
        snprintf(d->detail, sizeof d->detail, "installment %d/%d paid %lld net, %lld expected (receivable #%lld)",
                 r->installment, r->installments, (long long)r->net_cents, (long long)r->receivable_net_cents,
                 (long long)r->receivable_id);
        return 0;
    }
    event(d, "installment_paid");
    snprintf(d->detail, sizeof d->detail, "installment %d/%d paid (receivable #%lld)", r->installment, r->installments,
             (long long)r->receivable_id);
    return 0;
}

static int decide_adjustment(card_state *st, const card_rec *r, card_decision *d)
{
    const char *a = r->adjustment;
    d->payment_id = r->sale_payment;
    d->paid_cents = r->net_cents ? r->net_cents : -r->gross_cents;
    const char *sale = r->sale_known ? "" : r->has_sale_key ? " (a sale not in the ledger)" : " (no sale named)";
    if (!r->has_sale_key)
        d->payment_id = r->group_payment;
    if (!strcmp(a, "cancel")) {
        d->action = r->sale_known ? CA_CANCELED : CA_NONE;
        int by_store = !strcmp(r->sale_pay_status, "canceled") || !strcmp(r->sale_pay_status, "refunded");
        if (by_store) {
            event(d, "card_canceled");
            snprintf(d->detail, sizeof d->detail, "cancellation the store asked for%s", sale);
        } else {
            exception(d, EXC_CARD_CANCELED);
            snprintf(d->detail, sizeof d->detail, "the acquirer canceled the sale; the payment is %s%s",
                     r->sale_pay_status[0] ? r->sale_pay_status : "unknown", sale);
        }
    } else if (!strcmp(a, "chargeback")) {
        exception(d, EXC_CHARGEBACK);
        snprintf(d->detail, sizeof d->detail, "chargeback of %lld cents%s", (long long)abs64(d->paid_cents), sale);
    } else if (!strcmp(a, "chargeback_reversal")) {
        exception(d, EXC_CHARGEBACK_REVERSED);
        snprintf(d->detail, sizeof d->detail, "chargeback reversed: %lld cents back%s", (long long)abs64(d->paid_cents),
                 sale);
    } else if (!strcmp(a, "anticipation") || !strcmp(a, "negotiated")) {
        int ant = a[0] == 'a';
        event(d, ant ? "anticipated" : "negotiated");
        if (r->receivable_id && strcmp(r->receivable_status, "expected")) {
            snprintf(d->detail, sizeof d->detail, "receivable #%lld is %s already", (long long)r->receivable_id,
                     r->receivable_status);
        } else if (r->receivable_id || (r->installment == 0 && r->sale_known) ||
                   (!r->has_sale_key && r->group_open)) {
            d->action = ant ? CA_ANTICIPATED : CA_NEGOTIATED;
            d->receivable_id = r->receivable_id;
            if (ant && r->receivable_id && rc_state_add(&st->anticipated, r->receivable_id))
                return -1;
            snprintf(d->detail, sizeof d->detail, "%s: not expected in the store's account%s",
                     ant ? "anticipated" : "sold or pledged to a third party", r->receivable_id ? "" : " (whole sale)");
        } else {
            snprintf(d->detail, sizeof d->detail, "%s of a receivable not in the ledger",
                     ant ? "anticipation" : "negotiation");
        }
    } else {
        event(d, "card_adjustment");
        snprintf(d->detail, sizeof d->detail, "adjustment (%s) of %lld cents%s", a[0] ? a : "other",
                 (long long)d->paid_cents, sale);
    }
    return 0;
}

int cards_decide(card_state *st, const card_params *p, const card_rec *r, const card_candidate *c, size_t nc,
                 card_decision *d)
{
    memset(d, 0, sizeof *d);
    d->settlement_id = r->id;
    d->expected_cents = d->paid_cents = d->contract_fee_cents = -1;
    d->fee_reason = EXC_NONE;

    if (!r->has_sale_key && r->kind == CARD_REC_PAYOUT && r->has_group_key) {
        decide_group_payout(p, r, d);
        return 0;
    }
    if (!r->has_sale_key && r->kind != CARD_REC_ADJUSTMENT) {
        exception(d, EXC_UNKNOWN_PAYMENT);
        d->paid_cents = r->kind == CARD_REC_SALE ? r->gross_cents : r->net_cents;
        snprintf(d->detail, sizeof d->detail, "card record without TID, NSU + authorization + date or payout key: "
                 "nothing to match");
        return 0;
    }
    switch (r->kind) {
    case CARD_REC_SALE:
        decide_sale(st, p, r, c, nc, d);
        break;
    case CARD_REC_PAYOUT:
        if (decide_payout(st, p, r, d))
            return -1;
        break;
    case CARD_REC_ADJUSTMENT:
        if (decide_adjustment(st, r, d))
            return -1;
        break;
    }

    if (r->kind == CARD_REC_SALE && d->outcome != OUT_REDELIVERY) {
        d->contract_fee_cents =
            cards_contract_fee(p, r->acquirer, r->brand, r->debit, r->installments, r->gross_cents);
        if (d->contract_fee_cents >= 0 && abs64(r->fee_cents - d->contract_fee_cents) > p->fee_tolerance_cents) {
            d->fee_reason = EXC_FEE_MISMATCH;
            snprintf(d->fee_detail, sizeof d->fee_detail, "fee %lld cents on %lld gross, contract %lld",
                     (long long)r->fee_cents, (long long)r->gross_cents, (long long)d->contract_fee_cents);
        }
    }

    if (r->kind == CARD_REC_SALE && d->action == CA_RECEIVABLE_NEW && d->rule && !r->sale_known &&
        r->id == r->first_id) {
        /* the sale's receivables belong to the payment it matched, unless
         * the match did not hold (another sale, a payment paid already) */
        d->receivable_payment = d->outcome == OUT_PAID || d->reason == EXC_UNDERPAID || d->reason == EXC_OVERPAID ||
                                        d->reason == EXC_PAYMENT_NOT_PENDING
                                    ? d->payment_id
                                    : 0;
    } else if (d->action == CA_RECEIVABLE_NEW) {
        d->receivable_payment = d->payment_id;
    }
    if (r->kind == CARD_REC_SALE && r->id == r->first_id && !r->receivable_id && !r->sale_known) {
        card_sale_seen s = { .first_id = r->id, .payment_id = d->receivable_payment, .outcome = d->outcome,
                             .rule = d->rule };
        seen_before(&s, r->installment);
        if (sale_put(st, &s))
            return -1;
    }
    if (d->outcome == OUT_PAID && rc_state_add(&st->payments, d->payment_id))
        return -1;
    return 0;
}
