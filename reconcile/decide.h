/* decide.h - what happens to one settlement: the reconciliation decision.
 *
 * reconcile (reconcile/engine.c) reads a file's settlements together with every
 * candidate payment the matching rules found (locked), calls rc_decide() once
 * per settlement in line order, and applies the decisions set-based. This
 * module is pure: no I/O, no globals but constant tables; the only state is
 * rc_state, which remembers the payments this file has already paid so that
 * a second record paying the same payment becomes DUPLICATE_PAYMENT.
 *
 * The matching rules, the movement-code table and the amount rules are
 * documented in docs/reconciliation.md; the tables below are the source. */
#ifndef SETTLE_DECIDE_H
#define SETTLE_DECIDE_H

#include <stddef.h>
#include <stdint.h>

/* Matching rules, in precedence order within a kind: a lower rank wins, and
 * more than one payment at the best rank is AMBIGUOUS_MATCH. */
typedef enum {
    RULE_NONE = 0,
    RULE_NN_EXACT,    /* boleto: bank_code + nosso número, digits without leading zeros */
    RULE_TXID,        /* Pix or hybrid boleto: txid = payments.txid */
    RULE_NN_DV,       /* boleto: nosso número with its DV removed / added, per bank */
    RULE_E2E,         /* Pix: end-to-end id of an already settled record (re-delivery) */
    RULE_SEU_REF,     /* boleto: [reconcile] boleto_reference_pattern on seu número -> order_id */
    RULE_PIX_REF,     /* Pix: [reconcile] pix_reference_pattern on the payer's message -> order_id */
    RULE_COUNT
} rc_rule;

typedef struct rc_rule_row {
    rc_rule rule;
    const char *name;    /* as stored in settlement_outcomes.rule */
    const char *kinds;   /* settlement kinds it applies to */
    int rank;            /* precedence within those kinds (1 first) */
    const char *how;     /* for the docs */
} rc_rule_row;
extern const rc_rule_row rc_rules[];   /* indexed by rc_rule, RULE_NONE row first */

typedef enum { RC_KIND_BOLETO = 0, RC_KIND_PIX, RC_KIND_PIX_REFUND } rc_kind;

typedef enum { PAY_PENDING = 0, PAY_PAID, PAY_CANCELED, PAY_EXPIRED, PAY_REFUNDED, PAY_OTHER } rc_pay_status;

typedef enum { OUT_PAID = 0, OUT_EXCEPTION, OUT_EVENT, OUT_REDELIVERY } rc_outcome;

typedef enum {
    EXC_NONE = 0,
    EXC_UNKNOWN_PAYMENT,
    EXC_UNDERPAID,
    EXC_OVERPAID,
    EXC_DUPLICATE_PAYMENT,
    EXC_PAYMENT_NOT_PENDING,
    EXC_AMBIGUOUS_MATCH,
    EXC_BANK_REJECTED,
    EXC_PIX_REFUND,
    EXC_CHEQUE_RETURNED,
    EXC_LIQUIDATION_UNCONFIRMED,
    EXC_LIQUIDATION_REVERSED,
    EXC_PIX_REFUND_MED,
    /* cards (reconcile/cards.c, docs/reconciliation.md "Cards") */
    EXC_CARD_SALE_MISSING,     /* a capture the store recorded that no acquirer reported after [cards] sale_missing_days */
    EXC_FEE_MISMATCH,          /* the acquirer's fee differs from the contracted rate beyond [cards] fee_tolerance_cents */
    EXC_RECEIVABLE_OVERDUE,    /* an installment past its date (plus [cards] overdue_days) without payment */
    EXC_PAYOUT_MISMATCH,       /* a payout that does not match the receivables it pays */
    EXC_CARD_CANCELED,         /* a cancellation the store did not initiate */
    EXC_CHARGEBACK,
    EXC_CHARGEBACK_REVERSED,
} rc_reason;
#define EXC_LAST EXC_CHARGEBACK_REVERSED

/* One settlement as reconcile sees it. Strings are NUL-terminated. */
typedef struct rc_settlement {
    int64_t id;
    rc_kind kind;
    char format[8];            /* cnab240 | cnab400 | pix-csv */
    char bank[4];
    char movement_code[3];
    int paid;                  /* money arrived with this record */
    int64_t amount_paid_cents;
    int64_t interest_cents;
    int64_t discount_cents;
    int64_t rebate_cents;
    int64_t other_credits_cents; /* outros créditos: paid on top of the face, like interest */
    char nn[24];               /* boleto: nosso número without leading zeros ("" when none) */
    char refund_status[24];    /* Pix refund: EM_PROCESSAMENTO, DEVOLVIDO, NAO_REALIZADO or "" (settled) */
    int refund_med;            /* Pix refund forced by the payer's bank (natureza MED_*) */
    char txid[36];             /* Pix txid (a Pix, or a hybrid boleto's record) */
    char date[11];             /* occurrence date YYYY-MM-DD ("" when none) */
    /* RULE_E2E: an earlier settlement with the same end-to-end id that paid
     * (or re-delivered) a payment; 0 when none */
    int64_t prior_settlement;
    int64_t prior_payment;     /* that settlement's payment, 0 when none */
} rc_settlement;

