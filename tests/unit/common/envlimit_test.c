/* envlimit_test.c - env_limit() (common/envlimit.c): a limit from the
 * environment is a whole number from 1 to the built-in one, nothing else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "common/envlimit.h"

/* $SETTLE_PIX_MAX_RESPONSE_BYTES: a whole number from 1 to the default,
 * nothing else (atoll read "12abc" as 12 and "abc" as 0, silently). */
static void test_env_limit(void **state)
{
    (void)state;
    long long v = -1;
    err_t e = { 0 };
    const char *name = "SETTLE_PIX_MAX_RESPONSE_BYTES";
    assert_int_equal(env_limit(name, NULL, 67108864, &v, &e), 0);
    assert_int_equal(v, 67108864);
    assert_int_equal(env_limit(name, "", 67108864, &v, &e), 0);
    assert_int_equal(v, 67108864);
    assert_int_equal(env_limit(name, "1048576", 67108864, &v, &e), 0);
    assert_int_equal(v, 1048576);
    assert_int_equal(env_limit(name, "1", 67108864, &v, &e), 0);
    assert_int_equal(v, 1);
    assert_int_equal(env_limit(name, "67108864", 67108864, &v, &e), 0);
    assert_int_equal(v, 67108864);
    const char *bad[] = { "12abc", "abc", "-5", "+5", " 5", "5 ", "0", "00", "67108865", "1e6", "0x10",
                          "9223372036854775807", "9223372036854775808", "99999999999999999999999" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = -1;
        err_clear(&e);
        assert_int_equal(env_limit(name, bad[i], 67108864, &v, &e), -1);
        assert_int_equal(v, -1); /* untouched */
        assert_int_equal(e.code, EX_CONFIG);
        char want[256];
        snprintf(want, sizeof want,
                 "SETTLE_PIX_MAX_RESPONSE_BYTES = \"%s\": expected a whole number from 1 to 67108864 (it can only "
                 "lower the bound)",
                 bad[i]);
        assert_string_equal(e.msg, want);
    }
    /* long and control characters: cut and escaped */
    assert_int_equal(env_limit(name, "1\n2345678901234567890123456789012345", 67108864, &v, &e), -1);
    assert_string_equal(e.msg, "SETTLE_PIX_MAX_RESPONSE_BYTES = \"1?234567890123456789012345678901...\": expected a "
                               "whole number from 1 to 67108864 (it can only lower the bound)");
}

/* The reconcile knob: the same rules, its own default and name. */
static void test_env_limit_apply_rows(void **state)
{
    (void)state;
    long long v = -1;
    err_t e = { 0 };
    assert_int_equal(env_limit("SETTLE_RECONCILE_APPLY_ROWS", "7", 16384, &v, &e), 0);
    assert_int_equal(v, 7);
    assert_int_equal(env_limit("SETTLE_RECONCILE_APPLY_ROWS", "16385", 16384, &v, &e), -1);
    assert_string_equal(e.msg, "SETTLE_RECONCILE_APPLY_ROWS = \"16385\": expected a whole number from 1 to 16384 (it can "
                               "only lower the bound)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_env_limit),
        cmocka_unit_test(test_env_limit_apply_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
