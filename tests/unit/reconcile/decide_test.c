/* decide_test.c - rc_decide(): every outcome, rule precedence, amount rules
 * and exception reason, called directly (no database). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "reconcile/decide.h"

static rc_state st;
static rc_params params = { 0 };

static int setup(void **state)
{
    (void)state;
    params.tolerance_cents = 0;
    return rc_state_init(&st);
}

static int teardown(void **state)
{
    (void)state;
    rc_state_free(&st);
    return 0;
}

static rc_settlement boleto(int64_t id, const char *mv, int paid, int64_t amount)
{
    rc_settlement s = { .id = id, .kind = RC_KIND_BOLETO, .paid = paid, .amount_paid_cents = amount };
    strcpy(s.format, "cnab240");
    strcpy(s.bank, "341");
    strcpy(s.movement_code, mv);
    return s;
}

static rc_candidate cand(rc_rule rule, int64_t pid, rc_pay_status status, int64_t amount)
{
    return (rc_candidate){ .rule = rule, .payment_id = pid, .status = status, .amount_cents = amount };
}

static rc_decision run(const rc_settlement *s, const rc_candidate *c, size_t n)
{
    rc_decision d;
    assert_int_equal(rc_decide(&st, &params, s, c, n, &d), 0);
    return d;
}

static void test_paid_equal(void **state)
{
    (void)state;
    rc_settlement s = boleto(1, "06", 1, 10000);
    rc_candidate c = cand(RULE_NN_EXACT, 7, PAY_PENDING, 10000);
    rc_decision d = run(&s, &c, 1);
    assert_int_equal(d.outcome, OUT_PAID);
    assert_int_equal(d.payment_id, 7);
    assert_int_equal(d.rule, RULE_NN_EXACT);
    assert_int_equal(d.paid_cents, 10000);
    assert_int_equal(d.interest_cents, -1);
    assert_true(rc_state_has(&st, 7));
    /* the same payment again in this file */
    s.id = 2;
    d = run(&s, &c, 1);
    assert_int_equal(d.outcome, OUT_EXCEPTION);
    assert_int_equal(d.reason, EXC_DUPLICATE_PAYMENT);
    assert_int_equal(d.payment_id, 7);
}

static void test_interest_discount(void **state)
{
    (void)state;
    rc_settlement s = boleto(1, "06", 1, 10250);
    s.interest_cents = 250;
    rc_candidate c = cand(RULE_NN_EXACT, 1, PAY_PENDING, 10000);
    rc_decision d = run(&s, &c, 1);
    assert_int_equal(d.outcome, OUT_PAID);
    assert_int_equal(d.interest_cents, 250);

    s = boleto(2, "06", 1, 9900);
    s.discount_cents = 60;
    s.rebate_cents = 40;
    c = cand(RULE_NN_EXACT, 2, PAY_PENDING, 10000);
    d = run(&s, &c, 1);
    assert_int_equal(d.outcome, OUT_PAID);
    assert_int_equal(d.discount_cents, 100);

    /* interest declared but the difference is not it */
    s = boleto(3, "06", 1, 10300);
    s.interest_cents = 250;
    c = cand(RULE_NN_EXACT, 3, PAY_PENDING, 10000);
    d = run(&s, &c, 1);
    assert_int_equal(d.reason, EXC_OVERPAID);
    assert_int_equal(d.expected_cents, 10000);
    assert_int_equal(d.paid_cents, 10300);

    /* less with no discount declared */
    s = boleto(4, "06", 1, 9900);
    c = cand(RULE_NN_EXACT, 4, PAY_PENDING, 10000);
    assert_int_equal(run(&s, &c, 1).reason, EXC_UNDERPAID);
    assert_false(rc_state_has(&st, 4));
}

