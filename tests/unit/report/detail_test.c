/* detail_test.c - what finance reads on an exception row (report/detail.c,
 * report/layout.c): reconcile's detail texts in Portuguese with amounts in
 * R$, never English nor raw cents; bank names; age buckets; the columns
 * `settle resolve --from` relies on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "report/report.h"

static const char *pt(const char *reason, const char *detail, const char *exp, const char *paid)
{
    static char buf[1024];
    return report_detail_pt(reason, detail, exp, paid, buf, sizeof buf);
}

static void test_amounts_in_reais(void **state)
{
    (void)state;
    assert_string_equal("Pago R$ 1.000,00, esperado R$ 3.457,59: faltam R$ 2.457,59. "
                        "O banco informou juros/multa R$ 1,50, desconto R$ 10,00.",
                        pt("UNDERPAID", "paid 100000, expected 345759 (interest 150, other credits 0, discount 1000, rebate 0)",
                           "345759", "100000"));
    assert_string_equal("Pago R$ 180,70, esperado R$ 180,00: excedente de R$ 0,70. "
                        "O banco não informou juros, desconto nem abatimento.",
                        pt("OVERPAID", "paid 18070, expected 18000 (interest 0, other credits 0, discount 0, rebate 0)",
                           "18000", "18070"));
    assert_string_equal("Valor recebido R$ 7,77.", pt("UNKNOWN_PAYMENT", "", "", "777"));
    assert_string_equal("", pt("BANK_REJECTED", "", "", "0"));
}

/* Every detail text reconcile/decide.c writes on an exception. */
static void test_every_detail_in_portuguese(void **state)
{
    (void)state;
    static const struct { const char *en, *want; } cases[] = {
        { "candidates (nn_exact): 9, 361", "Pagamentos candidatos (por nosso número): 9, 361" },
        { "candidates (pix_ref): 4, 5", "Pagamentos candidatos (por número do pedido na mensagem do Pix): 4, 5" },
        { "more than one payment matches: 1, 2", "Mais de um pagamento corresponde: 1, 2" },
        { "more than one payment matches", "Mais de um pagamento corresponde" },
        { "no payment matches", "Nenhum pagamento corresponde" },
        { "already paid by settlement #42", "já baixado por outro registro bancário (#42)" },
        { "already paid by an earlier record of this file", "registro anterior deste arquivo" },
        { "already refunded", "Pagamento já devolvido" },
        { "payment is canceled", "Pagamento cancelado" },
        { "payment is expired", "Pagamento expirado" },
        { "end-to-end id already applied by settlement #7", "já foi aplicado pelo registro #7" },
        { "refund of an applied Pix: in process", "Devolução de um Pix já baixado: em processamento" },
        { "MED refund (forced by the payer's bank) of a Pix not applied here: not done (no money left)",
          "Devolução MED (pedida pelo banco do pagador) de um Pix não baixado aqui: não realizada (sem saldo)" },
        { "the bank closed the title as liquidated but reported no amount: paid directly to the company or by Pix? "
          "No money booked; confirm the credit", "sem informar valor" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = pt("AMBIGUOUS_MATCH", cases[i].en, "", "");
        if (!strstr(got, cases[i].want))
            fail_msg("'%s' -> '%s', expected it to contain '%s'", cases[i].en, got, cases[i].want);
        static const char *const english[] = { "payment", "paid", "match", "candidates", "settlement", "refund", "bank" };
        for (size_t k = 0; k < sizeof english / sizeof english[0]; k++)
            if (strstr(got, english[k]))
                fail_msg("'%s' -> '%s' still has '%s'", cases[i].en, got, english[k]);
    }
    /* a text it does not know is left out, not shown in English */
    assert_string_equal("Valor recebido R$ 1,00.", pt("UNKNOWN_PAYMENT", "some new english text", "", "100"));
}

static void test_bank_names_and_buckets(void **state)
{
    (void)state;
    assert_string_equal("Banco do Brasil", report_bank_name("001"));
    assert_string_equal("Nu Pagamentos (Nubank)", report_bank_name("260"));
    assert_string_equal("", report_bank_name("999"));
    assert_string_equal("", report_bank_name(""));
    assert_string_equal("0 a 2 dias", report_age_bucket(0));
    assert_string_equal("0 a 2 dias", report_age_bucket(2));
    assert_string_equal("3 a 7 dias", report_age_bucket(3));
    assert_string_equal("8 a 30 dias", report_age_bucket(30));
    assert_string_equal("mais de 30 dias", report_age_bucket(31));
}

/* The layout `settle resolve --from` reads back. */
static void test_layout(void **state)
{
    (void)state;
    int n;
    const report_column *c = report_open_columns(&n);
    assert_int_equal(OC_NCOLS, n);
    assert_string_equal("id", c[0].name);
    assert_string_equal("acao", c[n - 3].name);
    assert_string_equal("nota", c[n - 2].name);
    assert_string_equal("pagamento_id", c[n - 1].name);
    for (int i = 0; i < n; i++) {
        assert_int_equal(i, report_open_column(c[i].name));
        assert_true(c[i].width > 0);
        assert_int_equal(i >= n - 3, c[i].kind == RC_INPUT);
    }
    assert_int_equal(-1, report_open_column("nope"));
    /* codes are text, so spreadsheets keep their zeros */
    assert_int_equal(RC_TEXT, c[OC_BANK].kind);
    assert_int_equal(RC_TEXT, c[OC_NOSSO].kind);
    assert_int_equal(RC_TEXT, c[OC_DOC].kind);
    assert_int_equal(RC_MONEY, c[OC_DIFF].kind);
    assert_int_equal(RC_DATE, c[OC_CREDIT_ON].kind);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amounts_in_reais),
        cmocka_unit_test(test_every_detail_in_portuguese),
        cmocka_unit_test(test_bank_names_and_buckets),
        cmocka_unit_test(test_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
