/* banks.c - bank layouts as data: for each bank and record type, the table
 * of fields (name, start, length, kind) a reader decodes, the nosso número
 * packing, and which movement/occurrence codes mean money arrived.
 *
 * Adding a bank: add its field table(s) and one row to cnab240_banks[] or
 * cnab400_banks[], plus a fixture under tests/fixtures/cnab/ (see
 * docs/formats/cnab.md). Positions are 1-based and inclusive, as the bank
 * manuals write them. */
#include "parsers/cnab.h"

#include <stdio.h>
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

/* ---- issue 19: seven more CNAB 240 banks, each read from its own manual
 * (/work/shared/manuals/<code>-<bank>-cnab240.txt, "manual L" = its line;
 * docs/formats/cnab.md, "New CNAB 240 banks (issue 19): choices"). ---- */

/* FEBRABAN segment U without 108-137 (a bank that leaves other credits
 * blank or undefined: Citibank C055 "Fixo Brancos" after two zeros). */
#define U_FEBRABAN_NO_OTHER(code_kind)                          \
    CF("movement code", 16, 2, code_kind, movement_code),       \
    CF("interest", 18, 15, FK_MONEY, interest_cents),           \
    CF("discount", 33, 15, FK_MONEY, discount_cents),           \
    CF("rebate", 48, 15, FK_MONEY, rebate_cents),               \
    CF("IOF", 63, 15, FK_MONEY, iof_cents),                     \
    CF("amount paid", 78, 15, FK_MONEY, amount_paid_cents),     \
    CF("amount credited", 93, 15, FK_MONEY, amount_credited_cents), \
    CF("occurrence date", 138, 8, FK_DATE8, occurred_on),       \
    CF("credit date", 146, 8, FK_DATE8, credited_on),           \
    CF_END

/* 021 Banestes (manual L160-161): 38-47 nosso número, 8 digits + two check
 * digits D1 D2 (Anexo VIII, L340-384); 48-57 blank. U is FEBRABAN
 * (L201-210). */
static const cnab_field banestes240_t[] = { CF("nosso número", 38, 10, FK_TEXT, nosso_numero), T_FEBRABAN };

/* 041 Banrisul (manual L319-321): 38-57 "serão retornadas as 10 primeiras
 * posições"; movement codes include AA, AB, AC (L293-297), so the code is
 * read as 2 characters in T and U. */