static void test_tolerance(void **state)
{
    (void)state;
    params.tolerance_cents = 5;
    rc_settlement s = boleto(1, "06", 1, 9995);
    rc_candidate c = cand(RULE_NN_EXACT, 1, PAY_PENDING, 10000);
    assert_int_equal(run(&s, &c, 1).outcome, OUT_PAID);
    s = boleto(2, "06", 1, 10006);
    c = cand(RULE_NN_EXACT, 2, PAY_PENDING, 10000);
    assert_int_equal(run(&s, &c, 1).reason, EXC_OVERPAID);
}

static void test_not_pending_and_duplicate(void **state)
{
    (void)state;
    rc_settlement s = boleto(1, "06", 1, 10000);
    rc_candidate c = cand(RULE_NN_EXACT, 1, PAY_CANCELED, 10000);
    rc_decision d = run(&s, &c, 1);
    assert_int_equal(d.reason, EXC_PAYMENT_NOT_PENDING);
    assert_string_equal(d.detail, "payment is canceled");
    c = cand(RULE_NN_EXACT, 1, PAY_EXPIRED, 10000);
    assert_int_equal(run(&s, &c, 1).reason, EXC_PAYMENT_NOT_PENDING);
    c = cand(RULE_NN_EXACT, 1, PAY_PAID, 10000);
    c.paid_by_settlement = 99;
    d = run(&s, &c, 1);
    assert_int_equal(d.reason, EXC_DUPLICATE_PAYMENT);
    assert_string_equal(d.detail, "already paid by settlement #99");
}

static void test_unknown_and_ambiguous(void **state)
{
    (void)state;
    rc_settlement s = boleto(1, "06", 1, 10000);
    rc_decision d = run(&s, NULL, 0);
    assert_int_equal(d.reason, EXC_UNKNOWN_PAYMENT);
    assert_int_equal(d.payment_id, 0);

    rc_candidate c[] = { cand(RULE_NN_EXACT, 5, PAY_PENDING, 10000), cand(RULE_NN_EXACT, 3, PAY_PENDING, 10000) };
    d = run(&s, c, 2);
    assert_int_equal(d.reason, EXC_AMBIGUOUS_MATCH);
    assert_int_equal(d.payment_id, 0);
    assert_non_null(strstr(d.detail, "5, 3"));
    assert_false(rc_state_has(&st, 3) || rc_state_has(&st, 5));

    /* the same payment found twice at one rank is one candidate */
    rc_candidate same[] = { cand(RULE_NN_EXACT, 5, PAY_PENDING, 10000), cand(RULE_NN_EXACT, 5, PAY_PENDING, 10000) };
    assert_int_equal(run(&s, same, 2).outcome, OUT_PAID);
}

static void test_precedence(void **state)
{
    (void)state;
    /* an exact nosso número beats a seu número reference and a DV variant */
    rc_settlement s = boleto(1, "06", 1, 10000);
    rc_candidate c[] = { cand(RULE_SEU_REF, 8, PAY_PENDING, 10000), cand(RULE_NN_DV, 9, PAY_PENDING, 10000),
                         cand(RULE_NN_EXACT, 10, PAY_PENDING, 10000) };
    rc_decision d = run(&s, c, 3);
    assert_int_equal(d.outcome, OUT_PAID);
    assert_int_equal(d.payment_id, 10);
    /* two fallbacks of different ranks: the better one, no ambiguity */
    s.id = 2;
    rc_candidate f[] = { cand(RULE_SEU_REF, 11, PAY_PENDING, 10000), cand(RULE_NN_DV, 12, PAY_PENDING, 10000) };
    d = run(&s, f, 2);
    assert_int_equal(d.payment_id, 12);
    assert_int_equal(d.rule, RULE_NN_DV);
}

