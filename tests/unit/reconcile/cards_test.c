/* cards_test.c - cards_decide(): the card rules called directly (records
 * built by hand as the Cielo/Rede readers deliver them; no database). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "reconcile/cards.h"

static card_state st;
static const card_fee_rate rates[] = {
    { "cielo", "*", "*", 1, 99, 300 },              /* any Cielo sale: 3.00 % */
    { "cielo", "visa", "credit", 1, 1, 248 },       /* Visa one payment: 2.48 % */
    { "cielo", "visa", "installment", 2, 6, 310 },  /* Visa 2-6 installments: 3.10 % */
    { "cielo", "*", "debit", 1, 1, 120 },
    { "rede", "mastercard", "*", 1, 12, 199 },
};
static card_params params = { .tolerance_cents = 0, .fee_tolerance_cents = 1, .rates = rates, .n_rates = 5 };

static int setup(void **state)
{
    (void)state;
    return card_state_init(&st);
}

static int teardown(void **state)
{
    (void)state;
    card_state_free(&st);
    return 0;
}

/* Installment i of n of a Visa sale at Cielo, first record first_id. */
static card_rec sale(int64_t id, int64_t first_id, int i, int n, int64_t gross, int64_t fee, int64_t total)
{
    card_rec r = { .id = id, .kind = CARD_REC_SALE, .has_sale_key = 1, .installment = i, .installments = n,
                   .gross_cents = gross, .fee_cents = fee, .net_cents = gross - fee, .first_id = first_id,
                   .sale_gross_cents = total };
    strcpy(r.acquirer, "cielo");
    strcpy(r.brand, "visa");
    return r;
}

static card_candidate cand(card_rule rule, int64_t pid, rc_pay_status status, int64_t amount, int inst)
{
    return (card_candidate){ .rule = rule, .payment_id = pid, .status = status, .amount_cents = amount,
                             .installments = inst };
}

static void test_contract_fee(void **state)
{
    (void)state;
    /* the most specific rate wins: brand + product over "*" */
    assert_int_equal(cards_contract_fee(&params, "cielo", "visa", 0, 1, 10000), 248);
    assert_int_equal(cards_contract_fee(&params, "cielo", "visa", 0, 3, 10000), 310);
    assert_int_equal(cards_contract_fee(&params, "cielo", "visa", 0, 12, 10000), 300); /* out of 2-6: the "*" row */
    assert_int_equal(cards_contract_fee(&params, "cielo", "elo", 0, 1, 10000), 300);
    assert_int_equal(cards_contract_fee(&params, "cielo", "elo", 1, 1, 10000), 120);
    assert_int_equal(cards_contract_fee(&params, "rede", "mastercard", 0, 1, 10000), 199);
    assert_int_equal(cards_contract_fee(&params, "rede", "visa", 0, 1, 10000), -1); /* no contract: not checked */
    /* half up, in cents, no floating point: 2.48 % of 171.70 = 4.25816 -> 4.26 */
    assert_int_equal(cards_contract_fee(&params, "cielo", "visa", 0, 1, 17170), 426);
    assert_int_equal(cards_contract_fee(&params, "cielo", "visa", 0, 1, 5000), 124);  /* 124.0 */
    assert_int_equal(cards_contract_fee(&params, "cielo", "visa", 0, 0, 5000), 124);  /* cash sale: 0 = 1 */
    assert_int_equal(cards_contract_fee(&params, "cielo", "visa", 0, 1, INT64_C(900000000000)),
                     INT64_C(22320000000));
}

