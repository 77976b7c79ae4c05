/* cards_oom_test.c - the card rules under allocation failure: a file's
 * worth of card sales (each the first of its sale, paying its payment; every
 * 5th a second sale for the payment before it) and payouts, decided with the
 * Nth allocation failing, for every N (once alone, once with every later one
 * failing too). card_state_init / cards_decide must report -1 exactly when
 * an allocation was refused and decide the same as the clean run up to that
 * point; never a crash, never a leak (valgrind, `make asan`). Linked with
 * --wrap (Makefile OOM_TESTS; tests/support/failalloc.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <string.h>

#include "reconcile/cards.h"
#include "tests/support/failalloc.h"

#define N_RECORDS 3000

/* Returns the index of the record whose decision failed, N_RECORDS when all
 * were decided, -1 when the state could not be made. */
static int decide_file(int *outcomes)
{
    card_state st;
    if (card_state_init(&st))
        return -1;
    card_params prm = { .tolerance_cents = 0, .fee_tolerance_cents = 1 };
    int i;
    for (i = 0; i < N_RECORDS; i++) {
        card_rec r = { .id = 1000 + i, .has_sale_key = 1, .installment = 1, .installments = 1, .gross_cents = 5000,
                       .fee_cents = 124, .net_cents = 4876 };
        memcpy(r.acquirer, "cielo", 6);
        memcpy(r.brand, "visa", 5);
        card_candidate c = { .rule = CARD_RULE_TID, .status = PAY_PENDING, .amount_cents = 5000, .installments = 1 };
        size_t nc = 0;
        if (i % 3 == 2) {            /* a payout of an earlier file's receivable */
            r.kind = CARD_REC_PAYOUT;
            r.receivable_id = i;
            r.receivable_net_cents = 4876;
            memcpy(r.receivable_status, "expected", 9);
        } else {
            r.kind = CARD_REC_SALE;
            r.first_id = r.id;
            r.sale_gross_cents = 5000;
            c.payment_id = i % 5 == 4 ? i : i + 1;
            nc = 1;
        }
        card_decision d;
        if (cards_decide(&st, &prm, &r, &c, nc, &d))
            break;
        outcomes[i] = (int)d.outcome * 100 + (int)d.reason;
    }
    card_state_free(&st);
    return i;
}

static void test_every_allocation_fails(void **state)
{
    (void)state;
    static int clean[N_RECORDS], got[N_RECORDS];
    failalloc_arm(LONG_MAX, 0);
    assert_int_equal(decide_file(clean), N_RECORDS);
    long n_alloc = failalloc_count();
    failalloc_arm(0, 0);
    assert_true(n_alloc >= 6); /* the sets and the sales grew */
    for (int sticky = 0; sticky <= 1; sticky++)
        for (long n = 1; n <= n_alloc; n++) {
            memset(got, 0, sizeof got);
            failalloc_arm(n, sticky);
            int done = decide_file(got);
            long failed = failalloc_failed();
            failalloc_arm(0, 0);
            assert_int_equal(failed > 0, 1);
            assert_true(done >= -1 && done < N_RECORDS);
            for (int i = 0; i < done; i++)
                assert_int_equal(got[i], clean[i]);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
