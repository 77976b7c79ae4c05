/* nossonum_test.c - check digit algorithms per bank and the nn_dv keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "reconcile/nossonum.h"

#define DV(kind, s) nn_dv(kind, s, strlen(s))

static void test_bradesco(void **state)
{
    (void)state;
    /* Bradesco's manual: carteira 19, nosso número 00000000002 -> DV 8. */
    assert_int_equal(DV(NN_DV_MOD11_BRADESCO, "1900000000002"), '8');
    /* remainder 1 -> P: 0000000000006 weights 2 -> 12 % 11 = 1 */
    assert_int_equal(DV(NN_DV_MOD11_BRADESCO, "0000000000006"), 'P');
    /* remainder 0 -> 0 */
    assert_int_equal(DV(NN_DV_MOD11_BRADESCO, "0000000000000"), '0');
}

static void test_bb(void **state)
{
    (void)state;
    /* weights 9..2 from the right: 1*9 = 9 */
    assert_int_equal(DV(NN_DV_MOD11_BB, "0000001"), '9');
    /* 6*9 = 54, 54 % 11 = 10 -> X */
    assert_int_equal(DV(NN_DV_MOD11_BB, "0000006"), 'X');
    /* 1*9 + 1*9 = 18, 18 % 11 = 7 (weights 9..2 from the right, then 9 again) */
    assert_int_equal(DV(NN_DV_MOD11_BB, "100000001"), '7');
}

static void test_santander(void **state)
{
    (void)state;
    /* 4+3+0+45+48+49+48+45+8+9+8+5 = 272, 272 % 11 = 8 -> 3 */
    assert_int_equal(DV(NN_DV_MOD11_SANTANDER, "123456789012"), '3');
    /* remainder 0 or 1 -> 0; 10 -> 1 */
    assert_int_equal(DV(NN_DV_MOD11_SANTANDER, "000000000000"), '0');
    assert_int_equal(DV(NN_DV_MOD11_SANTANDER, "000000000005"), '1');   /* 10 % 11 = 10 -> 1 */
}

static void test_caixa(void **state)
{
    (void)state;
    /* 1*2 + 4*9 + 1*2 = 40, 11 - 40 % 11 = 4 */
    assert_int_equal(DV(NN_DV_MOD11_CAIXA, "14000000000000001"), '4');
    /* 11 - 0 = 11 > 9 -> 0 */
    assert_int_equal(DV(NN_DV_MOD11_CAIXA, "00000000000000000"), '0');
}

static void test_not_digits(void **state)
{
    (void)state;
    assert_int_equal(DV(NN_DV_MOD11_BB, "12a4"), 0);
    assert_int_equal(DV(NN_DV_NONE, "1234"), 0);
    assert_int_equal(DV(NN_DV_MOD11_BB, ""), 0);
}

static int has(char keys[][NN_KEY_LEN], int n, const char *k)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(keys[i], k))
            return 1;
    return 0;
}

static void test_keys_strip_and_add(void **state)
{
    (void)state;
    char k[NN_MAX_KEYS][NN_KEY_LEN];
    /* Santander printed with DV 3: the key without it. */
    int n = nn_dv_keys("033", "0001234567890123", k);
    assert_true(has(k, n, "123456789012"));
    /* Printed without DV: the key with it. */
    n = nn_dv_keys("033", "123456789012", k);
    assert_true(has(k, n, "1234567890123"));
    /* A wrong DV is not stripped. */
    n = nn_dv_keys("033", "1234567890124", k);
    assert_false(has(k, n, "123456789012"));
    /* Bradesco with carteira in front: 19 + 00000000002 + 8 -> 2 */
    n = nn_dv_keys("237", "19000000000028", k);
    assert_true(has(k, n, "2"));
    /* Bradesco 240 keeps number (11) + DV: the DV goes by length */
    n = nn_dv_keys("237", "00002026004P", k);
    assert_int_equal(n, 1);
    assert_string_equal(k[0], "2026004");
    /* BB DV X */
    n = nn_dv_keys("001", "0000006X", k);
    assert_true(has(k, n, "6"));
    /* keys never repeat the exact key and have no leading zeros */
    for (int i = 0; i < n; i++)
        assert_true(k[i][0] != '0');
}

static void test_keys_by_length(void **state)
{
    (void)state;
    char k[NN_MAX_KEYS][NN_KEY_LEN];
    /* Itaú: 8 digits + DV -> the 8 digits */
    int n = nn_dv_keys("341", "123456785", k);
    assert_int_equal(n, 1);
    assert_string_equal(k[0], "12345678");
    /* 8 digits: nothing to strip */
    assert_int_equal(nn_dv_keys("341", "12345678", k), 0);
    /* unknown bank: exact only */
    assert_int_equal(nn_dv_keys("999", "123456785", k), 0);
    assert_int_equal(nn_dv_keys("341", "", k), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bradesco),       cmocka_unit_test(test_bb),
        cmocka_unit_test(test_santander),      cmocka_unit_test(test_caixa),
        cmocka_unit_test(test_not_digits),     cmocka_unit_test(test_keys_strip_and_add),
        cmocka_unit_test(test_keys_by_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
