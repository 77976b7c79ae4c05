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
    CF("other credits", 123, 15, FK_MONEY, other_credits_cents),
    CF("occurrence date", 138, 8, FK_DATE8, occurred_on),
    CF("credit date", 146, 8, FK_DATE8, credited_on),
    CF_END,
};

/* BTG Pactual's files (the laravel-boleto samples, the only ones there are)
 * hold 13 digits and 2 blanks in U 123-137, as in T 199-213: the same
 * reading as its fee. */
static const cnab_field u_btg[] = {
    CF("movement code", 16, 2, FK_CODE, movement_code),
    CF("interest", 18, 15, FK_MONEY, interest_cents),
    CF("discount", 33, 15, FK_MONEY, discount_cents),
    CF("rebate", 48, 15, FK_MONEY, rebate_cents),
    CF("IOF", 63, 15, FK_MONEY, iof_cents),
    CF("amount paid", 78, 15, FK_MONEY, amount_paid_cents),
    CF("amount credited", 93, 15, FK_MONEY, amount_credited_cents),
    CF("other credits", 123, 13, FK_MONEY, other_credits_cents),
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
 * boleto prints carteira/nosso número-DAC, the DAC is a check over
 * agência/conta/carteira/número, not part of the number: we keep 41-48
 * (as in Itaú's CNAB 400). */
static const cnab_field itau240_t[] = { CF("nosso número", 41, 8, FK_NUMTEXT, nosso_numero), T_FEBRABAN };

/* Paid codes, flags and money identities per bank, each from the bank's
 * own manual in /work/shared/manuals (docs/formats/cnab.md, "CNAB 240"). */
static const cnab240_bank cnab240_banks[] = {
    /* U 78-92 "Valor Pago pelo Sacado", 93-107 "Valor pago pelo sacado menos
     * a tarifa" (001-bancodobrasil-cnab240.txt L272-273) */
    { "001", "Banco do Brasil", bb240_t, u_febraban, "06,17", 0, NULL, XC_GROSS | XC_NET },
    /* batch record count: the samples count the details only, notes 37/38
     * count header and trailer too (033-santander-cnab240.txt L376, L588);
     * U 93-107 "valor líquido" with no rule for the fee (L128) */
    { "033", "Santander", santander240_t, u_febraban, "06,17", C240_NO_BATCH_TOTALS | C240_BATCH_COUNT_EITHER, NULL,
      XC_GROSS },
    /* 76/77 are liquidations "cooperativa emite e expede" (085-ailos-cnab240.txt
     * L330-331); C070 is the cooperado's open portfolio (L672-674) */
    { "085", "Ailos", ailos240_t, u_febraban, "06,17,76,77", C240_NO_BATCH_TOTALS, NULL, XC_GROSS },
    /* 78-92 "Valor Pago pelo Pagador" (104-caixa-cnab240.txt L432); the fee is
     * debited apart: credited = paid (caixa.ret, 9/9 liquidations) */
    { "104", "Caixa Econômica Federal", caixa240_t, u_febraban, "06,17", 0, NULL, XC_GROSS | XC_NET_IS_PAID },
    { "208", "BTG Pactual", btg240_t, u_btg, "06,17", C240_NO_BATCH_TOTALS | C240_NO_COUNTS, NULL, XC_GROSS },
    { "237", "Bradesco", bradesco240_t, u_febraban, "06,17", 0, NULL, XC_GROSS },
    /* U 78-92 and 93-107 are both "VALOR LANÇADO EM CONTA CORRENTE"
     * (341-itau-cnab240.txt L237-239); 06 liquidação normal, 08 em cartório,
     * 10 baixa por ter sido liquidado, 17 is a rejection (L529-550); the
     * trailer's 24-69 are the portfolio (nota 24, L671-674); no money
     * identity: a discount or rebate granted at entry returns as zero
     * (notas 14/16, L496, L506) */
    { "341", "Itaú", itau240_t, u_febraban, "06,08", C240_PAID_IS_NET | C240_NO_BATCH_TOTALS, "10", 0 },
    { "748", "Sicredi", sicredi240_t, u_febraban, "06,17", 0, NULL, XC_GROSS },
    { "756", "Sicoob", sicoob240_t, u_febraban, "06,17", 0, NULL, XC_GROSS },
    { NULL, NULL, NULL, NULL, NULL, 0, NULL, 0 },
};

/* ===================== CNAB 400 (per bank) ===================== */

/* Positions most banks share (DOMAIN.md §2, Bradesco/Itaú family). A bank
 * table lists its nosso número, seu número and credit date, then these. */
#define C400_MONEY(fee_start, fee_len)                                \
    CF("occurrence code", 109, 2, FK_CODE, movement_code),            \
    CF("occurrence date", 111, 6, FK_DATE6, occurred_on),             \
    CF("due date", 147, 6, FK_DATE6, due_on),                         \
    CF("face value", 153, 13, FK_MONEY, amount_face_cents),           \
    CF("fee", fee_start, fee_len, FK_MONEY, fee_cents),               \
    CF("IOF", 215, 13, FK_MONEY, iof_cents),                          \
    CF("rebate", 228, 13, FK_MONEY, rebate_cents),                    \
    CF("discount", 241, 13, FK_MONEY, discount_cents),                \
    CF("amount paid", 254, 13, FK_MONEY, amount_paid_cents),          \
    CF("interest", 267, 13, FK_MONEY, interest_cents),                \
    CF_END

/* seu número: the document number 117-126, else the company's control
 * number 38-62 when the document number is blank. */
#define C400_SEU                                                      \
    CF("document number", 117, 10, FK_TEXT, seu_numero),             \
    CF("company title id", 38, 25, FK_TEXT_ALT, seu_numero)

/* Banco do Brasil CBR643: type 7 (convênio 7): 64-80 nosso número, 17
 * digits as printed (convênio + sequence); type 1 (convênio 6): 63-73 +
 * check digit 74. Credit date 176-181, fee 182-188. */
static const cnab_field bb400_7[] = {
    CF("nosso número", 64, 17, FK_NUMTEXT, nosso_numero), C400_SEU,
    CF("credit date", 176, 6, FK_DATE6, credited_on), C400_MONEY(182, 7),
};
static const cnab_field bb400_1[] = {
    CF("nosso número", 63, 12, FK_TEXT, nosso_numero), C400_SEU,
    CF("credit date", 176, 6, FK_DATE6, credited_on), C400_MONEY(182, 7),
};
/* Bradesco: 71-82 nosso número with its check digit (0-9 or P). */
static const cnab_field bradesco400[] = {
    CF("nosso número", 71, 12, FK_TEXT, nosso_numero), C400_SEU,
    CF("credit date", 296, 6, FK_DATE6, credited_on), C400_MONEY(176, 13),
};
/* Itaú: 83-85 carteira, 86-93 nosso número, 94 DAC (not part of the
 * number: the boleto prints carteira/nosso número-DAC). */
static const cnab_field itau400[] = {
    CF("nosso número", 86, 8, FK_TEXT, nosso_numero), C400_SEU,
    CF("credit date", 296, 6, FK_DATE6, credited_on), C400_MONEY(176, 13),
};
/* Santander: 63-70 nosso número. */
static const cnab_field santander400[] = {
    CF("nosso número", 63, 8, FK_TEXT, nosso_numero), C400_SEU,
    CF("credit date", 296, 6, FK_DATE6, credited_on), C400_MONEY(176, 13),
};
/* Banco do Nordeste: 63-70 nosso número (7 + DV); the return carries no
 * separate credit date: the credit is the occurrence date. */
static const cnab_field bnb400[] = {
    CF("nosso número", 63, 8, FK_TEXT, nosso_numero), C400_SEU,
    CF("credit date", 111, 6, FK_DATE6, credited_on), C400_MONEY(176, 13),
};
/* Banrisul: 63-72 nosso número (8 + 2 check digits). */
static const cnab_field banrisul400[] = {
    CF("nosso número", 63, 10, FK_TEXT, nosso_numero), C400_SEU,
    CF("credit date", 296, 6, FK_DATE6, credited_on), C400_MONEY(176, 13),
};
/* BRB: 71-82 nosso número; dates are DDMMAAAA, which moves every field
 * after the occurrence date; positions read from the corpus sample. */
static const cnab_field brb400[] = {
    CF("nosso número", 71, 12, FK_TEXT, nosso_numero),
    CF("occurrence code", 109, 2, FK_CODE, movement_code),
    CF("occurrence date", 111, 8, FK_DATE8, occurred_on),
    CF("due date", 149, 8, FK_DATE8, due_on),
    CF("face value", 157, 13, FK_MONEY, amount_face_cents),
    CF("fee", 180, 13, FK_MONEY, fee_cents),
    CF("IOF", 219, 13, FK_MONEY, iof_cents),
    CF("rebate", 232, 13, FK_MONEY, rebate_cents),
    CF("discount", 245, 13, FK_MONEY, discount_cents),
    CF("amount paid", 258, 13, FK_MONEY, amount_paid_cents),
    CF("interest", 271, 13, FK_MONEY, interest_cents),
    CF("credit date", 300, 8, FK_DATE8, credited_on),
    CF_END,
};
/* Credisis (CBR643-like): 63-73 nosso número; credit date 176-181; the
 * positions after 188 hold the payer's name and address, not amounts,
 * except the amount paid at 254-266. */
static const cnab_field credisis400[] = {
    CF("nosso número", 63, 11, FK_TEXT, nosso_numero),
    CF("occurrence code", 109, 2, FK_CODE, movement_code),
    CF("document number", 117, 10, FK_TEXT, seu_numero),
    CF("due date", 147, 6, FK_DATE6, due_on),
    CF("face value", 153, 13, FK_MONEY, amount_face_cents),
    CF("credit date", 176, 6, FK_DATE6, credited_on),
    CF("amount paid", 254, 13, FK_MONEY, amount_paid_cents),
    CF_END,
};
/* Caixa (SIGCB 400): 57-73 nosso número, 32-56 company control number,
 * credit date 294-299. */
static const cnab_field caixa400[] = {
    CF("nosso número", 57, 17, FK_TEXT, nosso_numero),
    CF("document number", 117, 10, FK_TEXT, seu_numero),
    CF("company title id", 32, 25, FK_TEXT_ALT, seu_numero),
    CF("credit date", 294, 6, FK_DATE6, credited_on), C400_MONEY(176, 13),
};
/* Banks that follow Itaú's family with the nosso número at 63-73 (10 +
 * check digit): Fibra, Delbank, Pine, HSBC. */
static const cnab_field nn63_400[] = {
    CF("nosso número", 63, 11, FK_TEXT, nosso_numero), C400_SEU,
    CF("credit date", 296, 6, FK_DATE6, credited_on), C400_MONEY(176, 13),
};
/* Inter: the corpus sample (laravel-boleto) fills only the nosso número
 * 71-81, the occurrence code and date; its amounts sit at positions that
 * do not hold digits in the sample, so no amount is read until a real Inter
 * return is available (docs/formats/cnab.md). */
static const cnab_field inter400[] = {
    CF("nosso número", 71, 11, FK_TEXT, nosso_numero), C400_SEU,
    CF("occurrence code", 109, 2, FK_CODE, movement_code),
    CF("occurrence date", 111, 6, FK_DATE6, occurred_on),
    CF_END,
};
/* Banks that follow Bradesco with the nosso número at 71-82: Ourinvest. */
static const cnab_field nn71_400[] = {
    CF("nosso número", 71, 12, FK_TEXT, nosso_numero), C400_SEU,
    CF("credit date", 296, 6, FK_DATE6, credited_on), C400_MONEY(176, 13),
};
/* Sicredi: 48-62 nosso número (YY/B NNNNN D right-justified). */
static const cnab_field sicredi400[] = {
    CF("nosso número", 48, 15, FK_TEXT, nosso_numero),
    CF("document number", 117, 10, FK_TEXT, seu_numero),
    CF("credit date", 296, 6, FK_DATE6, credited_on), C400_MONEY(176, 13),
};

static const cnab400_bank cnab400_banks[] = {
    /* code, name, detail type, table, type-7 table, paid codes, Pix record type, txid start, len, other optional types */
    { "001", "Banco do Brasil", '1', bb400_1, bb400_7, "05,06,07,08,15", 0, 0, 0, "", 0, NULL, 0 },
    { "004", "Banco do Nordeste", '1', bnb400, NULL, "06,07,08,15", 0, 0, 0, "", 0, NULL, 0 },
    { "033", "Santander", '1', santander400, NULL, "06,07,08,16,17", '2', 80, 35, "", 0, NULL, 0 },
    { "041", "Banrisul", '1', banrisul400, NULL, "06,07,08,15,17", 0, 0, 0, "", 0, NULL, 0 },
    { "070", "BRB", '1', brb400, NULL, "05,06", 0, 0, 0, "", 0, NULL, 0 },
    { "077", "Inter", '1', inter400, NULL, "06,15,17", 0, 0, 0, "", 0, NULL, 0 },
    { "097", "Credisis", '1', credisis400, NULL, "05,06,07,08,15", 0, 0, 0, "", 0, NULL, 0 },
    { "104", "Caixa Econômica Federal", '1', caixa400, NULL, "21,22", 0, 0, 0, "", 0, NULL, 0 },
    { "224", "Fibra", '1', nn63_400, NULL, "06,07,08,10", 0, 0, 0, "", 0, NULL, 0 },
    { "237", "Bradesco", '1', bradesco400, NULL, "06,15,17", '4', 106, 35, "", 0, NULL, 0 },
    { "341", "Itaú", '1', itau400, NULL, "06,07,08,10,59", 0, 0, 0, "3", 0, NULL, 0 },
    { "399", "HSBC", '1', nn63_400, NULL, "06,07,15,16,31,32,33,36,38,39", 0, 0, 0, "", 0, NULL, 0 },
    { "435", "Delbank", '1', nn63_400, NULL, "06,07,08,10", 0, 0, 0, "", 0, NULL, 0 },
    { "643", "Pine", '1', nn63_400, NULL, "06,07,08,10", 0, 0, 0, "", 0, NULL, 0 },
    { "712", "Ourinvest", '1', nn71_400, NULL, "06,15,17", 0, 0, 0, "", 0, NULL, 0 },
    { "748", "Sicredi", '1', sicredi400, NULL, "06,15,16", 0, 0, 0, "", 0, NULL, 0 },
    { NULL, NULL, 0, NULL, NULL, NULL, 0, 0, 0, "", 0, NULL, 0 },
};

/* ===================== lookups ===================== */

cnab_code_class cnab_code_class_of(const char *format, const char *bank, const char *code)
{
    const char *paid = NULL, *liq = NULL;
    if (!code[0])
        return CODE_OTHER;
    if (!strcmp(format, "cnab240")) {
        const cnab240_bank *b = cnab240_bank_find(bank);
        if (b)
            paid = b->paid, liq = b->liq_baixa;
    } else if (!strcmp(format, "cnab400")) {
        const cnab400_bank *b = cnab400_bank_find(bank);
        if (b)
            paid = b->paid, liq = b->liq_baixa;
    }
    if (liq && cnab_code_in(code, liq))
        return CODE_LIQ_BAIXA;
    if (paid && cnab_code_in(code, paid))
        return CODE_PAID;
    return CODE_OTHER;
}

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