static void test_events_and_bank_exceptions(void **state)
{
    (void)state;
    rc_settlement s = boleto(1, "02", 0, 0);
    rc_candidate c = cand(RULE_NN_EXACT, 1, PAY_PENDING, 10000);
    rc_decision d = run(&s, &c, 1);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_string_equal(d.event, "entry_confirmed");
    assert_int_equal(d.payment_id, 1);
    assert_false(rc_state_has(&st, 1));

    s = boleto(2, "03", 0, 0);
    d = run(&s, &c, 1);
    assert_int_equal(d.reason, EXC_BANK_REJECTED);
    s = boleto(3, "44", 0, 10000);
    strcpy(s.bank, "001");
    d = run(&s, &c, 1);
    assert_int_equal(d.reason, EXC_CHEQUE_RETURNED);
    assert_int_equal(d.payment_id, 1);
    /* Itaú's 44 is a monthly fee debit (341-itau-cnab240.txt L600), not a
     * bounced cheque; Caixa's 44 reverses a liquidation (104-caixa-cnab240.txt L687) */
    strcpy(s.bank, "341");
    d = run(&s, &c, 1);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_string_equal(d.event, "fee_debit");
    strcpy(s.bank, "104");
    assert_int_equal(run(&s, &c, 1).reason, EXC_LIQUIDATION_REVERSED);

    /* Caixa 400 numbers its own codes: 99 is the rejection */
    s = boleto(4, "99", 0, 0);
    strcpy(s.format, "cnab400");
    strcpy(s.bank, "104");
    assert_int_equal(run(&s, &c, 1).reason, EXC_BANK_REJECTED);
    strcpy(s.bank, "341");
    d = run(&s, &c, 1);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_string_equal(d.event, "movement_99");

    /* an event for no payment is kept, not an exception */
    s = boleto(5, "09", 0, 0);
    d = run(&s, NULL, 0);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_int_equal(d.payment_id, 0);
}

static void test_pix(void **state)
{
    (void)state;
    rc_settlement s = { .id = 1, .kind = RC_KIND_PIX, .paid = 1, .amount_paid_cents = 5000 };
    strcpy(s.format, "pix-csv");
    rc_candidate c = cand(RULE_TXID, 3, PAY_PENDING, 5000);
    rc_decision d = run(&s, &c, 1);
    assert_int_equal(d.outcome, OUT_PAID);
    assert_int_equal(d.rule, RULE_TXID);

    /* re-delivery: the end-to-end id was applied by settlement 1 */
    s.id = 2;
    s.prior_settlement = 1;
    s.prior_payment = 3;
    d = run(&s, NULL, 0);
    assert_int_equal(d.outcome, OUT_REDELIVERY);
    assert_int_equal(d.payment_id, 3);
    /* ... also when its txid finds the payment that settlement paid */
    c = cand(RULE_TXID, 3, PAY_PAID, 5000);
    c.paid_by_settlement = 1;
    assert_int_equal(run(&s, &c, 1).outcome, OUT_REDELIVERY);
    /* a message reference ranks below the end-to-end id */
    c = cand(RULE_PIX_REF, 4, PAY_PENDING, 5000);
    assert_int_equal(run(&s, &c, 1).outcome, OUT_REDELIVERY);

    /* refund */
    rc_settlement r = { .id = 3, .kind = RC_KIND_PIX_REFUND, .amount_paid_cents = 5000, .prior_settlement = 1,
                        .prior_payment = 3 };
    strcpy(r.format, "pix-csv");
    d = run(&r, NULL, 0);
    assert_int_equal(d.reason, EXC_PIX_REFUND);
    assert_int_equal(d.payment_id, 3);
    assert_int_equal(d.paid_cents, 5000);
}

static void test_state_grows(void **state)
{
    (void)state;
    for (int64_t i = 1; i <= 5000; i++)
        assert_int_equal(rc_state_add(&st, i * 7919), 0);
    for (int64_t i = 1; i <= 5000; i++)
        assert_true(rc_state_has(&st, i * 7919));
    assert_false(rc_state_has(&st, 7918));
}