/* A cash sale matched by TID, gross equal: paid, one receivable, fee as contracted. */
static void test_sale_paid(void **state)
{
    (void)state;
    card_rec r = sale(10, 10, 1, 1, 17170, 426, 17170);
    card_candidate c[] = { cand(CARD_RULE_TID, 7, PAY_PENDING, 17170, 1) };
    card_decision d;
    assert_int_equal(cards_decide(&st, &params, &r, c, 1, &d), 0);
    assert_int_equal(d.outcome, OUT_PAID);
    assert_int_equal(d.rule, CARD_RULE_TID);
    assert_int_equal(d.payment_id, 7);
    assert_int_equal(d.action, CA_RECEIVABLE_NEW);
    assert_int_equal(d.receivable_payment, 7);
    assert_int_equal(d.paid_cents, 17170);
    assert_int_equal(d.expected_cents, 17170);
    assert_int_equal(d.fee_reason, EXC_NONE);
    assert_int_equal(d.contract_fee_cents, 426);

    /* the same payment by a second sale of the same file: never paid twice */
    card_rec r2 = sale(11, 11, 1, 1, 17170, 426, 17170);
    assert_int_equal(cards_decide(&st, &params, &r2, c, 1, &d), 0);
    assert_int_equal(d.outcome, OUT_EXCEPTION);
    assert_int_equal(d.reason, EXC_DUPLICATE_PAYMENT);
    assert_int_equal(d.receivable_payment, 0);
    assert_int_equal(d.action, CA_RECEIVABLE_NEW); /* the acquirer still owes it: finance refunds */
}

/* TID beats order reference beats NSU + authorization + date. */
static void test_rule_precedence(void **state)
{
    (void)state;
    card_rec r = sale(20, 20, 1, 1, 5000, 124, 5000);
    card_candidate c[] = { cand(CARD_RULE_NSU_AUTH_DATE, 1, PAY_PENDING, 5000, 1),
                           cand(CARD_RULE_ORDER_REF, 2, PAY_PENDING, 5000, 1),
                           cand(CARD_RULE_NSU_AUTH_DATE, 3, PAY_PENDING, 5000, 1) };
    card_decision d;
    assert_int_equal(cards_decide(&st, &params, &r, c, 3, &d), 0);
    assert_int_equal(d.outcome, OUT_PAID);
    assert_int_equal(d.payment_id, 2);
    assert_int_equal(d.rule, CARD_RULE_ORDER_REF);

    /* two payments by NSU + authorization + date (NSUs repeat): ambiguous */
    card_rec r2 = sale(21, 21, 1, 1, 5000, 124, 5000);
    card_candidate c2[] = { cand(CARD_RULE_NSU_AUTH_DATE, 4, PAY_PENDING, 5000, 1),
                            cand(CARD_RULE_NSU_AUTH_DATE, 5, PAY_PENDING, 5000, 1) };
    assert_int_equal(cards_decide(&st, &params, &r2, c2, 2, &d), 0);
    assert_int_equal(d.reason, EXC_AMBIGUOUS_MATCH);
    assert_int_equal(d.payment_id, 0);
    assert_string_equal(d.detail, "candidates (card_nsu_auth_date): 4, 5");
    assert_int_equal(d.receivable_payment, 0);

    card_rec r3 = sale(22, 22, 1, 1, 5000, 124, 5000);
    assert_int_equal(cards_decide(&st, &params, &r3, NULL, 0, &d), 0);
    assert_int_equal(d.reason, EXC_UNKNOWN_PAYMENT);
    assert_int_equal(d.paid_cents, 5000);
    assert_int_equal(d.action, CA_RECEIVABLE_NEW);
}

/* Three installments: the first pays the whole sale; the others follow it. */
static void test_installments(void **state)
{
    (void)state;
    card_candidate c[] = { cand(CARD_RULE_TID, 9, PAY_PENDING, 30000, 3) };
    card_rec r1 = sale(30, 30, 1, 3, 10000, 310, 30000), r2 = sale(31, 30, 2, 3, 10000, 310, 30000),
             r3 = sale(32, 30, 3, 3, 10000, 350, 30000);
    card_decision d;
    assert_int_equal(cards_decide(&st, &params, &r1, c, 1, &d), 0);
    assert_int_equal(d.outcome, OUT_PAID);
    assert_int_equal(d.payment_id, 9);
    assert_int_equal(cards_decide(&st, &params, &r2, c, 1, &d), 0);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_string_equal(d.event, "installment_scheduled");
    assert_int_equal(d.payment_id, 9);
    assert_int_equal(d.receivable_payment, 9);
    assert_int_equal(d.action, CA_RECEIVABLE_NEW);
    assert_int_equal(d.fee_reason, EXC_NONE);
    /* the third installment's fee is 3.50 % where 3.10 % was contracted */
    assert_int_equal(cards_decide(&st, &params, &r3, c, 1, &d), 0);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_int_equal(d.fee_reason, EXC_FEE_MISMATCH);
    assert_int_equal(d.contract_fee_cents, 310);
    assert_string_equal(d.fee_detail, "fee 350 cents on 10000 gross, contract 310");

    /* installment 2 again in the same file: one receivable, not two */
    card_rec r2b = sale(34, 30, 2, 3, 10000, 310, 30000);
    assert_int_equal(cards_decide(&st, &params, &r2b, c, 1, &d), 0);
    assert_int_equal(d.outcome, OUT_REDELIVERY);
    assert_int_equal(d.action, CA_NONE);
    assert_int_equal(d.fee_reason, EXC_NONE);

    /* a fee within the tolerance (1 cent) is the contracted one */
    card_rec r4 = sale(33, 33, 1, 1, 10000, 249, 10000);
    assert_int_equal(cards_decide(&st, &params, &r4, NULL, 0, &d), 0);
    assert_int_equal(d.fee_reason, EXC_NONE);
}

