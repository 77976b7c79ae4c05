/* layout.c - the columns of the open-exceptions sheet (xlsx) and of the CSV,
 * in order. One table: the xlsx writer, the CSV writer, `settle resolve
 * --from` (which reads the sheet back) and the tests use it.
 *
 * Column A is the exception id; the last three columns are left empty for
 * finance to fill (acao, nota, pagamento_id): `settle resolve --from FILE`
 * reads them by their header names. Never reorder them without changing the
 * reader: a sheet already sent to finance must still be read. */
#include <string.h>

#include "report/report.h"

static const report_column columns[] = {
    { "id", "Exceção", RC_INT, 9 },
    { "motivo", "Motivo", RC_TEXT, 20 },
    { "descricao", "Descrição", RC_TEXT, 26 },
    { "pagamento", "Pagamento", RC_INT, 11 },
    { "pedido", "Pedido", RC_TEXT, 14 },
    { "cliente", "Cliente", RC_TEXT, 26 },
    { "documento", "CPF/CNPJ", RC_TEXT, 19 },
    { "metodo", "Meio", RC_TEXT, 8 },
    { "banco", "Banco", RC_TEXT, 7 },
    { "banco_nome", "Nome do banco/PSP", RC_TEXT, 20 },
    { "nosso_numero", "Nosso número", RC_TEXT, 20 },
    { "txid", "txid", RC_TEXT, 28 },
    { "end_to_end_id", "End-to-end id (E2E)", RC_TEXT, 34 },
    { "vencimento", "Vencimento", RC_DATE, 11 },
    { "data_pagamento", "Data do pagamento", RC_DATE, 11 },
    { "data_credito", "Data do crédito", RC_DATE, 11 },
    { "valor_esperado", "Valor esperado", RC_MONEY, 14 },
    { "valor_pago", "Valor pago", RC_MONEY, 14 },
    { "diferenca", "Diferença (pago − esperado)", RC_MONEY, 14 },
    { "tarifa", "Tarifa", RC_MONEY, 11 },
    { "valor_creditado", "Valor creditado", RC_MONEY, 14 },
    { "arquivo", "Arquivo", RC_TEXT, 26 },
    { "linha", "Linha", RC_INT, 7 },
    { "aberta_em", "Aberta em", RC_DATE, 11 },
    { "idade_dias", "Idade (dias)", RC_INT, 8 },
    { "faixa_idade", "Faixa de idade", RC_TEXT, 11 },
    { "acao_sugerida", "Ação sugerida", RC_TEXT, 48 },
    { "detalhe", "Detalhe", RC_TEXT, 48 },
    /* filled by finance, read by `settle resolve --from` */
    { "acao", "acao", RC_INPUT, 10 },
    { "nota", "nota", RC_INPUT, 30 },
    { "pagamento_id", "pagamento_id", RC_INPUT, 13 },
};

_Static_assert(sizeof columns / sizeof columns[0] == OC_NCOLS, "report/layout.c and OC_* in report.h differ");

const report_column *report_open_columns(int *n)
{
    *n = (int)(sizeof columns / sizeof columns[0]);
    return columns;
}

int report_open_column(const char *name)
{
    for (int i = 0; i < (int)(sizeof columns / sizeof columns[0]); i++)
        if (!strcmp(columns[i].name, name))
            return i;
    return -1;
}
