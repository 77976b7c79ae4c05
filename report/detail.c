/* detail.c - what finance reads on each exception row, in Portuguese: the
 * detail sentence (from the amounts and reconcile's own detail text, which
 * is written for developers), the bank's name, the age bucket. Pure
 * functions, no I/O (tests/unit/report/detail_test.c). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fmt.h"
#include "parsers/cnab.h"
#include "report/report.h"

/* Payment institutions that are not in the CNAB bank tables but send Pix
 * statements (code COMPE/ISPB-derived, as settlements.bank_code holds it). */
static const struct { const char *code, *name; } psp_names[] = {
    { "260", "Nu Pagamentos (Nubank)" },
    { "077", "Banco Inter" },
    { "290", "PagSeguro" },
    { "323", "Mercado Pago" },
    { "364", "Efí (Gerencianet)" },
    { "380", "PicPay" },
    { "403", "Cora" },
    { "208", "BTG Pactual" },
    { "336", "C6 Bank" },
};

const char *report_bank_name(const char *code)
{
    if (!code || !*code)
        return "";
    const cnab240_bank *b240 = cnab240_bank_find(code);
    if (b240)
        return b240->name;
    const cnab400_bank *b400 = cnab400_bank_find(code);
    if (b400)
        return b400->name;
    for (size_t i = 0; i < sizeof psp_names / sizeof psp_names[0]; i++)
        if (!strcmp(psp_names[i].code, code))
            return psp_names[i].name;
    return "";
}

const char *report_age_bucket(long days)
{
    return days <= 2 ? "0 a 2 dias" : days <= 7 ? "3 a 7 dias" : days <= 30 ? "8 a 30 dias" : "mais de 30 dias";
}

static const char *brl(int64_t cents, char *buf)
{
    char m[FMT_MONEY_MAX];
    fmt_money(cents < 0 ? -cents : cents, ',', '.', m);
    snprintf(buf, FMT_MONEY_MAX + 8, "%sR$ %s", cents < 0 ? "−" : "", m);
    return buf;
}

/* s starts with prefix: returns what follows, else NULL. */
static const char *after(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(s, prefix, n) ? NULL : s + n;
}

