/* nossonum.c - nosso número check digits per bank and the nn_dv match keys. */
#include "reconcile/nossonum.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

const nn_bank nn_banks[] = {
    { "001", "Banco do Brasil", NN_DV_MOD11_BB, 0,
      "convênio 4/6: number + DV (mod 11, weights 9..2 from the right, remainder 10 -> X); convênio 7: 17 digits, no DV" },
    { "033", "Santander", NN_DV_MOD11_SANTANDER, 12,
      "12 digits + DV (mod 11, weights 2..9 from the right; remainder 0 or 1 -> 0, 10 -> 1, else 11 - r)" },
    { "104", "Caixa", NN_DV_MOD11_CAIXA, 17,
      "17 digits (carteira 14 + 15) + DV (mod 11, weights 2..9; 11 - r, above 9 -> 0)" },
    { "237", "Bradesco", NN_DV_MOD11_BRADESCO, 11,
      "carteira (2) + 11 digits + DV (mod 11 over carteira and number, weights 2..7; remainder 1 -> P, 0 -> 0); "
      "checked when the carteira is printed in front, else a 12th character is taken as the DV" },
    { "341", "Itaú", NN_DV_BY_LENGTH, 8,
      "8 digits + DV (mod 10 over agência, conta, carteira and number: not in the record, so a 9th digit is taken as the DV)" },
    { "748", "Sicredi", NN_DV_BY_LENGTH, 8,
      "8 digits + DV (mod 11 over agência, posto, cedente and number: a 9th digit is taken as the DV)" },
    { "756", "Sicoob", NN_DV_BY_LENGTH, 7,
      "7 digits + DV (mod 11, weights 3197 over cooperativa, cliente and number: an 8th digit is taken as the DV)" },
    { NULL, NULL, NN_DV_NONE, 0, NULL },
};

const nn_bank *nn_bank_find(const char *bank)
{
    if (!bank)
        return NULL;
    for (const nn_bank *b = nn_banks; b->bank; b++)
        if (!strcmp(b->bank, bank))
            return b;
    return NULL;
}

/* Sum of digits times weights lo..hi cycling from the rightmost digit
 * (first_weight first). */
static int weighted(const char *num, size_t len, int lo, int hi, int first, int descending)
{
    int sum = 0, w = first;
    for (size_t i = len; i-- > 0;) {
        sum += (num[i] - '0') * w;
        if (descending)
            w = w == lo ? hi : w - 1;
        else
            w = w == hi ? lo : w + 1;
    }
    return sum;
}

char nn_dv(nn_dv_kind kind, const char *num, size_t len)
{
    if (!len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)num[i]))
            return 0;
    int r;
    switch (kind) {
    case NN_DV_MOD11_BB:
        r = weighted(num, len, 2, 9, 9, 1) % 11;
        return r == 10 ? 'X' : (char)('0' + r);
    case NN_DV_MOD11_BRADESCO:
        r = weighted(num, len, 2, 7, 2, 0) % 11;
        return r == 0 ? '0' : r == 1 ? 'P' : (char)('0' + 11 - r);
    case NN_DV_MOD11_SANTANDER:
        r = weighted(num, len, 2, 9, 2, 0) % 11;
        return r <= 1 ? '0' : r == 10 ? '1' : (char)('0' + 11 - r);
    case NN_DV_MOD11_CAIXA:
        r = 11 - weighted(num, len, 2, 9, 2, 0) % 11;
        return r > 9 ? '0' : (char)('0' + r);
    default:
        return 0;
    }
}

char *nn_strip_zeros(const char *num, char *out, size_t n)
{
    while (*num == '0')
        num++;
    snprintf(out, n, "%s", num);
    return out;
}

static int add_key(char keys[][NN_KEY_LEN], int n, const char *exact, const char *digits, size_t len)
{
    char tmp[NN_KEY_LEN], k[NN_KEY_LEN];
    if (n >= NN_MAX_KEYS || len >= sizeof tmp)
        return n;
    memcpy(tmp, digits, len);
    tmp[len] = '\0';
    nn_strip_zeros(tmp, k, sizeof k);
    if (!*k || !strcmp(k, exact))
        return n;
    for (int i = 0; i < n; i++)
        if (!strcmp(keys[i], k))
            return n;
    memcpy(keys[n], k, sizeof k);
    return n + 1;
}

int nn_dv_keys(const char *bank, const char *nn, char keys[][NN_KEY_LEN])
{
    const nn_bank *b = nn_bank_find(bank);
    char f[NN_KEY_LEN], exact[NN_KEY_LEN];
    size_t len = 0;
    /* Keep digits and a trailing DV letter; drop separators the bank printed. */
    for (const char *p = nn; *p && len + 1 < sizeof f; p++)
        if (isdigit((unsigned char)*p) || (!p[1] && isalpha((unsigned char)*p)))
            f[len++] = (char)toupper((unsigned char)*p);
    f[len] = '\0';
    if (!b || len < 2)
        return 0;
    nn_strip_zeros(f, exact, sizeof exact);
    int n = 0, last_is_digit = isdigit((unsigned char)f[len - 1]);

    if (b->dv == NN_DV_BY_LENGTH) {
        /* The printed number is the bank's width plus one: that one is the DV. */
        if ((int)strlen(exact) == b->digits + 1 || (int)len == b->digits + 1)
            n = add_key(keys, n, exact, f, len - 1);
        return n;
    }
    if (b->dv == NN_DV_MOD11_BRADESCO) {
        /* The DV covers the carteira: checkable only when it is printed in
         * front (carteira 2 + number 11 + DV); number + DV (12) by length. */
        if (len == 14 && nn_dv(b->dv, f, 13) == f[13])
            n = add_key(keys, n, exact, f + 2, 11);
        else if ((int)len == b->digits + 1)
            n = add_key(keys, n, exact, f, len - 1);
        return n;
    }
    /* File number with its DV: drop the DV when it checks. */
    if (nn_dv(b->dv, f, len - 1) == f[len - 1])
        n = add_key(keys, n, exact, f, len - 1);
    /* File number without DV, payment registered with it. */
    if (last_is_digit) {
        char dv = nn_dv(b->dv, f, len);
        if (dv >= '0' && dv <= '9' && len + 1 < sizeof f) {
            char g[NN_KEY_LEN];
            memcpy(g, f, len);
            g[len] = dv;
            n = add_key(keys, n, exact, g, len + 1);
        }
    }
    return n;
}
