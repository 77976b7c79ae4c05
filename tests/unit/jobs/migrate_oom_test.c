/* migrate_oom_test.c - `settle migrate` loading its migrations under
 * allocation failure (issue 17): with the Nth allocation refused, for every
 * N (alone, and with every later one refused too), migrations_load() either
 * returns every migration, in order, or an error with nothing returned.
 * Never a partial list: migrate would apply the migrations it kept and
 * report success, or claim "up to date at 000" with none. Both sources:
 * the built-in copy and --dir sql (read from the repository). Linked with
 * --wrap (Makefile OOM_TESTS; tests/support/failalloc.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "jobs/jobs.h"
#include "tests/support/failalloc.h"

static void check_source(const char *dir)
{
    migration *all = NULL;
    int n_all = 0;
    err_t e = { 0 };
    failalloc_arm(0, 0);
    assert_int_equal(migrations_load(dir, &all, &n_all, &e), 0);
    assert_true(n_all >= 11); /* 001..009, 011, 012 at least */
    for (int i = 1; i < n_all; i++)
        assert_true(all[i].version > all[i - 1].version);

    /* count the allocations of a clean load */
    migration *m = NULL;
    int n = 0;
    failalloc_arm(1L << 40, 0);
    assert_int_equal(migrations_load(dir, &m, &n, &e), 0);
    long allocs = failalloc_count();
    failalloc_arm(0, 0);
    migrations_free(m, n);
    assert_true(allocs >= n_all);

    long refused = 0;
    for (int sticky = 0; sticky < 2; sticky++) {
        for (long k = 1; k <= allocs; k++) {
            m = (migration *)&m; /* must stay as it is on failure */
            migration *before = m;
            n = -7;
            err_t fe = { 0 };
            failalloc_arm(k, sticky);
            int rc = migrations_load(dir, &m, &n, &fe);
            long failed = failalloc_failed();
            failalloc_arm(0, 0);
            if (failed) {
                refused++;
                assert_int_equal(rc, EX_SOFTWARE);
                assert_non_null(strstr(fe.msg, "out of memory"));
                assert_ptr_equal(m, before); /* nothing returned */
                assert_int_equal(n, -7);
            } else {
                /* an allocation inside libc (opendir's buffer) is not ours to fail */
                assert_int_equal(rc, 0);
                assert_int_equal(n, n_all);
                for (int i = 0; i < n; i++) {
                    assert_string_equal(m[i].name, all[i].name);
                    assert_string_equal(m[i].sum, all[i].sum);
                }
                migrations_free(m, n);
            }
        }
    }
    assert_true(refused >= allocs); /* every counted allocation was refused once per pass */
    migrations_free(all, n_all);
}

static void builtin_all_or_nothing(void **state)
{
    (void)state;
    check_source(NULL);
}

static void dir_all_or_nothing(void **state)
{
    (void)state;
    check_source("sql");
}

/* An empty directory is not "up to date at 000". */
static void empty_dir_refused(void **state)
{
    (void)state;
    migration *m = NULL;
    int n = 0;
    err_t e = { 0 };
    assert_int_equal(migrations_load("tests/unit/jobs", &m, &n, &e), EX_CONFIG);
    assert_non_null(strstr(e.msg, "no migrations"));
    assert_null(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builtin_all_or_nothing),
        cmocka_unit_test(dir_all_or_nothing),
        cmocka_unit_test(empty_dir_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
