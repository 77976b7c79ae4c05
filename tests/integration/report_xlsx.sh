#!/usr/bin/env bash
# report_xlsx.sh - the workbook as finance opens it: exceptions-YYYYMMDD.xlsx
# read by openpyxl (Debian python3-openpyxl; tests/tools/xlsx_check.py):
# sheets, frozen headers, filters, amounts as numbers in R$, dates as dates,
# codes as text with their zeros, hostile names as text (never formulas),
# the resolution columns empty and last, values equal to SQL over the same
# rows; the day's tie-out per bank against SQL aggregates.
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/tools/pipeline.sh"

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf
p_seed
D=2026-11-28
OPEN="FROM exceptions e JOIN settlements s ON s.id = e.settlement_id
      WHERE e.created_at < '$D'::date + 1 AND (e.status = 'open' OR e.resolved_at >= '$D'::date + 1)"

# hostile names from a bank file and from the store
t_sql "UPDATE settlements SET payer_name = '=HYPERLINK(\"http://evil.example/\",\"x\")' WHERE id = 29" >/dev/null
t_sql "UPDATE payments SET customer_name = '@SUM(1+1)*cmd|'' /C calc''!A0' WHERE id = 26" >/dev/null

# the file's own trailer totals (sql/014), as ingest stores them for a CNAB 240 file
t_sql "UPDATE return_files SET trailer_titles = 14, trailer_cents = 123456 WHERE id = 2" >/dev/null
t_run out "$SETTLE" report --date $D --output "$T_TMP/r"
t_eq "report exits 0" 0 "$out_rc"
x=$T_TMP/r/exceptions-20261128.xlsx
t_check "the workbook is published" test -s "$x"
t_eq "no temporary file left beside it" "" "$(ls -A "$T_TMP/r" | grep -v '^exceptions-20261128\.\(xlsx\|csv\|html\)$' || true)"

sum=$(t_sql "SELECT sum(coalesce(e.paid_cents, s.amount_paid_cents)) $OPEN")
nopen=$(t_sql "SELECT count(*) $OPEN")
gross=$(t_sql "SELECT sum(s.amount_paid_cents) / 100.0 FROM settlements s WHERE s.file_id = 2 AND s.paid")
booked=$(t_sql "SELECT sum(s.amount_paid_cents) / 100.0 FROM settlements s JOIN settlement_outcomes o ON o.settlement_id = s.id
                WHERE s.file_id = 2 AND s.paid AND o.outcome = 'paid'")
inexc=$(t_sql "SELECT sum(s.amount_paid_cents) / 100.0 FROM settlements s JOIN settlement_outcomes o ON o.settlement_id = s.id
               WHERE s.file_id = 2 AND s.paid AND o.outcome = 'exception'")
res=$(/usr/bin/python3 "$T_TOP/tests/tools/xlsx_check.py" "$x" <<JSON
{
  "sheets": ["Exceções em aberto", "Resumo", "Resolvidas no dia", "Arquivos rejeitados", "Conferência"],
  "open_rows": $nopen,
  "money_sum": $sum,
  "rows": {
    "3": {"motivo": "UNDERPAID", "descricao": "Pago a menor", "pagamento": 28, "pedido": "ORD-1028",
          "documento": "***.456.789-**", "metodo": "Pix", "banco": "260", "banco_nome": "Nu Pagamentos (Nubank)",
          "txid": "TX000000000000000000000028", "end_to_end_id": "E0000000020261128120000000000028",
          "vencimento": "2026-11-30", "data_pagamento": "2026-11-27", "aberta_em": "2026-11-20",
          "valor_esperado": 3457.59, "valor_pago": 1000, "diferenca": -2457.59, "tarifa": 0, "valor_creditado": 0,
          "arquivo": "ITAU<28>&.RET", "linha": 30, "idade_dias": 8, "faixa_idade": "8 a 30 dias",
          "detalhe": "Pago R\$ 1.000,00, esperado R\$ 3.457,59: faltam R\$ 2.457,59.",
          "acao": null, "nota": null, "pagamento_id": null},
    "2": {"banco": "341", "banco_nome": "Itaú", "nosso_numero": "00000000000000027", "metodo": "boleto",
          "diferenca": 5, "idade_dias": 0, "faixa_idade": "0 a 2 dias"},
    "4": {"motivo": "UNKNOWN_PAYMENT", "pagamento": null, "cliente": "=HYPERLINK(\"http://evil.example/\",\"x\")",
          "valor_pago": 7.77, "valor_esperado": null, "diferenca": null}
  },
  "formula_names": ["=HYPERLINK(\"http://evil.example/\",\"x\")", "@SUM(1+1)*cmd|' /C calc'!A0"],
  "cells": {
    "Resumo": {"A1": "Motivo", "C1": "Quantidade"},
    "Resolvidas no dia": {"A2": 7, "B2": "PIX_REFUND", "D2": "maria", "E2": "2026-11-28 15:00:00", "F2": "devolver"},
    "Arquivos rejeitados": {"A2": "pix-2026-11-28.csv", "B2": "pix", "C2": "pix-csv"},
    "Conferência": {"A2": "2026-11-28", "B2": "itau", "C2": "341", "D2": "Itaú", "E2": 1, "I2": $gross,
                    "M2": $booked, "O2": $inexc, "T2": 14, "U2": 1234.56, "B3": "pix", "C3": "260", "T3": null}
  },
  "formats": {
    "Resolvidas no dia": {"E2": "dd/mm/yyyy hh:mm:ss"},
    "Conferência": {"A2": "dd/mm/yyyy", "I2": "[\$R\$-416] #,##0.00;[Red]-[\$R\$-416] #,##0.00"}
  }
}
JSON
)
rc=$?
echo "$res"
T_FAILS=$((T_FAILS + $(grep -c '^not ok' <<<"$res")))
t_eq "xlsx_check.py ran every check" 1 "$([ $rc -le 1 ] && [ -n "$res" ] && echo 1)"

# --- an empty day still writes a valid workbook with every sheet
t_run out "$SETTLE" report --date 2026-01-01 --output "$T_TMP/empty"
t_eq "empty day exits 0" 0 "$out_rc"
t_eq "empty day: five sheets, header only" "5 1" "$(/usr/bin/python3 -c "
import openpyxl, sys
wb = openpyxl.load_workbook(sys.argv[1]); print(len(wb.sheetnames), wb.worksheets[0].max_row)" "$T_TMP/empty/exceptions-20260101.xlsx")"

t_done