/* Issue 12: "outros créditos" are money the payer paid, like interest. */
static void test_other_credits(void **state)
{
    (void)state;
    /* laravel santander.ret: 1100 on a face of 1000 with 100 in U 123-137 */
    rc_settlement s = boleto(1, "06", 1, 1100);
    s.other_credits_cents = 100;
    rc_candidate c = cand(RULE_NN_EXACT, 2, PAY_PENDING, 1000);
    rc_decision d = run(&s, &c, 1);
    assert_int_equal(d.outcome, OUT_PAID);
    assert_int_equal(d.interest_cents, 100);
    /* interest and other credits together */
    s = boleto(2, "06", 1, 1150);
    s.interest_cents = 50, s.other_credits_cents = 100;
    c = cand(RULE_NN_EXACT, 3, PAY_PENDING, 1000);
    d = run(&s, &c, 1);
    assert_int_equal(d.outcome, OUT_PAID);
    assert_int_equal(d.interest_cents, 150);
    /* declared extras and a declared discount at once */
    s = boleto(3, "06", 1, 1030);
    s.interest_cents = 50, s.discount_cents = 20;
    c = cand(RULE_NN_EXACT, 4, PAY_PENDING, 1000);
    d = run(&s, &c, 1);
    assert_int_equal(d.outcome, OUT_PAID);
    assert_int_equal(d.interest_cents, 50);
    assert_int_equal(d.discount_cents, 20);
    /* more than the declared extras explain: still OVERPAID */
    s = boleto(4, "06", 1, 1101);
    s.other_credits_cents = 100;
    c = cand(RULE_NN_EXACT, 5, PAY_PENDING, 1000);
    d = run(&s, &c, 1);
    assert_int_equal(d.outcome, OUT_EXCEPTION);
    assert_int_equal(d.reason, EXC_OVERPAID);
    assert_non_null(strstr(d.detail, "other credits 100"));
}

static rc_candidate paid_by(int64_t pid, int64_t by, const char *code, const char *nn, int64_t amount)
{
    rc_candidate c = cand(RULE_NN_EXACT, pid, PAY_PAID, amount);
    c.paid_by_settlement = by;
    strcpy(c.by_format, "cnab240");
    strcpy(c.by_bank, "341");
    strcpy(c.by_code, code);
    strcpy(c.by_nn, nn);
    c.by_amount_cents = amount;
    return c;
}

/* Issue 12: a liquidation (Itaú 06) and its "baixa por ter sido liquidado"
 * (Itaú 10, 341-itau-cnab240.txt L530-550) are one payment in either order;
 * two liquidations are two. */