/* Gross and installment count must agree with the payment. */
static void test_sale_disagrees(void **state)
{
    (void)state;
    card_decision d;
    card_rec r = sale(40, 40, 1, 2, 5000, 155, 10000);
    card_candidate c[] = { cand(CARD_RULE_TID, 1, PAY_PENDING, 10000, 3) };
    assert_int_equal(cards_decide(&st, &params, &r, c, 1, &d), 0);
    assert_int_equal(d.reason, EXC_UNKNOWN_PAYMENT);
    assert_int_equal(d.payment_id, 1);          /* shown to finance */
    assert_int_equal(d.receivable_payment, 0);  /* but the receivables are not that payment's */
    assert_string_equal(d.detail,
                        "payment #1 (card_tid) was captured in 3 installment(s); the acquirer reports 2: not this sale");

    card_rec r2 = sale(41, 41, 1, 1, 9000, 223, 9000);
    card_candidate c2[] = { cand(CARD_RULE_TID, 2, PAY_PENDING, 10000, 0) };
    assert_int_equal(cards_decide(&st, &params, &r2, c2, 1, &d), 0);
    assert_int_equal(d.reason, EXC_UNDERPAID);
    assert_int_equal(d.receivable_payment, 2);
    assert_int_equal(d.expected_cents, 10000);
    assert_int_equal(d.paid_cents, 9000);

    card_rec r3 = sale(42, 42, 1, 1, 11000, 273, 11000);
    card_candidate c3[] = { cand(CARD_RULE_TID, 3, PAY_CANCELED, 11000, 1) };
    assert_int_equal(cards_decide(&st, &params, &r3, c3, 1, &d), 0);
    assert_int_equal(d.reason, EXC_PAYMENT_NOT_PENDING);

    card_candidate c4[] = { { .rule = CARD_RULE_TID, .payment_id = 4, .status = PAY_PAID, .amount_cents = 11000,
                              .installments = 1, .paid_by_settlement = 77 } };
    card_rec r4 = sale(43, 43, 1, 1, 11000, 273, 11000);
    assert_int_equal(cards_decide(&st, &params, &r4, c4, 1, &d), 0);
    assert_int_equal(d.reason, EXC_DUPLICATE_PAYMENT);
    assert_string_equal(d.detail, "a second card sale for a payment already paid by settlement #77");
}

/* A sale installment already in the ledger is a re-delivery, never a new sale. */
static void test_redelivery(void **state)
{
    (void)state;
    card_rec r = sale(50, 50, 2, 3, 10000, 999, 30000);
    r.receivable_id = 12;
    r.sale_known = 1;
    r.sale_payment = 9;
    card_candidate c[] = { cand(CARD_RULE_TID, 9, PAY_PAID, 30000, 3) };
    card_decision d;
    assert_int_equal(cards_decide(&st, &params, &r, c, 1, &d), 0);
    assert_int_equal(d.outcome, OUT_REDELIVERY);
    assert_int_equal(d.action, CA_NONE);
    assert_int_equal(d.payment_id, 9);
    assert_int_equal(d.fee_reason, EXC_NONE); /* checked when it was first seen */

    /* an installment of a known sale that an earlier file did not list */
    card_rec r2 = sale(51, 51, 3, 3, 10000, 310, 30000);
    r2.sale_known = 1;
    r2.sale_payment = 9;
    assert_int_equal(cards_decide(&st, &params, &r2, c, 1, &d), 0);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_int_equal(d.action, CA_RECEIVABLE_NEW);
    assert_int_equal(d.receivable_payment, 9);
}