static const cnab_field banrisul240_t[] = {
    CF("nosso número", 38, 10, FK_TEXT, nosso_numero),
    CF("movement code", 16, 2, FK_CODE_AN, movement_code),
    CF("document number", 59, 15, FK_TEXT, seu_numero),
    CF("due date", 74, 8, FK_DATE8, due_on),
    CF("face value", 82, 15, FK_MONEY, amount_face_cents),
    CF("payer CPF/CNPJ", 134, 15, FK_DOC, payer_doc),
    CF("payer name", 149, 40, FK_TEXT, payer_name),
    CF("fee", 199, 15, FK_MONEY, fee_cents),
    CF_END,
};
static const cnab_field u_banrisul[] = {
    CF("movement code", 16, 2, FK_CODE_AN, movement_code),
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

/* 097 CrediSIS (manual L208, Apêndice A L976-990): 38-57, 20 digits
 * 097 + X + agência 4 + convênio 6 + sequence 6. U (L241-262): 48-77
 * blank; juros and desconto have 4 decimals (C048/C049, L915-921). */
static const cnab_field credisis240_t[] = { CF("nosso número", 38, 20, FK_TEXT, nosso_numero), T_FEBRABAN };
static const cnab_field u_credisis[] = {
    CF("movement code", 16, 2, FK_CODE, movement_code),
    CF("interest", 18, 15, FK_MONEY4, interest_cents),
    CF("discount", 33, 15, FK_MONEY4, discount_cents),
    CF("amount paid", 78, 15, FK_MONEY, amount_paid_cents),
    CF("amount credited", 93, 15, FK_MONEY, amount_credited_cents),
    CF("other credits", 123, 15, FK_MONEY, other_credits_cents),
    CF("occurrence date", 138, 8, FK_DATE8, occurred_on),
    CF("credit date", 146, 8, FK_DATE8, credited_on),
    CF_END,
};

/* 133 Cresol (manual L390): 38-57 "Identificação do Título" (20,
 * alphanumeric), trimmed. T and U otherwise FEBRABAN (face value at 82-96:
 * the manual's "086 - 096" with size 015 is read as the 15 positions). */
static const cnab_field cresol240_t[] = { CF("nosso número", 38, 20, FK_TEXT, nosso_numero), T_FEBRABAN };

/* 136 Unicred (manual L135-157): 38 fixed 0, 39-57 nosso número (19
 * digits), 58 fixed 1; 106-198 zeros (no payer data); fee 199-213. U
 * (L175-187): 108-137 blank, 146-153 "data programada para repasse". */
static const cnab_field unicred240_t[] = {
    CF("nosso número", 39, 19, FK_TEXT, nosso_numero),
    CF("movement code", 16, 2, FK_CODE, movement_code),
    CF("document number", 59, 15, FK_TEXT, seu_numero),
    CF("due date", 74, 8, FK_DATE8, due_on),
    CF("face value", 82, 15, FK_MONEY, amount_face_cents),
    CF("fee", 199, 15, FK_MONEY, fee_cents),
    CF_END,
};
static const cnab_field u_unicred[] = { U_FEBRABAN_NO_OTHER(FK_CODE) };

/* 399 HSBC (manual L307-308): 38-48 nosso número (11 digits), 49-57
 * blank. U (L428-431): 78-92 "VALOR PAGO PELO PAGADOR" is ZEROS; the only
 * amount is 93-107 "valor líquido a ser creditado", read as both paid and
 * credited (never more than what arrives); 108-137 are not in the layout. */
static const cnab_field hsbc240_t[] = { CF("nosso número", 38, 11, FK_TEXT, nosso_numero), T_FEBRABAN };
static const cnab_field u_hsbc[] = {
    CF("movement code", 16, 2, FK_CODE, movement_code),
    CF("interest", 18, 15, FK_MONEY, interest_cents),
    CF("discount", 33, 15, FK_MONEY, discount_cents),
    CF("rebate", 48, 15, FK_MONEY, rebate_cents),
    CF("IOF", 63, 15, FK_MONEY, iof_cents),
    CF("amount paid", 93, 15, FK_MONEY, amount_paid_cents),
    CF("amount credited", 93, 15, FK_MONEY, amount_credited_cents),
    CF("occurrence date", 138, 8, FK_DATE8, occurred_on),
    CF("credit date", 146, 8, FK_DATE8, credited_on),
    CF_END,
};

/* 745 Citibank (manual L306): 38-57 "12 + 8 Brancos": 38-49. Money fields
 * are 2 zeros + 11 digits (L318-368): the same value read as 15. U 123-137
 * is "00" + blanks (C055 "Fixo Brancos"): not read. */
static const cnab_field citibank240_t[] = { CF("nosso número", 38, 12, FK_TEXT, nosso_numero), T_FEBRABAN };
static const cnab_field u_citibank[] = { U_FEBRABAN_NO_OTHER(FK_CODE) };

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
    /* issue 19: paid codes and flags from each manual (docs/formats/cnab.md) */
    { "021", "Banestes", banestes240_t, u_febraban, "06,17", C240_NO_BATCH_TOTALS | C240_COUNTS_ZERO_OK, NULL,
      XC_GROSS | XC_NET },
    { "041", "Banrisul", banrisul240_t, u_banrisul, "06,17",
      C240_NO_BATCH_TOTALS | C240_U_OPTIONAL | C240_PAID_FROM_NET, NULL, XC_GROSS },
    { "097", "CrediSIS", credisis240_t, u_credisis, "06", C240_NO_BATCH_TOTALS, NULL, XC_GROSS | XC_NET },
    { "133", "Cresol", cresol240_t, u_febraban, "06,17", C240_NO_BATCH_TOTALS | C240_HEADER_143_MAY_BE_1, NULL,
      XC_GROSS | XC_NET },
    { "136", "Unicred", unicred240_t, u_unicred, "01,06", C240_NO_BATCH_TOTALS | C240_COUNTS_ZERO_OK, NULL,
      XC_GROSS | XC_NET },
    { "399", "HSBC", hsbc240_t, u_hsbc, "06,17", C240_NO_BATCH_TOTALS | C240_SKIP_SEGMENTS, NULL, XC_GROSS },
    { "745", "Citibank", citibank240_t, u_citibank, "06,17",
      C240_NO_BATCH_TOTALS | C240_COUNTS_ZERO_OK | C240_TEST_LITERAL, NULL, XC_GROSS | XC_NET },
    { NULL, NULL, NULL, NULL, NULL, 0, NULL, 0 },
};

/* ===================== CNAB 400 (per bank) ===================== */

/* Manuals: /work/shared/manuals/<code>-<bank>-cnab400.txt ("manual L123" below
 * = line 123 of that text); docs/formats/cnab.md has the table and the
 * choices made where a manual is ambiguous. */

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

/* "outros créditos/recebimentos" 280-292 (Bradesco, Itaú, BB, Santander,
 * Banrisul): paid by the payer on top of the face. */
#define C400_OTHER_CREDITS CF("other credits", 280, 13, FK_MONEY, other_credits_cents)

/* seu número: the document number 117-126, else the company's control
 * number 38-62 when the document number is blank. */
#define C400_SEU                                                      \
    CF("document number", 117, 10, FK_TEXT, seu_numero),             \
    CF("company title id", 38, 25, FK_TEXT_ALT, seu_numero)

/* Banco do Brasil CBR643: type 7 (convênio 7): 64-80 nosso número, 17
 * digits as printed (convênio + sequence); type 1 (convênio 6): 63-73 +
 * check digit 74. Credit date 176-181, fee 182-188, "número de controle do
 * participante" 039-063 (manual L74: 038 is the convênio's last digit),
 * outros recebimentos 280-292 (L122), valor do lançamento 306-318 (L124:
 * the net credited). */
