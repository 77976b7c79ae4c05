/* cards.h - the card rules: what a Cielo or Rede record means for the
 * store's payments and its receivables ledger (pure; issue 20).
 *
 * reconcile hands a card file (format cielo or rede) to cards_reconcile_file()
 * (reconcile/cards_db.c), which streams its records in line order with what
 * the database knows about each (sql/queries/cards_file.sql: the payments
 * its keys find, the receivable of its sale and installment) and calls
 * cards_decide() once per record; the decisions are applied set-based
 * (sql/queries/cards_apply_*.sql). The rules are in docs/reconciliation.md,
 * "Cards":
 *   - a card_sale (the acquirer confirmed a sale installment) of a sale not
 *     yet in the ledger finds its payment by TID, then order reference, then
 *     NSU + authorization + sale date; the sale's gross and installment count
 *     must agree with the payment; the first record of the sale makes it paid
 *     (once) and every installment becomes a receivable (expected net, date);
 *   - an installment already in the ledger is a re-delivery (a file sent
 *     again with a new header date or sequence), never a new sale;
 *   - a card_settlement (payout) pays its receivable; a net that differs, or
 *     a receivable already paid or canceled, is PAYOUT_MISMATCH;
 *   - a card_adjustment: cancel (CARD_CANCELED unless the store canceled the
 *     payment), chargeback, chargeback_reversal, anticipation and negotiated
 *     (sold or pledged to a third party: not expected in the store's account)
 *     mark the receivables;
 *   - every sale installment's fee is checked against the contracted rate.
 * The state remembers, within one file, each sale's decision (its later
 * installments follow its first) and the payments and receivables already
 * paid, so that nothing is paid twice. */
#ifndef SETTLE_CARDS_H
#define SETTLE_CARDS_H

#include <stddef.h>
#include <stdint.h>

#include "reconcile/decide.h"

/* The card matching rules, in precedence order (rank = value). */
typedef enum { CARD_RULE_NONE = 0, CARD_RULE_TID, CARD_RULE_ORDER_REF, CARD_RULE_NSU_AUTH_DATE, CARD_RULE_COUNT } card_rule;
const char *cards_rule_name(card_rule r); /* "card_tid", "card_order_ref", "card_nsu_auth_date"; NULL for NONE */

typedef enum { CARD_REC_SALE = 0, CARD_REC_PAYOUT, CARD_REC_ADJUSTMENT } card_rec_kind;

/* What a decision does to the receivables ledger. */
typedef enum {
    CA_NONE = 0,
    CA_RECEIVABLE_NEW,      /* sale: one receivable for this installment */
    CA_RECEIVABLE_PAID,     /* payout: the receivable is paid */
    CA_ANTICIPATED,         /* adjustment: the installment (or the whole sale, installment 0) is anticipated */
    CA_NEGOTIATED,          /* adjustment: sold or pledged to a third party */
    CA_CANCELED,            /* adjustment: the sale's expected installments are canceled */
} card_action;
const char *cards_action_name(card_action a); /* "receivable_new", ...; NULL for CA_NONE */

/* One record as the rules see it. */
typedef struct card_rec {
    int64_t id;                  /* settlement id */
    card_rec_kind kind;
    char acquirer[8];            /* cielo | rede */
    char brand[16];
    char adjustment[24];         /* card_adjustment: cancel | chargeback | chargeback_reversal | anticipation | negotiated | other */
    int debit;                   /* a debit sale (product debit) */
    int has_sale_key;            /* the record names its sale (TID, or NSU + authorization + date) */
    int installment;             /* 1.. (0 of a cash sale counts as 1; 0 on an adjustment = the whole sale) */
    int installments;            /* 1.. (0 of a cash sale counts as 1) */
    int64_t gross_cents;         /* this installment's gross (amount_face_cents) */
    int64_t fee_cents;           /* its fee, as a positive amount */
    int64_t net_cents;           /* its net (amount_credited_cents), signed as the money moves */
    /* card_sale: the sale within this file (cards_file.sql, window over the sale) */
    int64_t first_id;            /* the first record of the same sale in this file (== id for the first) */
    int64_t sale_gross_cents;    /* the sale's total gross (sum of its installments, or the total the layout gives) */
    /* the ledger before this file */
    int64_t sale_payment;        /* the payment the sale's receivables belong to (0 none) */
    int sale_known;              /* the sale has receivables already */
    char sale_pay_status[12];    /* that payment's status ("" none) */
    int64_t receivable_id;       /* the receivable of this sale and installment (0 none) */
    char receivable_status[12];  /* expected | paid | anticipated | negotiated | canceled */
    int64_t receivable_net_cents;
    int64_t receivable_paid_by;  /* the settlement that paid it (0 none) */
    /* payouts and adjustments by group (acquirer_key: Cielo's UR, Rede's RV) */
    int has_group_key;           /* the record has an acquirer_key */
    int paid;                    /* the record itself carries money (settle_record.paid) */
    long items;                  /* group record: sale-keyed payout items of its group in this file */
    int64_t items_net_cents;     /* their net */
    long heads;                  /* item: group records (Cielo D) of its group in this file */
    int heads_paid;              /* ... and whether one of them brought money */
    long group_open;             /* group record without items: open receivables of its acquirer_key (and installment) */
    int64_t group_open_net_cents;
    long group_paid;             /* ... and those already paid */
    int64_t group_payment;       /* a payment of those receivables (0 none) */
} card_rec;

