/* reasons_test.c - one vocabulary of exception reasons: every reason
 * reconcile can open (reconcile/decide.c) has the report's finance text
 * (report/report.c), and the report has no text for a reason that does not
 * exist. The database's CHECK and docs/reconciliation.md are compared with
 * the same list by tests/integration/cli.sh (`settle help reasons`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reconcile/decide.h"
#include "report/report.h"

static void test_every_reason_has_its_text(void **state)
{
    (void)state;
    int n = 0;
    for (int r = EXC_NONE + 1; r <= EXC_LAST; r++, n++) {
        const char *name = rc_reason_name((rc_reason)r);
        assert_non_null(name);
        if (!report_reason_label(name))
            fail_msg("no report text for %s", name);
    }
    assert_int_equal(report_n_reasons(), n);
    assert_null(report_reason_label("NO_SUCH_REASON"));
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_every_reason_has_its_text) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