#define BB400_REST                                                    \
    CF("document number", 117, 10, FK_TEXT, seu_numero),             \
    CF("company title id", 39, 25, FK_TEXT_ALT, seu_numero),         \
    CF("credit date", 176, 6, FK_DATE6, credited_on),                \
    C400_OTHER_CREDITS,                                               \
    CF("amount credited", 306, 13, FK_MONEY, amount_credited_cents), \
    C400_MONEY(182, 7)
static const cnab_field bb400_7[] = { CF("nosso número", 64, 17, FK_NUMTEXT, nosso_numero), BB400_REST };
static const cnab_field bb400_1[] = { CF("nosso número", 63, 12, FK_TEXT, nosso_numero), BB400_REST };
/* Bradesco: 71-82 nosso número with its check digit (0-9 or P). */
static const cnab_field bradesco400[] = {
    CF("nosso número", 71, 12, FK_TEXT, nosso_numero), C400_SEU, C400_OTHER_CREDITS,
    CF("credit date", 296, 6, FK_DATE6, credited_on), C400_MONEY(176, 13),
};
/* Itaú: 83-85 carteira, 86-93 nosso número, 94 DAC (not part of the
 * number: the boleto prints carteira/nosso número-DAC). 254-266 is "valor
 * lançado em conta corrente" (manual L123): C400_PAID_IS_NET. */
static const cnab_field itau400[] = {
    CF("nosso número", 86, 8, FK_TEXT, nosso_numero), C400_SEU, C400_OTHER_CREDITS,
    CF("credit date", 296, 6, FK_DATE6, credited_on), C400_MONEY(176, 13),
};
/* Santander: 63-70 nosso número; 280-292 outros créditos; 367-379 "valor
 * do débito ou crédito" with 380 D/C (manual L139, L149-150): the net
 * credited when 380 is 'C'. */
static const cnab_field santander400[] = {
    CF("nosso número", 63, 8, FK_TEXT, nosso_numero), C400_SEU, C400_OTHER_CREDITS,
    CF("amount credited", 367, 13, FK_MONEY_CR, amount_credited_cents),
    CF("credit date", 296, 6, FK_DATE6, credited_on), C400_MONEY(176, 13),
};
/* Banco do Nordeste: 63-70 nosso número (7 + DV); 280-394 "tabela de
 * erros"; the credit is the occurrence date, or 296-301, which "poderão
 * conter a data de crédito no caso de liquidação normal" (manual L415). */
static const cnab_field bnb400[] = {
    CF("nosso número", 63, 8, FK_TEXT, nosso_numero), C400_SEU,
    CF("credit date", 111, 6, FK_DATE6, credited_on),
    CF("credit date", 296, 6, FK_DATE6_OPT, credited_on), C400_MONEY(176, 13),
};
/* Banrisul: 63-72 nosso número (8 + 2 check digits); 280-292 "valor outros
 * recebimentos"; 254-266 per Nota 1 (manual L219-229): C400_BANRISUL_NOTA1. */
static const cnab_field banrisul400[] = {
    CF("nosso número", 63, 10, FK_TEXT, nosso_numero), C400_SEU, C400_OTHER_CREDITS,
    CF("credit date", 296, 6, FK_DATE6, credited_on), C400_MONEY(176, 13),
};
/* BRB (manual L40-76): dates DDMMAAAA; 46-70 and 93-105 seu número; 119-126
 * data de crédito; 271-283 "outros débitos" = abatimentos + descontos
 * concedidos (the discount granted; 245-257 is the discount registered);
 * 284-296 "outros créditos" = juros + multas; 300-307 data do pagamento. No
 * fee field (180-218 zeros). */
static const cnab_field brb400[] = {
    CF("nosso número", 71, 12, FK_TEXT, nosso_numero),
    CF("document number", 93, 13, FK_TEXT, seu_numero),
    CF("company title id", 46, 25, FK_TEXT_ALT, seu_numero),
    CF("occurrence code", 109, 2, FK_CODE, movement_code),
    CF("occurrence date", 111, 8, FK_DATE8, occurred_on),
    CF("credit date", 119, 8, FK_DATE8, credited_on),
    CF("due date", 149, 8, FK_DATE8, due_on),
    CF("face value", 157, 13, FK_MONEY, amount_face_cents),
    CF("IOF", 219, 13, FK_MONEY, iof_cents),
    CF("amount paid", 258, 13, FK_MONEY, amount_paid_cents),
    CF("discount", 271, 13, FK_MONEY, discount_cents),
    CF("interest", 284, 13, FK_MONEY, interest_cents),
    CF_END,
};
/* Credisis (layout v1.1, June 2017, manual L60-118, and the bank's model
 * file RETORNO_CNAB400_MODELO.txt): NN 57-76, código da operação 77-78,
 * data da operação 79-84, documento 85-94, tarifa 166-175, crédito
 * 176-181, desconto 241-253 and juros/multa 267-279 with 4 decimals
 * (RT.D.13, RT.D.15, L375-382), valor recebido 254-266, pagador 338-393. */