static card_rec payout(int64_t id, int64_t receivable, const char *status, int64_t expected, int64_t net)
{
    card_rec r = { .id = id, .kind = CARD_REC_PAYOUT, .has_sale_key = 1, .installment = 1, .installments = 2,
                   .net_cents = net, .receivable_id = receivable, .receivable_net_cents = expected, .sale_known = 1,
                   .sale_payment = 9 };
    strcpy(r.acquirer, "cielo");
    strcpy(r.receivable_status, status);
    return r;
}

static void test_payouts(void **state)
{
    (void)state;
    card_decision d;
    card_rec r = payout(60, 5, "expected", 4845, 4845);
    assert_int_equal(cards_decide(&st, &params, &r, NULL, 0, &d), 0);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_string_equal(d.event, "installment_paid");
    assert_int_equal(d.action, CA_RECEIVABLE_PAID);
    assert_int_equal(d.receivable_id, 5);
    assert_int_equal(d.payment_id, 9);
    assert_int_equal(d.contract_fee_cents, -1);

    /* the same receivable again in this file: the acquirer paid it twice */
    card_rec again = payout(61, 5, "expected", 4845, 4845);
    assert_int_equal(cards_decide(&st, &params, &again, NULL, 0, &d), 0);
    assert_int_equal(d.reason, EXC_PAYOUT_MISMATCH);
    assert_int_equal(d.action, CA_NONE);

    /* paid by an earlier file */
    card_rec paid = payout(62, 6, "paid", 4845, 4845);
    paid.receivable_paid_by = 33;
    assert_int_equal(cards_decide(&st, &params, &paid, NULL, 0, &d), 0);
    assert_int_equal(d.reason, EXC_PAYOUT_MISMATCH);
    assert_string_equal(d.detail, "receivable #6 (installment 1/2) was already paid by settlement #33");

    /* less than expected: the receivable is paid with what came, and finance sees it */
    card_rec less = payout(63, 7, "expected", 4845, 4700);
    assert_int_equal(cards_decide(&st, &params, &less, NULL, 0, &d), 0);
    assert_int_equal(d.reason, EXC_PAYOUT_MISMATCH);
    assert_int_equal(d.action, CA_RECEIVABLE_PAID);
    assert_int_equal(d.expected_cents, 4845);
    assert_int_equal(d.paid_cents, 4700);

    /* an anticipated receivable is paid (early) by its payout, less the anticipation fee */
    card_rec ant = payout(64, 8, "anticipated", 4845, 4700);
    assert_int_equal(cards_decide(&st, &params, &ant, NULL, 0, &d), 0);
    assert_int_equal(d.action, CA_RECEIVABLE_PAID);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_int_equal(d.paid_cents, 4700);

    /* sold to a third party: its money is not the store's to receive */
    card_rec neg = payout(65, 10, "negotiated", 4845, 4845);
    assert_int_equal(cards_decide(&st, &params, &neg, NULL, 0, &d), 0);
    assert_int_equal(d.reason, EXC_PAYOUT_MISMATCH);
    assert_int_equal(d.action, CA_NONE);

    /* a payout of a sale no sales file reported */
    card_rec unk = payout(66, 0, "", 0, 4845);
    unk.sale_known = 0;
    unk.sale_payment = 0;
    assert_int_equal(cards_decide(&st, &params, &unk, NULL, 0, &d), 0);
    assert_int_equal(d.reason, EXC_UNKNOWN_PAYMENT);
    assert_int_equal(d.paid_cents, 4845);
}

