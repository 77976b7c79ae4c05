/* natkey_test.c - natural keys of CNAB, Pix and Pix refund records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "reconcile/natkey.h"

static void test_cnab(void **state)
{
    (void)state;
    settle_record r = { .kind = KIND_BOLETO, .amount_paid_cents = 12345, .occurred_on = { 2026, 11, 27 } };
    strcpy(r.bank, "341");
    strcpy(r.nosso_numero, "00012345");
    strcpy(r.movement_code, "06");
    char k[NATKEY_MAX];
    assert_string_equal(natkey_build(&r, k, sizeof k), "341|12345|06|2026-11-27|12345");
    /* the same title, zeros printed differently: the same key */
    strcpy(r.nosso_numero, "12345");
    assert_string_equal(natkey_build(&r, k, sizeof k), "341|12345|06|2026-11-27|12345");
    /* another movement of it is another record */
    strcpy(r.movement_code, "17");
    assert_string_equal(natkey_build(&r, k, sizeof k), "341|12345|17|2026-11-27|12345");
}

static void test_pix(void **state)
{
    (void)state;
    settle_record r = { .kind = KIND_PIX, .amount_paid_cents = 500, .settled_at = 1795928637 };
    strcpy(r.end_to_end_id, "E18236120202611271000abcdefghijk");
    strcpy(r.txid, "TX1");
    char k[NATKEY_MAX];
    assert_string_equal(natkey_build(&r, k, sizeof k), "pix|E18236120202611271000abcdefghijk");
    r.kind = KIND_PIX_REFUND;
    strcpy(r.refund_id, "D18236120202611280900abcdefghijk");
    assert_string_equal(natkey_build(&r, k, sizeof k), "pix_refund|D18236120202611280900abcdefghijk");
    r.kind = KIND_PIX;
    r.end_to_end_id[0] = '\0';
    assert_string_equal(natkey_build(&r, k, sizeof k), "pix|TX1|500|1795928637");
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_cnab), cmocka_unit_test(test_pix) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