static const cnab_field credisis400[] = {
    CF("nosso número", 57, 20, FK_TEXT, nosso_numero),
    CF("occurrence code", 77, 2, FK_CODE, movement_code),
    CF("occurrence date", 79, 6, FK_DATE6, occurred_on),
    CF("document number", 85, 10, FK_TEXT, seu_numero),
    CF("due date", 147, 6, FK_DATE6, due_on),
    CF("face value", 153, 13, FK_MONEY, amount_face_cents),
    CF("fee", 166, 10, FK_MONEY, fee_cents),
    CF("credit date", 176, 6, FK_DATE6, credited_on),
    CF("discount", 241, 13, FK_MONEY4, discount_cents),
    CF("amount paid", 254, 13, FK_MONEY, amount_paid_cents),
    CF("interest", 267, 13, FK_MONEY4, interest_cents),
    CF("payer CPF/CNPJ", 340, 14, FK_DOC, payer_doc),
    CF("payer name", 354, 40, FK_TEXT, payer_name),
    CF_END,
};
/* brcobranca's own Credisis fixture (CNAB400CREDISIS.RET) is in an older
 * CBR643-like arrangement (189-301 hold the payer's name): used for a
 * record whose 77-78 (the manual's operation code) is blank. */
static const cnab_field credisis400_old[] = {
    CF("nosso número", 63, 11, FK_TEXT, nosso_numero),
    CF("occurrence code", 109, 2, FK_CODE, movement_code),
    CF("document number", 117, 10, FK_TEXT, seu_numero),
    CF("due date", 147, 6, FK_DATE6, due_on),
    CF("face value", 153, 13, FK_MONEY, amount_face_cents),
    CF("credit date", 176, 6, FK_DATE6, credited_on),
    CF("amount paid", 254, 13, FK_MONEY, amount_paid_cents),
    CF_END,
};
/* Caixa (SIGCB 400, manual L85-110): 57-73 nosso número, 32-56 company
 * control number, credit date 294-299; juros 267-279 and multa 280-292,
 * both "pago(s) pelo Pagador": summed into interest. */
static const cnab_field caixa400[] = {
    CF("nosso número", 57, 17, FK_TEXT, nosso_numero),
    CF("document number", 117, 10, FK_TEXT, seu_numero),
    CF("company title id", 32, 25, FK_TEXT_ALT, seu_numero),
    CF("credit date", 294, 6, FK_DATE6, credited_on),
    CF("occurrence code", 109, 2, FK_CODE, movement_code),
    CF("occurrence date", 111, 6, FK_DATE6, occurred_on),
    CF("due date", 147, 6, FK_DATE6, due_on),
    CF("face value", 153, 13, FK_MONEY, amount_face_cents),
    CF("fee", 176, 13, FK_MONEY, fee_cents),
    CF("IOF", 215, 13, FK_MONEY, iof_cents),
    CF("rebate", 228, 13, FK_MONEY, rebate_cents),
    CF("discount", 241, 13, FK_MONEY, discount_cents),
    CF("amount paid", 254, 13, FK_MONEY, amount_paid_cents),
    CF("interest", 267, 13, FK_MONEY, interest_cents),
    CF("multa", 280, 13, FK_MONEY_ADD, interest_cents),
    CF_END,
};
/* Fibra (manual L60-118), Pine (its manual has the same layout), Delbank
 * (its sample follows it): NN 63-73 (10 + check digit); 280-376 zeros and
 * blanks; credit date 386-391 "no caso das liquidações com crédito em
 * conta, será a data efetiva do crédito" (Fibra L117-118). */
static const cnab_field fibra400[] = {
    CF("nosso número", 63, 11, FK_TEXT, nosso_numero), C400_SEU,
    CF("credit date", 386, 6, FK_DATE6, credited_on), C400_MONEY(176, 13),
};
/* HSBC (manual L100-125, L225-250): NN 63-73; 189-227 and 280-301 are "uso
 * do banco" (no IOF, no credit date in the detail: the credit date is in
 * the header, 120-125, cnab400_bank.hdr_credit). */
static const cnab_field hsbc400[] = {
    CF("nosso número", 63, 11, FK_TEXT, nosso_numero), C400_SEU,
    CF("occurrence code", 109, 2, FK_CODE, movement_code),
    CF("occurrence date", 111, 6, FK_DATE6, occurred_on),
    CF("due date", 147, 6, FK_DATE6, due_on),
    CF("face value", 153, 13, FK_MONEY, amount_face_cents),
    CF("fee", 176, 13, FK_MONEY, fee_cents),
    CF("rebate", 228, 13, FK_MONEY, rebate_cents),
    CF("discount", 241, 13, FK_MONEY, discount_cents),
    CF("amount paid", 254, 13, FK_MONEY, amount_paid_cents),
    CF("interest", 267, 13, FK_MONEY, interest_cents),
    CF_END,
};
/* Inter (manual L95-155): NN 71-81 (again at 108-118), ocorrência 90-91,
 * data 92-97, seu número 98-107, vencimento 119-124, valor 125-137, valor
 * pago 160-172, data do crédito 173-178, pagador 182-221 / 227-240. No fee,
 * interest or discount fields. */