/* Payouts without a sale key: Cielo's D with its items, Rede's credit of an RV installment. */
static void test_group_payouts(void **state)
{
    (void)state;
    card_decision d;
    card_rec dr = { .id = 90, .kind = CARD_REC_PAYOUT, .has_group_key = 1, .paid = 1, .net_cents = 26173,
                    .items = 2, .items_net_cents = 26173 };
    strcpy(dr.acquirer, "cielo");
    assert_int_equal(cards_decide(&st, &params, &dr, NULL, 0, &d), 0);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_string_equal(d.event, "payout");
    assert_int_equal(d.action, CA_NONE);
    dr.items_net_cents = 26000; /* its items do not add up to it */
    assert_int_equal(cards_decide(&st, &params, &dr, NULL, 0, &d), 0);
    assert_int_equal(d.reason, EXC_PAYOUT_MISMATCH);
    assert_string_equal(d.detail, "payout of 26173 cents net; its 2 items sum to 26000");
    dr.items = 0;               /* a Cielo payout never pays a group without its items */
    dr.group_open = 3;
    dr.group_open_net_cents = 26173;
    assert_int_equal(cards_decide(&st, &params, &dr, NULL, 0, &d), 0);
    assert_int_equal(d.reason, EXC_PAYOUT_MISMATCH);
    assert_int_equal(d.action, CA_NONE);

    /* an item of a D that brought no money (scheduled): nothing paid */
    card_rec item = payout(91, 5, "expected", 4845, 4845);
    item.heads = 1;
    item.heads_paid = 0;
    assert_int_equal(cards_decide(&st, &params, &item, NULL, 0, &d), 0);
    assert_string_equal(d.event, "payout_not_paid");
    assert_int_equal(d.action, CA_NONE);

    card_rec cr = { .id = 92, .kind = CARD_REC_PAYOUT, .has_group_key = 1, .paid = 1, .net_cents = 9750,
                    .installment = 2, .group_open = 1, .group_open_net_cents = 9750, .group_payment = 6 };
    strcpy(cr.acquirer, "rede");
    assert_int_equal(cards_decide(&st, &params, &cr, NULL, 0, &d), 0);
    assert_string_equal(d.event, "installment_paid");
    assert_int_equal(d.action, CA_RECEIVABLE_PAID);
    assert_int_equal(d.receivable_id, 0); /* the group's */
    assert_int_equal(d.payment_id, 6);
    cr.net_cents = 9000;
    assert_int_equal(cards_decide(&st, &params, &cr, NULL, 0, &d), 0);
    assert_int_equal(d.reason, EXC_PAYOUT_MISMATCH);
    assert_int_equal(d.action, CA_RECEIVABLE_PAID);
    cr.paid = 0;                /* retained or pledged (Tabela II 09, 11, 12, 13) */
    assert_int_equal(cards_decide(&st, &params, &cr, NULL, 0, &d), 0);
    assert_string_equal(d.event, "payout_retained");
    assert_int_equal(d.action, CA_NEGOTIATED);
    cr.paid = 1;
    cr.group_open = 0;
    cr.group_paid = 1;          /* paid already */
    assert_int_equal(cards_decide(&st, &params, &cr, NULL, 0, &d), 0);
    assert_int_equal(d.reason, EXC_PAYOUT_MISMATCH);
    assert_int_equal(d.action, CA_NONE);
    cr.group_paid = 0;          /* no sale of that RV in the ledger */
    assert_int_equal(cards_decide(&st, &params, &cr, NULL, 0, &d), 0);
    assert_int_equal(d.reason, EXC_UNKNOWN_PAYMENT);
}

static card_rec adj(int64_t id, const char *what, const char *pay_status, int64_t net)
{
    card_rec r = { .id = id, .kind = CARD_REC_ADJUSTMENT, .has_sale_key = 1, .net_cents = net, .sale_known = 1,
                   .sale_payment = 9 };
    strcpy(r.acquirer, "rede");
    strcpy(r.adjustment, what);
    strcpy(r.sale_pay_status, pay_status);
    return r;
}

