/* nossonum.h - nosso número check digits and the keys a boleto is matched by.
 *
 * A bank prints its title id (nosso número) with or without a check digit
 * (DV), with leading zeros, sometimes with the carteira in front. The payments
 * table holds the number as the payments service registered it. Matching
 * compares digits without leading zeros (rule nn_exact, done in SQL); when that
 * finds nothing, the keys below are tried (rule nn_dv): the number with its DV
 * removed, and the number with its DV appended, following each bank's
 * convention (docs/reconciliation.md has the table).
 *
 * Pure functions: no I/O, no globals besides the constant bank table. */
#ifndef SETTLE_NOSSONUM_H
#define SETTLE_NOSSONUM_H

#include <stddef.h>

typedef enum {
    NN_DV_NONE = 0,        /* no convention known: exact match only */
    NN_DV_MOD11_BB,        /* Banco do Brasil: mod 11, weights 9..2 from the right, 10 -> X */
    NN_DV_MOD11_BRADESCO,  /* Bradesco: mod 11 over carteira + number, weights 2..7, 1 -> P, 0 -> 0 */
    NN_DV_MOD11_SANTANDER, /* Santander: mod 11, weights 2..9, 0/1 -> 0, 10 -> 1 */
    NN_DV_MOD11_CAIXA,     /* Caixa: mod 11, weights 2..9, 11 - r, > 9 -> 0 */
    NN_DV_BY_LENGTH,       /* DV depends on agência/conta, not in the record: by length only */
} nn_dv_kind;

typedef struct nn_bank {
    const char *bank;      /* 3-digit code */
    const char *name;
    nn_dv_kind dv;
    int digits;            /* length of the number without DV as the bank prints it (0 = any) */
    const char *note;      /* for the docs */
} nn_bank;

/* The convention for bank (NULL when the bank has none in the table). */
const nn_bank *nn_bank_find(const char *bank);

/* The table itself, ended by a row with bank == NULL. */
extern const nn_bank nn_banks[];

/* Check digit of the digits in num (length len) by kind: a character '0'..'9'
 * or a letter ('X' for BB, 'P' for Bradesco); 0 when kind has no algorithm
 * or num is not all digits. */
char nn_dv(nn_dv_kind kind, const char *num, size_t len);

/* Copy num without leading zeros into out (size n); "" stays "". Returns out. */
char *nn_strip_zeros(const char *num, char *out, size_t n);

#define NN_MAX_KEYS 3
#define NN_KEY_LEN 32

/* The nn_dv keys of nosso número nn at bank: each is digits without leading
 * zeros, different from the nn_exact key. Writes at most NN_MAX_KEYS keys into
 * keys and returns how many. */
int nn_dv_keys(const char *bank, const char *nn, char keys[][NN_KEY_LEN]);

#endif