static const cnab_field inter400[] = {
    CF("nosso número", 71, 11, FK_TEXT, nosso_numero),
    CF("document number", 98, 10, FK_TEXT, seu_numero),
    CF("company title id", 38, 25, FK_TEXT_ALT, seu_numero),
    CF("occurrence code", 90, 2, FK_CODE, movement_code),
    CF("occurrence date", 92, 6, FK_DATE6, occurred_on),
    CF("due date", 119, 6, FK_DATE6, due_on),
    CF("face value", 125, 13, FK_MONEY, amount_face_cents),
    CF("amount paid", 160, 13, FK_MONEY, amount_paid_cents),
    CF("credit date", 173, 6, FK_DATE6, credited_on),
    CF("payer name", 182, 40, FK_TEXT, payer_name),
    CF("payer CPF/CNPJ", 227, 14, FK_DOC, payer_doc),
    CF_END,
};
/* Ourinvest (712-ourinvest-cnab400.txt L115-163, L245-310): Bradesco's
 * layout, NN 71-81 + DV 82; 254-266 "valor total recebido" with the juros
 * 267-279 and abatimento/desconto 241-253 discriminated (L299-302); 280-292
 * outros créditos (zeros). */
static const cnab_field nn71_400[] = {
    CF("nosso número", 71, 12, FK_TEXT, nosso_numero), C400_SEU, C400_OTHER_CREDITS,
    CF("credit date", 296, 6, FK_DATE6, credited_on), C400_MONEY(176, 13),
};
/* Sicredi (manual L120-190): 48-62 nosso número (YY/B NNNNN D
 * right-justified); juros 267-279 and multa 280-292 summed into interest;
 * 296-318 filler; 329-336 "data prevista para lançamento na conta
 * corrente" AAAAMMDD. */
static const cnab_field sicredi400[] = {
    CF("nosso número", 48, 15, FK_TEXT, nosso_numero),
    CF("document number", 117, 10, FK_TEXT, seu_numero),
    CF("credit date", 329, 8, FK_DATE8R, credited_on),
    CF("occurrence code", 109, 2, FK_CODE, movement_code),
    CF("occurrence date", 111, 6, FK_DATE6, occurred_on),
    CF("due date", 147, 6, FK_DATE6, due_on),
    CF("face value", 153, 13, FK_MONEY, amount_face_cents),
    CF("fee", 176, 13, FK_MONEY, fee_cents),
    CF("rebate", 228, 13, FK_MONEY, rebate_cents),
    CF("discount", 241, 13, FK_MONEY, discount_cents),
    CF("amount paid", 254, 13, FK_MONEY, amount_paid_cents),
    CF("interest", 267, 13, FK_MONEY, interest_cents),
    CF("multa", 280, 13, FK_MONEY_ADD, interest_cents),
    CF_END,
};
/* Unicred (136-unicred-cnab400.txt L60-115): NN 46-62 (17); 111-116 data
 * de liquidação; 176-181 data programada para repasse (the credit); tarifa
 * 182-188; seu número 280-305; valor líquido 306-318 (= pago - tarifa). */
static const cnab_field unicred400[] = {
    CF("nosso número", 46, 17, FK_NUMTEXT, nosso_numero),
    CF("document number", 280, 26, FK_TEXT, seu_numero),
    CF("occurrence code", 109, 2, FK_CODE, movement_code),
    CF("occurrence date", 111, 6, FK_DATE6, occurred_on),
    CF("due date", 147, 6, FK_DATE6, due_on),
    CF("face value", 153, 13, FK_MONEY, amount_face_cents),
    CF("credit date", 176, 6, FK_DATE6, credited_on),
    CF("fee", 182, 7, FK_MONEY, fee_cents),
    CF("rebate", 228, 13, FK_MONEY, rebate_cents),
    CF("discount", 241, 13, FK_MONEY, discount_cents),
    CF("amount paid", 254, 13, FK_MONEY, amount_paid_cents),
    CF("interest", 267, 13, FK_MONEY, interest_cents),
    CF("amount credited", 306, 13, FK_MONEY, amount_credited_cents),
    CF_END,
};

/* ---- Issue 19: banks read from their own manuals ----------------------
 * Each table cites /work/shared/manuals/<code>-<bank>-cnab400.txt by line
 * ("L123"). docs/formats/cnab.md, "New CNAB 400 banks (issue 19): choices",
 * lists the ambiguities and the safe-side readings. */

/* 021 Banestes (layout 2015, L67-125): 63-72 nosso número (10 digits, Anexo
 * II); 153-155 is the "fator de vencimento" ("000"), the face is 156-165
 * (10 digits); 280-292 outros créditos. The detail has no credit date
 * (383-390 is the remessa's date): credited_on stays empty. */