static void test_liquidation_confirmed(void **state)
{
    (void)state;
    /* across files: the payment was paid by an 06 of the same title */
    rc_settlement s = boleto(10, "10", 1, 10000);
    strcpy(s.nn, "1300");
    rc_candidate c = paid_by(13, 5, "06", "1300", 10000);
    rc_decision d = run(&s, &c, 1);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_string_equal(d.event, "liquidation_confirmed");
    assert_int_equal(d.payment_id, 13);
    /* the other order: paid by a 10, now its 06 */
    s = boleto(11, "06", 1, 10000);
    strcpy(s.nn, "1300");
    c = paid_by(13, 5, "10", "1300", 10000);
    assert_int_equal(run(&s, &c, 1).outcome, OUT_EVENT);
    /* two liquidations: a second payment */
    c = paid_by(13, 5, "06", "1300", 10000);
    d = run(&s, &c, 1);
    assert_int_equal(d.outcome, OUT_EXCEPTION);
    assert_int_equal(d.reason, EXC_DUPLICATE_PAYMENT);
    /* another amount, another title or another bank: not the same money */
    s = boleto(12, "10", 1, 10001);
    strcpy(s.nn, "1300");
    c = paid_by(13, 5, "06", "1300", 10000);
    assert_int_equal(run(&s, &c, 1).reason, EXC_DUPLICATE_PAYMENT);
    s.amount_paid_cents = 10000;
    c = paid_by(13, 5, "06", "1301", 10000);
    assert_int_equal(run(&s, &c, 1).reason, EXC_DUPLICATE_PAYMENT);
    c = paid_by(13, 5, "06", "1300", 10000);
    strcpy(c.by_bank, "001");
    assert_int_equal(run(&s, &c, 1).reason, EXC_DUPLICATE_PAYMENT);

    /* inside one file: 06 pays, its 10 confirms; a second 06 is a second payment */
    s = boleto(20, "06", 1, 10000);
    strcpy(s.nn, "1400");
    c = cand(RULE_NN_EXACT, 14, PAY_PENDING, 10000);
    assert_int_equal(run(&s, &c, 1).outcome, OUT_PAID);
    s = boleto(21, "10", 1, 10000);
    strcpy(s.nn, "1400");
    d = run(&s, &c, 1);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_string_equal(d.event, "liquidation_confirmed");
    s = boleto(22, "06", 1, 10000);
    strcpy(s.nn, "1400");
    d = run(&s, &c, 1);
    assert_int_equal(d.reason, EXC_DUPLICATE_PAYMENT);

    /* a 10 that reports no amount books nothing: LIQUIDATION_UNCONFIRMED
     * while the payment is pending, an event once it is paid */
    s = boleto(30, "10", 0, 0);
    strcpy(s.nn, "1500");
    c = cand(RULE_NN_EXACT, 15, PAY_PENDING, 10000);
    d = run(&s, &c, 1);
    assert_int_equal(d.outcome, OUT_EXCEPTION);
    assert_int_equal(d.reason, EXC_LIQUIDATION_UNCONFIRMED);
    assert_string_equal(d.event, "baixa_liquidated");
    assert_false(rc_state_has(&st, 15));
    c = paid_by(15, 9, "06", "1500", 10000);
    d = run(&s, &c, 1);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_string_equal(d.event, "liquidation_confirmed");

    /* Santander 400 16 "título baixado/liquidado" (033-santander-cnab400.txt
     * L78) carries no money: LIQUIDATION_UNCONFIRMED on a pending payment */
    s = boleto(40, "16", 0, 0);
    strcpy(s.format, "cnab400");
    strcpy(s.bank, "033");
    c = cand(RULE_NN_EXACT, 16, PAY_PENDING, 10000);
    d = run(&s, &c, 1);
    assert_int_equal(d.reason, EXC_LIQUIDATION_UNCONFIRMED);
    c = paid_by(16, 9, "06", "1600", 10000);
    assert_int_equal(run(&s, &c, 1).outcome, OUT_EVENT);
}

/* Issue 13: a refund is money out only when settled; a MED refund has its
 * own reason. */
static void test_refund_status(void **state)
{
    (void)state;
    rc_settlement r = { .id = 50, .kind = RC_KIND_PIX_REFUND, .amount_paid_cents = 5000, .prior_settlement = 1,
                        .prior_payment = 3 };
    strcpy(r.format, "pix-api");
    strcpy(r.refund_status, "EM_PROCESSAMENTO");
    rc_decision d = run(&r, NULL, 0);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_string_equal(d.event, "refund_pending");
    assert_int_equal(d.payment_id, 3);
    strcpy(r.refund_status, "NAO_REALIZADO");
    d = run(&r, NULL, 0);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_string_equal(d.event, "refund_not_done");
    strcpy(r.refund_status, "DEVOLVIDO");
    d = run(&r, NULL, 0);
    assert_int_equal(d.reason, EXC_PIX_REFUND);
    assert_int_equal(d.paid_cents, 5000);
    r.refund_status[0] = '\0'; /* a statement's refund: settled */
    assert_int_equal(run(&r, NULL, 0).reason, EXC_PIX_REFUND);
    r.refund_med = 1;
    strcpy(r.refund_status, "DEVOLVIDO");
    d = run(&r, NULL, 0);
    assert_int_equal(d.reason, EXC_PIX_REFUND_MED);
    assert_non_null(strstr(d.detail, "MED"));
    strcpy(r.refund_status, "EM_PROCESSAMENTO");
    assert_int_equal(run(&r, NULL, 0).outcome, OUT_EVENT);
}