/* A payment one of the card rules found for a sale. */
typedef struct card_candidate {
    card_rule rule;
    int64_t payment_id;
    rc_pay_status status;
    int64_t amount_cents;
    int installments;            /* payments.card_installments (0 = not recorded: 1) */
    int64_t paid_by_settlement;  /* 0 when none */
} card_candidate;

/* A contracted rate ([card_fee NAME]). brand/product NULL or "*" = any. */
typedef struct card_fee_rate {
    const char *acquirer, *brand, *product;
    int installments_min, installments_max;
    int64_t rate_bp;             /* basis points of the gross */
} card_fee_rate;

typedef struct card_params {
    int64_t tolerance_cents;     /* [reconcile] tolerance_cents: gross against the payment, net against the receivable */
    int64_t fee_tolerance_cents; /* [cards] fee_tolerance_cents */
    const card_fee_rate *rates;
    size_t n_rates;
} card_params;

typedef struct card_decision {
    int64_t settlement_id;
    rc_outcome outcome;
    rc_reason reason;            /* OUT_EXCEPTION */
    rc_reason fee_reason;        /* EXC_FEE_MISMATCH or EXC_NONE: a second exception on the same record */
    card_rule rule;
    int64_t payment_id;          /* 0 = none */
    card_action action;
    int64_t receivable_payment;  /* CA_RECEIVABLE_NEW: the payment the new receivable belongs to (0 none) */
    int64_t receivable_id;       /* CA_RECEIVABLE_PAID / CA_ANTICIPATED / CA_NEGOTIATED of one installment */
    int64_t contract_fee_cents;  /* -1 = no contracted rate applies */
    char event[24];              /* OUT_EVENT */
    int64_t expected_cents;      /* -1 = none */
    int64_t paid_cents;          /* -1 = none */
    char detail[200];
    char fee_detail[120];
} card_decision;

/* The sales decided in this file (by first record) and the payments and
 * receivables this file has paid. */
typedef struct card_sale_seen {
    int64_t first_id, payment_id;
    rc_outcome outcome;
    card_rule rule;
    uint64_t installments_seen[2]; /* bit i-1: installment i reported in this file */
} card_sale_seen;

typedef struct card_state {
    card_sale_seen *sales;       /* ascending first_id (records come in id order) */
    size_t n_sales, cap_sales;
    rc_state payments;           /* payments paid by this file */
    rc_state receivables;        /* receivables paid by this file */
    rc_state anticipated;        /* receivables anticipated by this file */
} card_state;

int card_state_init(card_state *st);   /* 0, or -1 when out of memory */
void card_state_free(card_state *st);

/* The expected fee of gross under the most specific rate that applies:
 * round half up of gross * rate / 10000; -1 when no rate applies. */
int64_t cards_contract_fee(const card_params *p, const char *acquirer, const char *brand, int debit, int installments,
                           int64_t gross_cents);

/* Decide record r given its candidates c[0..nc) (sales only; any order).
 * Fills *d. Returns 0, or -1 when out of memory. */
int cards_decide(card_state *st, const card_params *p, const card_rec *r, const card_candidate *c, size_t nc,
                 card_decision *d);

#endif