static const cnab_field banestes400[] = {
    CF("nosso número", 63, 10, FK_TEXT, nosso_numero), C400_SEU,
    CF("occurrence code", 109, 2, FK_CODE, movement_code),
    CF("occurrence date", 111, 6, FK_DATE6, occurred_on),
    CF("due date", 147, 6, FK_DATE6, due_on),
    CF("face value", 156, 10, FK_MONEY, amount_face_cents),
    CF("fee", 176, 13, FK_MONEY, fee_cents),
    CF("IOF", 215, 13, FK_MONEY, iof_cents),
    CF("rebate", 228, 13, FK_MONEY, rebate_cents),
    CF("discount", 241, 13, FK_MONEY, discount_cents),
    CF("amount paid", 254, 13, FK_MONEY, amount_paid_cents),
    CF("interest", 267, 13, FK_MONEY, interest_cents),
    CF("other credits", 280, 13, FK_MONEY, other_credits_cents),
    CF_END,
};
/* 133 Cresol (layout 2021, L63-203): 71-81 nosso número + 82 its check
 * digit, kept together as printed; 280-292 outros créditos; credit date
 * 296-301. Also 274 Grafeno (Maio 2022, L57-145: 71-82 "Número do Banco",
 * 280-292 outros créditos, zeros in its manual). */
static const cnab_field nn71oc400[] = {
    CF("nosso número", 71, 12, FK_TEXT, nosso_numero), C400_SEU,
    CF("credit date", 296, 6, FK_DATE6, credited_on),
    CF("other credits", 280, 13, FK_MONEY, other_credits_cents), C400_MONEY(176, 13),
};
/* 336 C6 Bank (Junho 2022, L117-161): 63-73 nosso número with its check
 * digit (75-86 is the bank's own "nosso número complementar"); 189-227 are
 * the bank's (no IOF); 254-266 "Valor principal" = "valor principal do
 * título pago pelo sacado" (L418-419), read as the amount paid; 280-292
 * "outros acréscimos" (L422-423) are other credits; credit date 296-301. */
static const cnab_field c6400[] = {
    CF("nosso número", 63, 11, FK_TEXT, nosso_numero), C400_SEU,
    CF("occurrence code", 109, 2, FK_CODE, movement_code),
    CF("occurrence date", 111, 6, FK_DATE6, occurred_on),
    CF("due date", 147, 6, FK_DATE6, due_on),
    CF("face value", 153, 13, FK_MONEY, amount_face_cents),
    CF("fee", 176, 13, FK_MONEY, fee_cents),
    CF("rebate", 228, 13, FK_MONEY, rebate_cents),
    CF("discount", 241, 13, FK_MONEY, discount_cents),
    CF("amount paid", 254, 13, FK_MONEY, amount_paid_cents),
    CF("interest", 267, 13, FK_MONEY, interest_cents),
    CF("other credits", 280, 13, FK_MONEY, other_credits_cents),
    CF("credit date", 296, 6, FK_DATE6, credited_on),
    CF_END,
};
/* 422 Safra (Dezembro 2016, L113-165): 63-71 nosso número (9 digits; 127-135
 * repeats it); 254-266 "Valor líquido pago pelo pagador"; 280-292 outros
 * créditos; credit date 296-301 (for 06, 07, 15 and 41). */
static const cnab_field safra400[] = {
    CF("nosso número", 63, 9, FK_TEXT, nosso_numero), C400_SEU,
    CF("credit date", 296, 6, FK_DATE6, credited_on),
    CF("other credits", 280, 13, FK_MONEY, other_credits_cents), C400_MONEY(176, 13),
};
/* 745 Citibank (Versão 1.16, L134-287): 65-76 "Número bancário (nosso
 * número)", 12 digits (63-64 is the espécie); 176-188 zeros; 254-266 "valor
 * líquido recebido" = nominal - descontos - abatimentos - IOF + juros;
 * 280-295 blank (no other credits); credit date 296-301. */
static const cnab_field citibank400[] = {
    CF("nosso número", 65, 12, FK_TEXT, nosso_numero), C400_SEU,
    CF("credit date", 296, 6, FK_DATE6, credited_on), C400_MONEY(176, 13),
};
/* 756 Sicoob (sheet "04.Retorno - CNAB400", 22/08/2017, L26-79): CBR643-like:
 * 63-73 nosso número + 74 check digit, kept together; credit date 176-181,
 * fee 182-188; 280-292 "outros recebimentos". 306-318 "Valor do lançamento"
 * with a debit/credit flag at 319 is not read (docs/formats/cnab.md). */