static void test_adjustments(void **state)
{
    (void)state;
    card_decision d;
    card_rec r = adj(70, "cancel", "paid", -10000);
    assert_int_equal(cards_decide(&st, &params, &r, NULL, 0, &d), 0);
    assert_int_equal(d.reason, EXC_CARD_CANCELED);
    assert_int_equal(d.action, CA_CANCELED);
    assert_int_equal(d.payment_id, 9);
    assert_int_equal(d.paid_cents, -10000);

    r = adj(71, "cancel", "refunded", -10000); /* the store refunded it: its own cancellation */
    assert_int_equal(cards_decide(&st, &params, &r, NULL, 0, &d), 0);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_string_equal(d.event, "card_canceled");
    assert_int_equal(d.action, CA_CANCELED);

    r = adj(72, "chargeback", "paid", -5000);
    assert_int_equal(cards_decide(&st, &params, &r, NULL, 0, &d), 0);
    assert_int_equal(d.reason, EXC_CHARGEBACK);
    assert_string_equal(d.detail, "chargeback of 5000 cents");

    r = adj(73, "chargeback_reversal", "paid", 5000);
    assert_int_equal(cards_decide(&st, &params, &r, NULL, 0, &d), 0);
    assert_int_equal(d.reason, EXC_CHARGEBACK_REVERSED);

    r = adj(74, "anticipation", "paid", -150);
    r.installment = 2;
    r.receivable_id = 14;
    strcpy(r.receivable_status, "expected");
    assert_int_equal(cards_decide(&st, &params, &r, NULL, 0, &d), 0);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_int_equal(d.action, CA_ANTICIPATED);
    assert_int_equal(d.receivable_id, 14);

    r = adj(75, "negotiated", "paid", 0);
    r.installment = 0; /* the whole sale */
    assert_int_equal(cards_decide(&st, &params, &r, NULL, 0, &d), 0);
    assert_int_equal(d.action, CA_NEGOTIATED);
    assert_int_equal(d.receivable_id, 0);

    r = adj(76, "anticipation", "paid", -150);
    r.installment = 2;
    r.receivable_id = 14;
    strcpy(r.receivable_status, "paid");
    assert_int_equal(cards_decide(&st, &params, &r, NULL, 0, &d), 0);
    assert_int_equal(d.action, CA_NONE); /* paid already: nothing to mark */

    r = adj(77, "other", "paid", -990);
    assert_int_equal(cards_decide(&st, &params, &r, NULL, 0, &d), 0);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_string_equal(d.event, "card_adjustment");

    /* a chargeback of a sale not in the ledger is still a chargeback */
    r = adj(78, "chargeback", "", -5000);
    r.sale_known = 0;
    r.sale_payment = 0;
    assert_int_equal(cards_decide(&st, &params, &r, NULL, 0, &d), 0);
    assert_int_equal(d.reason, EXC_CHARGEBACK);
    assert_int_equal(d.payment_id, 0);
    assert_string_equal(d.detail, "chargeback of 5000 cents (a sale not in the ledger)");
}

static void test_no_sale_key(void **state)
{
    (void)state;
    card_rec r = sale(80, 80, 1, 1, 5000, 124, 5000);
    r.has_sale_key = 0;
    card_candidate c[] = { cand(CARD_RULE_TID, 1, PAY_PENDING, 5000, 1) };
    card_decision d;
    assert_int_equal(cards_decide(&st, &params, &r, c, 1, &d), 0);
    assert_int_equal(d.reason, EXC_UNKNOWN_PAYMENT);
    assert_int_equal(d.action, CA_NONE);
    assert_int_equal(d.payment_id, 0);
}

static void test_names(void **state)
{
    (void)state;
    assert_null(cards_rule_name(CARD_RULE_NONE));
    assert_string_equal(cards_rule_name(CARD_RULE_TID), "card_tid");
    assert_string_equal(cards_rule_name(CARD_RULE_NSU_AUTH_DATE), "card_nsu_auth_date");
    assert_null(cards_rule_name(CARD_RULE_COUNT));
    assert_string_equal(cards_action_name(CA_CANCELED), "canceled");
    assert_string_equal(rc_reason_name(EXC_CARD_SALE_MISSING), "CARD_SALE_MISSING");
    assert_string_equal(rc_reason_name(EXC_CHARGEBACK_REVERSED), "CHARGEBACK_REVERSED");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contract_fee),
        cmocka_unit_test_setup_teardown(test_sale_paid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rule_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_installments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sale_disagrees, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redelivery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_adjustments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_payouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_sale_key, setup, teardown),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
