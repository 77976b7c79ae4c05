/* natkey_test.c - natural keys of CNAB, Pix and Pix refund records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "parsers/natkey.h"

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
    /* each status of a refund is its own record; the settled one keeps the plain key */
    strcpy(r.refund_status, "EM_PROCESSAMENTO");
    assert_string_equal(natkey_build(&r, k, sizeof k), "pix_refund|D18236120202611280900abcdefghijk|EM_PROCESSAMENTO");
    strcpy(r.refund_status, "DEVOLVIDO");
    assert_string_equal(natkey_build(&r, k, sizeof k), "pix_refund|D18236120202611280900abcdefghijk");
    r.refund_status[0] = '\0';
    r.kind = KIND_PIX;
    r.end_to_end_id[0] = '\0';
    assert_string_equal(natkey_build(&r, k, sizeof k), "pix|TX1|500|1795928637");
}

/* Issue 12: two identical CNAB records in one file are two reports (two
 * payments); the same file again gives the same keys (re-delivery). A Pix
 * end-to-end id repeated is always the same Pix. */
static void test_in_file(void **state)
{
    (void)state;
    settle_record r = { .kind = KIND_BOLETO, .amount_paid_cents = 100, .occurred_on = { 2026, 11, 27 } };
    strcpy(r.bank, "341");
    strcpy(r.nosso_numero, "1200");
    strcpy(r.movement_code, "06");
    char k[NATKEY_MAX];
    for (int pass = 0; pass < 2; pass++) { /* the file delivered twice: same keys */
        natkey_occ o;
        assert_int_equal(natkey_occ_init(&o), 0);
        assert_string_equal(natkey_build_in_file(&o, &r, k, sizeof k), "341|1200|06|2026-11-27|100");
        assert_string_equal(natkey_build_in_file(&o, &r, k, sizeof k), "341|1200|06|2026-11-27|100#2");
        strcpy(r.movement_code, "10");
        assert_string_equal(natkey_build_in_file(&o, &r, k, sizeof k), "341|1200|10|2026-11-27|100");
        strcpy(r.movement_code, "06");
        assert_string_equal(natkey_build_in_file(&o, &r, k, sizeof k), "341|1200|06|2026-11-27|100#3");
        /* many distinct keys: the table grows, each stays first */
        for (int i = 0; i < 20000; i++) {
            settle_record x = r;
            snprintf(x.nosso_numero, sizeof x.nosso_numero, "9%d", i);
            assert_null(strchr(natkey_build_in_file(&o, &x, k, sizeof k), '#'));
        }
        natkey_occ_free(&o);
    }
    settle_record p = { .kind = KIND_PIX, .amount_paid_cents = 500 };
    strcpy(p.end_to_end_id, "E18236120202611271000abcdefghijk");
    natkey_occ o;
    assert_int_equal(natkey_occ_init(&o), 0);
    natkey_build_in_file(&o, &p, k, sizeof k);
    assert_string_equal(natkey_build_in_file(&o, &p, k, sizeof k), "pix|E18236120202611271000abcdefghijk");
    natkey_occ_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_cnab), cmocka_unit_test(test_pix),
                                        cmocka_unit_test(test_in_file) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