static const cnab_field sicoob400[] = {
    CF("nosso número", 63, 12, FK_TEXT, nosso_numero), C400_SEU,
    CF("credit date", 176, 6, FK_DATE6, credited_on),
    CF("other credits", 280, 13, FK_MONEY, other_credits_cents), C400_MONEY(182, 7),
};
/* The Fibra family (AUTBANK "Novo CNAB 400" returns): 246 ABC (2024, L57-119),
 * 633 Rendimento (V2 130504, L83-149), 707 Daycoval (SET/2023, L71-163):
 * 63-73 nosso número with check digit; 176-188 tarifa; 189-214 blank; 254-266
 * "valor principal pago pelo sacado" (gross in Fibra's real sample, AUDIT.md);
 * 267-279 mora/multa; 280-376 zeros and blanks; 378-385 error codes;
 * 386-391 "Data gravação/Data do crédito" (ABC, Rendimento: the credit date
 * on liquidations credited to the account). Daycoval's manual calls 386-391
 * only "data de gravação da fita", so its table leaves the credit date out. */
#define FIBRA_FAMILY400                                               \
    CF("nosso número", 63, 11, FK_TEXT, nosso_numero), C400_SEU,      \
    C400_MONEY(176, 13)
static const cnab_field fibra_family400[] = {
    CF("credit date", 386, 6, FK_DATE6, credited_on), FIBRA_FAMILY400,
};
static const cnab_field daycoval400[] = { FIBRA_FAMILY400 };

#define XC_GN (XC_GROSS | XC_NET)

/* Paid codes, liq_baixa codes, optional records and money identities per
 * manual; the manual lines are in docs/formats/cnab.md. */
static const cnab400_bank cnab400_banks[] = {
    { .code = "001", .name = "Banco do Brasil", .detail_type = '1', .detail = bb400_1, .detail7 = bb400_7,
      .paid = "05,06,07,08,15", .skip_types = "235", .xcheck = XC_GN },
    { .code = "004", .name = "Banco do Nordeste", .detail_type = '1', .detail = bnb400, .paid = "06,07,08",
      .xcheck = XC_GROSS },
    { .code = "033", .name = "Santander", .detail_type = '1', .detail = santander400, .paid = "06,07,08,17",
      .pix_type = '2', .pix_start = 80, .pix_len = 35, .xcheck = XC_GN, .aliases = "353" },
    { .code = "041", .name = "Banrisul", .detail_type = '1', .detail = banrisul400, .paid = "06,07,08,15",
      .skip_types = "38", .flags = C400_BANRISUL_NOTA1 | C400_FOLD_SAME_NN, .xcheck = XC_GROSS },
    { .code = "070", .name = "BRB", .detail_type = '1', .detail = brb400, .paid = "05,06,15,16",
      .xcheck = XC_GROSS, .hdr_date = C400_HD_DDMMAAAA },
    { .code = "077", .name = "Inter", .detail_type = '1', .detail = inter400, .paid = "06" },
    { .code = "097", .name = "Credisis", .detail_type = '1', .detail = credisis400, .paid = "02",
      .xcheck = XC_GROSS, .detail_alt = credisis400_old, .alt_blank_start = 77, .alt_blank_len = 2 },
    { .code = "104", .name = "Caixa Econômica Federal", .detail_type = '1', .detail = caixa400, .paid = "21,22",
      .flags = C400_NO_RETURN_MSG },
    { .code = "136", .name = "Unicred", .detail_type = '1', .detail = unicred400, .paid = "01,06", .xcheck = XC_GN },
    { .code = "224", .name = "Fibra", .detail_type = '1', .detail = fibra400, .paid = "06,08", .liq_baixa = "10",
      .xcheck = XC_GROSS },
    { .code = "237", .name = "Bradesco", .detail_type = '1', .detail = bradesco400, .paid = "06,15,17",
      .pix_type = '4', .pix_start = 106, .pix_len = 35, .skip_types = "3", .xcheck = XC_GROSS },
    /* type 3 "registro opcional boleto Pix" (341-itau-cnab400.txt L855-871): EMV at 002-391 */
    { .code = "341", .name = "Itaú", .detail_type = '1', .detail = itau400, .paid = "06,07,08,59", .skip_types = "4",
      .pix_type = '3', .pix_start = 2, .pix_len = 390, .pix_emv = 1,
      .flags = C400_PAID_IS_NET, .liq_baixa = "10", .xcheck = XC_GN },
    { .code = "399", .name = "HSBC", .detail_type = '1', .detail = hsbc400, .paid = "06,07,15,16,38",
      .hdr_credit = 120, .hold_at = 304, .hold_char = '9' },
    { .code = "435", .name = "Delbank", .detail_type = '1', .detail = fibra400, .paid = "06,08", .liq_baixa = "10",
      .xcheck = XC_GROSS },
    { .code = "643", .name = "Pine", .detail_type = '1', .detail = fibra400, .paid = "06,08", .liq_baixa = "10",
      .xcheck = XC_GROSS },
    { .code = "712", .name = "Ourinvest", .detail_type = '1', .detail = nn71_400, .paid = "06,15,17", .skip_types = "3",
      .xcheck = XC_GROSS },
    /* type 8 (boleto híbrido): txid 021-055, location 057-133, EMV 135-390. Not in the manual excerpt
     * (748-sicredi-cnab400.txt has types 0, 1, 9 only); positions from the ACBr reader
     * (frones/ACBr, Fontes/ACBrBoleto/ACBrBancoSicredi.pas, LerRetorno400: Copy(Linha,21,35)) */
    { .code = "748", .name = "Sicredi", .detail_type = '1', .detail = sicredi400, .paid = "06,15,17",
      .pix_type = '8', .pix_start = 21, .pix_len = 35,
      .xcheck = XC_GROSS, .hdr_date = C400_HD_AAAAMMDD },
    /* issue 19 (docs/formats/cnab.md, "New CNAB 400 banks (issue 19): choices") */
    { .code = "021", .name = "Banestes", .detail_type = '1', .detail = banestes400, .paid = "06,17", .xcheck = XC_GROSS },
    { .code = "133", .name = "Cresol", .detail_type = '1', .detail = nn71oc400, .paid = "06,17", .xcheck = XC_GROSS },
    { .code = "274", .name = "Grafeno", .detail_type = '1', .detail = nn71oc400, .paid = "06,17", .skip_types = "3", .xcheck = XC_GROSS },
    { .code = "336", .name = "C6 Bank", .detail_type = '1', .detail = c6400, .paid = "06,07,08,75", .skip_types = "2", .xcheck = XC_GROSS,
      .hdr_date_start = 125 /* "Data Movimento", manual L113 */ },
    { .code = "422", .name = "Safra", .detail_type = '1', .detail = safra400, .paid = "06,15,41", .skip_types = "24", .xcheck = XC_GROSS },
    { .code = "745", .name = "Citibank", .detail_type = '1', .detail = citibank400, .paid = "06,15,17", .xcheck = XC_GROSS,
      .more_detail_types = "78" /* 7 posição de carteira, 8 despesa de cartório, manual L138-142 */ },
    { .code = "756", .name = "Sicoob", .detail_type = '1', .detail = sicoob400, .paid = "05,06,15,17", .xcheck = XC_GROSS },
    { .code = "246", .name = "ABC Brasil", .detail_type = '1', .detail = fibra_family400, .paid = "06,08", .liq_baixa = "10", .xcheck = XC_GROSS },
    { .code = "633", .name = "Rendimento", .detail_type = '1', .detail = fibra_family400, .paid = "06,08", .liq_baixa = "10", .xcheck = XC_GROSS },
    { .code = "707", .name = "Daycoval", .detail_type = '1', .detail = daycoval400, .paid = "06,08", .skip_types = "24", .liq_baixa = "10", .xcheck = XC_GROSS },
    { .code = NULL },
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
        if (!strcmp(b->code, code) || (b->aliases && strlen(code) == 3 && strstr(b->aliases, code)))
            return b;
    return NULL;
}