/* One candidate payment found for the settlement by rule, as locked. */
typedef struct rc_candidate {
    rc_rule rule;
    int64_t payment_id;
    rc_pay_status status;
    int64_t amount_cents;
    int64_t paid_by_settlement; /* 0 when none */
    /* the settlement that paid it (paid_by_settlement != 0): what it was, so
     * that a second report of the same money is told from a second payment */
    char by_format[8], by_bank[4], by_code[3];
    char by_nn[24];            /* its nosso número without leading zeros */
    int64_t by_amount_cents;
    char by_kind[12];          /* boleto | pix */
    char by_txid[36];
    char by_date[11];          /* its occurrence date YYYY-MM-DD */
} rc_candidate;

typedef struct rc_params {
    int64_t tolerance_cents;
} rc_params;

typedef struct rc_decision {
    int64_t settlement_id;
    rc_outcome outcome;
    rc_reason reason;          /* OUT_EXCEPTION only */
    rc_rule rule;              /* the rule that found payment_id, RULE_NONE when none */
    int64_t payment_id;        /* 0 = none */
    char event[24];            /* OUT_EVENT: entry_confirmed, baixa, ... */
    int64_t expected_cents;    /* -1 = none */
    int64_t paid_cents;        /* -1 = none */
    int64_t interest_cents;    /* recorded on the payment; -1 = none */
    int64_t discount_cents;    /* recorded on the payment; -1 = none */
    char detail[160];
} rc_decision;

/* A payment paid by an earlier record of the same file, and by what. */
typedef struct rc_paid {
    int64_t payment_id;        /* 0 = empty slot */
    int64_t amount_cents;      /* what that record paid */
    uint64_t nn_hash;          /* its nosso número (boleto), 0 when none */
    uint8_t liq_baixa;         /* its code was a "baixa por ter sido liquidado" */
} rc_paid;

/* Payments paid earlier in the same file (open addressing by payment id). */
typedef struct rc_state {
    rc_paid *slots;
    size_t cap, used;
} rc_state;

/* Make an empty state; 0, or -1 when out of memory. rc_state_free() frees it. */
int rc_state_init(rc_state *st);
void rc_state_free(rc_state *st);
int rc_state_has(const rc_state *st, int64_t payment_id);
/* The entry of payment_id, NULL when this file has not paid it. */
const rc_paid *rc_state_get(const rc_state *st, int64_t payment_id);
/* Add payment_id; 0, or -1 when out of memory. */
int rc_state_add(rc_state *st, int64_t payment_id);
/* Add the payment of an entry (its payment_id != 0); 0, or -1 when out of memory. */
int rc_state_put(rc_state *st, const rc_paid *entry);

/* Decide settlement s given its candidates c[0..nc) (any order). Fills *d.
 * When the decision is OUT_PAID, the payment is added to st. Returns 0, or
 * -1 when out of memory (st could not grow). */
int rc_decide(rc_state *st, const rc_params *p, const rc_settlement *s, const rc_candidate *c, size_t nc,
              rc_decision *d);

/* What a movement code means for a record that carried no money. */
/* MV_UNCONFIRMED: the bank says the title was closed as liquidated but the
 * record carries no money (Santander 16, Unicred 09, a liq_baixa code with no
 * amount): LIQUIDATION_UNCONFIRMED for finance while the payment is pending,
 * an event once it is paid. */
/* MV_REVERSED: the bank reversed a liquidation (Caixa 240 44/47 "estorno"):
 * LIQUIDATION_REVERSED for finance, the money is no longer in the account. */
typedef enum { MV_EVENT = 0, MV_BANK_REJECTED, MV_CHEQUE_RETURNED, MV_UNCONFIRMED, MV_REVERSED } mv_class;
typedef struct rc_movement {
    const char *format;        /* "cnab240", "cnab400" */
    const char *bank;          /* "*" = any bank */
    const char *code;
    mv_class cls;
    const char *event;         /* payment_events.event */
} rc_movement;
extern const rc_movement rc_movements[];  /* ended by a row with format == NULL */

/* The row for (format, bank, code): a bank-specific row wins over "*";
 * NULL when none (the event is then "movement_CODE"). */
const rc_movement *rc_movement_find(const char *format, const char *bank, const char *code);

const char *rc_outcome_name(rc_outcome o);    /* "paid", "exception", "event", "redelivery" */
const char *rc_reason_name(rc_reason r);      /* "UNKNOWN_PAYMENT", ...; NULL for EXC_NONE */
const char *rc_rule_name(rc_rule r);          /* "nn_exact", ...; NULL for RULE_NONE */
rc_rule rc_rule_from_name(const char *name);  /* RULE_NONE when unknown */
rc_pay_status rc_pay_status_from_name(const char *s);
rc_kind rc_kind_from_name(const char *s);     /* "boleto", "pix", "pix_refund" */

#endif