/* Issue 13 item 5: a hybrid boleto's money reported by the bank and as a Pix
 * is one payment in either order; a plain liquidation and a Pix are two. */
static void test_hybrid(void **state)
{
    (void)state;
    /* the Pix paid first; now the bank's record carries the same txid */
    rc_settlement s = boleto(60, "06", 1, 10000);
    strcpy(s.nn, "6000");
    strcpy(s.txid, "TXHYBRID0000000000000000001");
    strcpy(s.date, "2026-11-27");
    rc_candidate c = cand(RULE_NN_EXACT, 61, PAY_PAID, 10000);
    c.paid_by_settlement = 9;
    strcpy(c.by_format, "pix-csv");
    strcpy(c.by_kind, "pix");
    strcpy(c.by_txid, "TXHYBRID0000000000000000001");
    strcpy(c.by_date, "2026-11-27");
    c.by_amount_cents = 10000;
    rc_decision d = run(&s, &c, 1);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_string_equal(d.event, "boleto_confirmed");
    /* without a txid: an 06 is a second payment; Itaú's 10 (Pix) the same money */
    s.txid[0] = '\0';
    assert_int_equal(run(&s, &c, 1).reason, EXC_DUPLICATE_PAYMENT);
    strcpy(s.movement_code, "10");
    assert_string_equal(run(&s, &c, 1).event, "boleto_confirmed");
    strcpy(s.date, "2026-11-28"); /* the bank reports it the next day */
    assert_int_equal(run(&s, &c, 1).outcome, OUT_EVENT);
    strcpy(s.date, "2026-11-30"); /* three days later: not the same report */
    assert_int_equal(run(&s, &c, 1).reason, EXC_DUPLICATE_PAYMENT);
    /* another amount: never the same money */
    strcpy(s.date, "2026-11-27");
    s.amount_paid_cents = 10100;
    assert_int_equal(run(&s, &c, 1).reason, EXC_DUPLICATE_PAYMENT);

    /* the bank paid first (Itaú 10 without txid); now the Pix credit */
    rc_settlement x = { .id = 70, .kind = RC_KIND_PIX, .paid = 1, .amount_paid_cents = 10000 };
    strcpy(x.format, "pix-csv");
    strcpy(x.txid, "TXHYBRID0000000000000000002");
    strcpy(x.date, "2026-11-27");
    rc_candidate b = cand(RULE_TXID, 71, PAY_PAID, 10000);
    b.paid_by_settlement = 8;
    strcpy(b.by_format, "cnab240");
    strcpy(b.by_bank, "341");
    strcpy(b.by_code, "10");
    strcpy(b.by_kind, "boleto");
    strcpy(b.by_date, "2026-11-27");
    b.by_amount_cents = 10000;
    d = run(&x, &b, 1);
    assert_int_equal(d.outcome, OUT_EVENT);
    assert_string_equal(d.event, "pix_confirmed");
    strcpy(b.by_code, "06");
    assert_int_equal(run(&x, &b, 1).reason, EXC_DUPLICATE_PAYMENT);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(rc_reason_name(EXC_CHEQUE_RETURNED), "CHEQUE_RETURNED");
    assert_null(rc_reason_name(EXC_NONE));
    for (int r = RULE_NONE + 1; r < RULE_COUNT; r++)
        assert_int_equal(rc_rule_from_name(rc_rule_name((rc_rule)r)), r);
    assert_int_equal(rc_pay_status_from_name("expired"), PAY_EXPIRED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_paid_equal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interest_discount, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tolerance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_pending_and_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_and_ambiguous, setup, teardown),
        cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_and_bank_exceptions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_grows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_credits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_liquidation_confirmed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refund_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hybrid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
