/* banks.c - bank layouts as data: for each bank and record type, the table
 * of fields (name, start, length, kind) a reader decodes, the nosso número
 * packing, and which movement/occurrence codes mean money arrived.
 *
 * Adding a bank: add its field table(s) and one row to cnab240_banks[] or
 * cnab400_banks[], plus a fixture under tests/fixtures/cnab/ (see
 * docs/formats/cnab.md). Positions are 1-based and inclusive, as the bank
 * manuals write them. */
#include "parsers/cnab.h"

#include <string.h>

/* ===================== CNAB 240 (FEBRABAN T/U) ===================== */

/* The FEBRABAN positions of segment T after the nosso número; a bank
 * table is its nosso número packing followed by these, or its own list
 * when it moves fields (Santander). */
#define T_FEBRABAN                                              \
    CF("movement code", 16, 2, FK_CODE, movement_code),         \
    CF("document number", 59, 15, FK_TEXT, seu_numero),         \
    CF("due date", 74, 8, FK_DATE8, due_on),                    \
    CF("face value", 82, 15, FK_MONEY, amount_face_cents),      \
    CF("payer CPF/CNPJ", 134, 15, FK_DOC, payer_doc),           \
    CF("payer name", 149, 40, FK_TEXT, payer_name),             \
    CF("fee", 199, 15, FK_MONEY, fee_cents),                    \
    CF_END

/* Segment U is the same for every bank we know. */
static const cnab_field u_febraban[] = {
    CF("movement code", 16, 2, FK_CODE, movement_code),
    CF("interest", 18, 15, FK_MONEY, interest_cents),
    CF("discount", 33, 15, FK_MONEY, discount_cents),
    CF("rebate", 48, 15, FK_MONEY, rebate_cents),
    CF("IOF", 63, 15, FK_MONEY, iof_cents),
    CF("amount paid", 78, 15, FK_MONEY, amount_paid_cents),
    CF("amount credited", 93, 15, FK_MONEY, amount_credited_cents),
    CF("occurrence date", 138, 8, FK_DATE8, occurred_on),
    CF("credit date", 146, 8, FK_DATE8, credited_on),
    CF_END,
};

/* Banco do Brasil: 38-57 left-justified, convênio (4, 6 or 7 digits)
 * followed by the sequence; with convênio 7 the 17 digits are what the
 * boleto prints (no check digit). */
static const cnab_field bb240_t[] = { CF("nosso número", 38, 20, FK_TEXT, nosso_numero), T_FEBRABAN };
/* Santander (layout 040): 41-53 nosso número, 12 digits + check digit as
 * printed; 54 carteira; everything after moves 4-5 positions left. */
static const cnab_field santander240_t[] = {
    CF("nosso número", 41, 13, FK_NUMTEXT, nosso_numero),
    CF("movement code", 16, 2, FK_CODE, movement_code),
    CF("document number", 55, 15, FK_TEXT, seu_numero),
    CF("due date", 70, 8, FK_DATE8, due_on),
    CF("face value", 78, 15, FK_MONEY, amount_face_cents),
    CF("payer CPF/CNPJ", 129, 15, FK_DOC, payer_doc),
    CF("payer name", 144, 40, FK_TEXT, payer_name),
    CF("fee", 194, 15, FK_MONEY, fee_cents),
    CF_END,
};
/* Ailos (ex-Cecred): 38-57 left-justified (convênio + sequence). */
static const cnab_field ailos240_t[] = { CF("nosso número", 38, 20, FK_TEXT, nosso_numero), T_FEBRABAN };
/* Caixa (SIGCB): 40-56 = modalidade (2) + 15-digit sequence, 57 = check
 * digit; the boleto prints the 17 digits and the check digit. */
static const cnab_field caixa240_t[] = { CF("nosso número", 40, 18, FK_NUMTEXT, nosso_numero), T_FEBRABAN };
/* BTG Pactual: 38-57 right-justified digits; its files leave 212-213
 * blank, so the fee is read from 199-211. */
static const cnab_field btg240_t[] = {
    CF("nosso número", 38, 20, FK_TEXT, nosso_numero),
    CF("movement code", 16, 2, FK_CODE, movement_code),
    CF("document number", 59, 15, FK_TEXT, seu_numero),
    CF("due date", 74, 8, FK_DATE8, due_on),
    CF("face value", 82, 15, FK_MONEY, amount_face_cents),
    CF("payer CPF/CNPJ", 134, 15, FK_DOC, payer_doc),
    CF("payer name", 149, 40, FK_TEXT, payer_name),
    CF("fee", 199, 13, FK_MONEY, fee_cents),
    CF_END,
};
/* Sicredi: 38-46 = YY/B NNNNN D (9 digits with check digit). */
static const cnab_field sicredi240_t[] = { CF("nosso número", 38, 9, FK_NUMTEXT, nosso_numero), T_FEBRABAN };
/* Sicoob: 38-47 = nosso número with check digit (10); 48-49 parcela,
 * 50-51 modalidade, 52 form type. */
