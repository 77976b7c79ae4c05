/* oom_test.c - the reconcile decision code under allocation failure: a
 * file's worth of paid settlements (enough to grow the paid-payments set
 * several times) decided with the Nth allocation failing, for every N (once
 * alone, once with every later one failing too). rc_state_init / rc_decide
 * must report -1 exactly when an allocation was refused, leave the set as it
 * was (every payment decided before still in it, the failed one not), and
 * decide the same as the clean run up to that point; never a crash, never a
 * leak (valgrind: tests/integration/faults_alloc.sh; `make asan`). Linked
 * with --wrap (Makefile OOM_TESTS; tests/support/failalloc.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <string.h>

#include "reconcile/decide.h"
#include "tests/support/failalloc.h"

#define N_SETTLEMENTS 5000

/* Decide N_SETTLEMENTS paid boletos, each matching its own pending payment,
 * every 7th paying the payment of the one before (DUPLICATE_PAYMENT when
 * that one was paid in this file). Returns the index of the settlement whose
 * decision failed, N_SETTLEMENTS when all were decided, -1 when the state
 * could not be made. outcomes[i] gets each decision's outcome*100+reason. */
static int decide_file(int *outcomes)
{
    rc_state st;
    if (rc_state_init(&st))
        return -1;
    rc_params prm = { .tolerance_cents = 0 };
    int i;
    for (i = 0; i < N_SETTLEMENTS; i++) {
        int64_t pay = i % 7 == 6 ? i : i + 1;
        rc_settlement s = { .id = 1000 + i, .kind = RC_KIND_BOLETO, .paid = 1, .amount_paid_cents = 1000 };
        memcpy(s.format, "cnab240", 8);
        memcpy(s.bank, "001", 4);
        memcpy(s.movement_code, "06", 3);
        int paid_here = rc_state_has(&st, pay);
        rc_candidate c = { .rule = RULE_NN_EXACT, .payment_id = pay, .status = PAY_PENDING, .amount_cents = 1000 };
        rc_decision d;
        if (rc_decide(&st, &prm, &s, &c, 1, &d)) {
            /* the set is intact: what was in stays in, the failed one is not added */
            assert_int_equal(rc_state_has(&st, pay), paid_here);
            for (int k = 0; k < i; k++)
                if (outcomes[k] == OUT_PAID * 100)
                    assert_true(rc_state_has(&st, k % 7 == 6 ? k : k + 1));
            break;
        }
        outcomes[i] = (int)d.outcome * 100 + (int)d.reason;
    }
    rc_state_free(&st);
    return i;
}

static void test_every_allocation_fails(void **state)
{
    (void)state;
    static int clean[N_SETTLEMENTS], got[N_SETTLEMENTS];
    failalloc_arm(LONG_MAX, 0);
    assert_int_equal(decide_file(clean), N_SETTLEMENTS);
    long n_alloc = failalloc_count();
    failalloc_arm(0, 0);
    assert_true(n_alloc >= 4); /* the set grew: 1024 -> ... -> 16384 slots */
    int dups = 0;
    for (int i = 0; i < N_SETTLEMENTS; i++)
        dups += clean[i] == OUT_EXCEPTION * 100 + EXC_DUPLICATE_PAYMENT;
    assert_true(dups > 0);
    for (int sticky = 0; sticky <= 1; sticky++)
        for (long n = 1; n <= n_alloc; n++) {
            memset(got, 0, sizeof got);
            failalloc_arm(n, sticky);
            int done = decide_file(got);
            long failed = failalloc_failed();
            failalloc_arm(0, 0);
            assert_int_equal(failed > 0, 1);
            if (n == 1)
                assert_int_equal(done, -1); /* the first allocation is the state's */
            else
                assert_true(done >= 0 && done < N_SETTLEMENTS);
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