static int blank_at(const cnab_line *l, size_t start, size_t len)
{
    for (size_t i = start - 1; i < start - 1 + len; i++)
        if (l->c[i] != ' ')
            return 0;
    return 1;
}

const cnab400_bank *cnab400_bank_for_header(const cnab_line *hdr, const char *code, const char **canon)
{
    const cnab400_bank *b = cnab400_bank_find(code);
    if (!b)
        return NULL;
    *canon = b->code;
    /* Unicred files carrying 001 (brcobranca CNAB400UNICRED.RET): Banco do
     * Brasil's header has zeros at 41-46 and the convênio at 150-156
     * (001-bancodobrasil-cnab400.txt L32, L37); these files have the
     * cooperative's code at 41-46 and blanks at 108-394, as Unicred's own
     * header (136-unicred-cnab400.txt L30-40). They follow Unicred's detail
     * layout and keep the code they carry. */
    if (!strcmp(b->code, "001") && !(hdr->c[40] == '0' && !memcmp(hdr->c + 40, "000000", 6)) &&
        blank_at(hdr, 150, 7))
        return cnab400_bank_find("136");
    return b;
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
    if (!buf[0]) {
        size_t len = 0;
        for (const cnab240_bank *b = cnab240_banks; b->code; b++) {
            snprintf(buf + len, sizeof buf - len, "%s%s", buf[0] ? ", " : "", b->code);
            len = strlen(buf);
        }
    }
    return buf;
}

const char *cnab400_bank_list(void)
{
    static char buf[256];
    if (!buf[0]) {
        /* in code order: rows are appended as banks are added (issue 19) */
        const cnab400_bank *codes[sizeof cnab400_banks / sizeof cnab400_banks[0]];
        size_t n = 0;
        for (const cnab400_bank *b = cnab400_banks; b->code; b++) {
            size_t i = n++;
            for (; i > 0 && strcmp(codes[i - 1]->code, b->code) > 0; i--)
                codes[i] = codes[i - 1];
            codes[i] = b;
        }
        size_t len = 0;
        for (size_t i = 0; i < n; i++) {
            snprintf(buf + len, sizeof buf - len, "%s%s%s%s", buf[0] ? ", " : "", codes[i]->code,
                     codes[i]->aliases ? "/" : "", codes[i]->aliases ? codes[i]->aliases : "");
            len = strlen(buf);
        }
    }
    return buf;
}