static const cnab_field sicoob240_t[] = { CF("nosso número", 38, 10, FK_NUMTEXT, nosso_numero), T_FEBRABAN };
/* Bradesco (cobrança 240): 38-40 carteira, 41-45 zeros, 46-56 nosso
 * número (11), 57 check digit (0-9 or P); the boleto prints
 * carteira/nosso número-DV: we keep the 12 characters 46-57. */
static const cnab_field bradesco240_t[] = { CF("nosso número", 46, 12, FK_TEXT, nosso_numero), T_FEBRABAN };
/* Itaú (cobrança 240): 38-40 carteira, 41-48 nosso número, 49 DAC; the
 * boleto prints carteira/nosso número-DAC: we keep 41-49. */
static const cnab_field itau240_t[] = { CF("nosso número", 41, 9, FK_NUMTEXT, nosso_numero), T_FEBRABAN };

static const cnab240_bank cnab240_banks[] = {
    { "001", "Banco do Brasil", bb240_t, u_febraban, "06,17", 0 },
    { "033", "Santander", santander240_t, u_febraban, "06,17", C240_NO_BATCH_TOTALS | C240_BATCH_COUNT_DETAILS },
    { "085", "Ailos", ailos240_t, u_febraban, "06,17", 0 },
    { "104", "Caixa Econômica Federal", caixa240_t, u_febraban, "06,17", 0 },
    { "208", "BTG Pactual", btg240_t, u_febraban, "06,17", C240_NO_BATCH_TOTALS | C240_NO_COUNTS },
    { "237", "Bradesco", bradesco240_t, u_febraban, "06,17", 0 },
    { "341", "Itaú", itau240_t, u_febraban, "06,17", 0 },
    { "748", "Sicredi", sicredi240_t, u_febraban, "06,17", 0 },
    { "756", "Sicoob", sicoob240_t, u_febraban, "06,17", 0 },
    { NULL, NULL, NULL, NULL, NULL, 0 },
};

/* ===================== CNAB 400 (per bank) ===================== */

/* The Bradesco/Itaú positions most banks follow (DOMAIN.md §2). */
#define C400_COMMON                                                   \
    CF("occurrence code", 109, 2, FK_CODE, movement_code),            \
    CF("occurrence date", 111, 6, FK_DATE6, occurred_on),             \
    CF("due date", 147, 6, FK_DATE6, due_on),                         \
    CF("face value", 153, 13, FK_MONEY, amount_face_cents),           \
    CF("IOF", 215, 13, FK_MONEY, iof_cents),                          \
    CF("rebate", 228, 13, FK_MONEY, rebate_cents),                    \
    CF("discount", 241, 13, FK_MONEY, discount_cents),                \
    CF("amount paid", 254, 13, FK_MONEY, amount_paid_cents),          \
    CF("interest", 267, 13, FK_MONEY, interest_cents)

static const cnab_field bradesco400[] = {
    C400_COMMON,
    CF("company title id", 38, 25, FK_TEXT, seu_numero),
    CF("nosso número", 71, 12, FK_NUMTEXT, nosso_numero),
    CF("fee", 176, 13, FK_MONEY, fee_cents),
    CF("credit date", 296, 6, FK_DATE6, credited_on),
    CF_END,
};

static const cnab400_bank cnab400_banks[] = {
    { "237", "Bradesco", '1', bradesco400, NULL, "06,15,17", '4', 106, 35, "" },
    { NULL, NULL, 0, NULL, NULL, NULL, 0, 0, 0, "" },
};

/* ===================== lookups ===================== */

const cnab240_bank *cnab240_bank_find(const char *code)
{
    for (const cnab240_bank *b = cnab240_banks; b->code; b++)
        if (!strcmp(b->code, code))
            return b;
    return NULL;
}

const cnab400_bank *cnab400_bank_find(const char *code)
{
    for (const cnab400_bank *b = cnab400_banks; b->code; b++)
        if (!strcmp(b->code, code))
            return b;
    return NULL;
}

int cnab_code_in(const char *code, const char *list)
{
    for (const char *p = list; *p; p += p[2] ? 3 : 2)
        if (p[0] == code[0] && p[1] == code[1])
            return 1;
    return 0;
}

const char *cnab240_bank_list(void)
{
    static char buf[256];
    if (!buf[0])
        for (const cnab240_bank *b = cnab240_banks; b->code; b++) {
            if (buf[0])
                strcat(buf, ", ");
            strcat(buf, b->code);
        }
    return buf;
}

const char *cnab400_bank_list(void)
{
    static char buf[256];
    if (!buf[0])
        for (const cnab400_bank *b = cnab400_banks; b->code; b++) {
            if (buf[0])
                strcat(buf, ", ");
            strcat(buf, b->code);
        }
    return buf;
}