/* Append to out (size n, used *len) like snprintf; stops at the end. */
static void add(char *out, size_t n, size_t *len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void add(char *out, size_t n, size_t *len, const char *fmt, ...)
{
    if (*len >= n - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(out + *len, n - *len, fmt, ap);
    va_end(ap);
    if (w > 0)
        *len = *len + (size_t)w < n - 1 ? *len + (size_t)w : n - 1;
}

/* The matching rules by their names in reconcile/decide.c, for people. */
static const char *rule_pt(const char *r, size_t len)
{
    static const struct { const char *name, *pt; } rules[] = {
        { "nn_exact", "nosso número" },
        { "nn_dv", "nosso número com dígito verificador" },
        { "txid", "txid" },
        { "e2e", "end-to-end id" },
        { "pix_ref", "número do pedido na mensagem do Pix" },
        { "seu_ref", "seu número" },
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (strlen(rules[i].name) == len && !strncmp(rules[i].name, r, len))
            return rules[i].pt;
    return "regra de conciliação";
}

/* The texts of a match that found no payment, or more than one. 1 when d
 * is one of them (written to out), else 0. */
static int translate_match(const char *d, char *out, size_t n, size_t *len)
{
    const char *rest;
    if ((rest = after(d, "candidates ("))) {
        const char *close = strstr(rest, "): ");
        if (close) {
            add(out, n, len, "Pagamentos candidatos (por %s): %s", rule_pt(rest, (size_t)(close - rest)), close + 3);
            return 1;
        }
    }
    if ((rest = after(d, "candidates: "))) {
        add(out, n, len, "Pagamentos candidatos: %s", rest);
        return 1;
    }
    if ((rest = after(d, "more than one payment matches: "))) {
        add(out, n, len, "Mais de um pagamento corresponde: %s", rest);
        return 1;
    }
    if (!strcmp(d, "more than one payment matches")) {
        add(out, n, len, "Mais de um pagamento corresponde");
        return 1;
    }
    if (!strcmp(d, "no payment matches")) {
        add(out, n, len, "Nenhum pagamento corresponde ao nosso número, txid ou pedido informados");
        return 1;
    }
    return 0;
}

/* The texts of a payment that is not pending: already paid (by whom),
 * refunded, canceled, expired; a Pix applied twice. 1 when d is one of
 * them, else 0. */
static int translate_not_pending(const char *d, char *out, size_t n, size_t *len)
{
    const char *rest;
    long long id;
    if ((rest = after(d, "already paid by settlement #")) && sscanf(rest, "%lld", &id) == 1) {
        add(out, n, len, "Pagamento já baixado por outro registro bancário (#%lld)", id);
        return 1;
    }
    if (!strcmp(d, "already paid by an earlier record of this file")) {
        add(out, n, len, "Pagamento já baixado por um registro anterior deste arquivo");
        return 1;
    }
    if (!strcmp(d, "already paid") || !strcmp(d, "already refunded")) {
        add(out, n, len, "Pagamento já %s", d[8] == 'p' ? "pago" : "devolvido");
        return 1;
    }
    if ((rest = after(d, "payment is "))) {
        add(out, n, len, "Pagamento %s",
            !strcmp(rest, "canceled") ? "cancelado" : !strcmp(rest, "expired") ? "expirado" : "não pendente");
        return 1;
    }
    if ((rest = after(d, "end-to-end id already applied by settlement #")) && sscanf(rest, "%lld", &id) == 1) {
        add(out, n, len, "Este end-to-end id já foi aplicado pelo registro #%lld", id);
        return 1;
    }
    return 0;
}

/* The texts of money that is not a payment: a Pix refund (MED or not), a
 * liquidation without an amount, the same money twice. 1 when d is one of
 * them, else 0. */
static int translate_not_payment(const char *d, char *out, size_t n, size_t *len)
{
    const char *rest;
    if ((rest = after(d, "MED refund (forced by the payer's bank) of ")) || (rest = after(d, "refund of "))) {
        add(out, n, len, "%s %s", d[0] == 'M' ? "Devolução MED (pedida pelo banco do pagador) de" : "Devolução de",
            after(rest, "an applied Pix") ? "um Pix já baixado" : "um Pix não baixado aqui");
        if (strstr(rest, ": in process"))
            add(out, n, len, ": em processamento");
        else if (strstr(rest, ": not done"))
            add(out, n, len, ": não realizada (sem saldo)");
        return 1;
    }
    if (after(d, "the bank closed the title as liquidated but reported no amount")) {
        add(out, n, len, "O banco baixou o título como liquidado sem informar valor: nenhum valor foi baixado; "
                         "confirmar o crédito no extrato");
        return 1;
    }
    if (after(d, "the same money as ")) {
        add(out, n, len, "O mesmo dinheiro de um registro anterior: não é um segundo pagamento");
        return 1;
    }
    return 0;
}

/* The text of an amount that differs from the expected one: what the bank
 * reported besides the face value. Nothing for any other text. */
static void translate_amounts(const char *d, char *out, size_t n, size_t *len)
{
    char m1[FMT_MONEY_MAX + 8];
    long long paid, expected, interest, other, discount, rebate;
    if (sscanf(d, "paid %lld, expected %lld (interest %lld, other credits %lld, discount %lld, rebate %lld)", &paid,
               &expected, &interest, &other, &discount, &rebate) != 6)
        return;
    int any = 0;
    const struct { long long v; const char *label; } parts[] = {
        { interest, "juros/multa" }, { other, "outros créditos" }, { discount, "desconto" }, { rebate, "abatimento" },
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (!parts[i].v)
            continue;
        add(out, n, len, "%s%s %s", any ? ", " : "O banco informou ", parts[i].label, brl(parts[i].v, m1));
        any = 1;
    }
    if (!any)
        add(out, n, len, "O banco não informou juros, desconto nem abatimento");
}

/* Reconcile's detail text (reconcile/decide.c) in Portuguese. Writes nothing
 * for a text it does not know: no English reaches finance. */
static void translate(const char *d, char *out, size_t n, size_t *len)
{
    if (translate_match(d, out, n, len) || translate_not_pending(d, out, n, len) ||
        translate_not_payment(d, out, n, len))
        return;
    translate_amounts(d, out, n, len);
}

char *report_detail_pt(const char *reason, const char *detail, const char *expected, const char *paid, char *out,
                       size_t n)
{
    size_t len = 0;
    char m1[FMT_MONEY_MAX + 8], m2[FMT_MONEY_MAX + 8], m3[FMT_MONEY_MAX + 8];
    int has_exp = expected && *expected, has_paid = paid && *paid;
    int64_t e = has_exp ? strtoll(expected, NULL, 10) : 0, p = has_paid ? strtoll(paid, NULL, 10) : 0;
    out[0] = '\0';
    if (!strcmp(reason, "UNDERPAID") && has_exp && has_paid)
        add(out, n, &len, "Pago %s, esperado %s: faltam %s", brl(p, m1), brl(e, m2), brl(e - p, m3));
    else if (!strcmp(reason, "OVERPAID") && has_exp && has_paid)
        add(out, n, &len, "Pago %s, esperado %s: excedente de %s", brl(p, m1), brl(e, m2), brl(p - e, m3));
    else if (has_paid && p)
        add(out, n, &len, "Valor recebido %s", brl(p, m1));
    if (detail && *detail) {
        size_t before = len;
        if (len)
            add(out, n, &len, ". ");
        size_t mark = len;
        translate(detail, out, n, &len);
        if (len == mark) { /* not known: drop the separator */
            len = before;
            out[len] = '\0';
        }
    }
    if (len && len < n - 1)
        add(out, n, &len, ".");
    return out;
}
