#!/usr/bin/env bash
# report_libreoffice.sh - the workbook opened by LibreOffice in pt-BR, with no
# import options (an .xlsx has none): converted headless to PDF
# (scripts/report-render xlsx), what it shows is what finance sees: amounts
# as R$ 1.000,00, dates as 20/11/2026, bank codes and nossos números with
# their zeros, names from bank files as text, not formulas run.
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/tools/pipeline.sh"

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf
p_seed
D=2026-11-28
t_sql "UPDATE settlements SET payer_name = '=1+1' WHERE id = 29" >/dev/null
t_sql "UPDATE payments SET customer_name = '=HYPERLINK(\"http://evil.example/\",\"Ver\")' WHERE id = 26" >/dev/null

t_run out "$SETTLE" report --date $D --output "$T_TMP/r"
t_eq "report exits 0" 0 "$out_rc"
"$T_TOP/scripts/report-render" xlsx "$T_TMP/r/exceptions-20261128.xlsx" "$T_TMP/lo"
pdf=$T_TMP/lo/exceptions-20261128.pdf
t_check "LibreOffice converted the workbook" test -s "$pdf"
t_check "and its first page is an image" test -s "$T_TMP/lo/exceptions-20261128-1.png"
# the open exceptions print in bands of columns, the id repeated on each
txt=$(pdftotext -layout "$pdf" - 2>/dev/null)
squeezed=$(tr -s ' ' <<<"$txt")
t_contains "amounts in R\$ with pt-BR separators, dates DD/MM/YYYY, codes as text" \
  " 3 TX000000000000000000000028 E0000000020261128120000000000028 30/11/2026 27/11/2026 R\$ 3.457,59 R\$ 1.000,00 -R\$ 2.457,59 R\$ 0,00 R\$ 0,00 ITAU<28>&.RET" "$squeezed"
t_contains "line, aberta em, age and its bucket" " 3 30 20/11/2026 8 8 a 30 dias" "$squeezed"
t_contains "bank code and nosso número with their zeros" " 2 OVERPAID Pago a maior 27 ORD-1027 Cliente 27 **.345.678/0001-** boleto 341 Itaú 00000000000000027" "$squeezed"
t_contains "a formula-like name from a bank file is shown as typed" "=1+1" "$txt"
t_not_contains "and not computed" "Pagamento não identificado                         2 " "$txt"
t_contains "a HYPERLINK name is text (cut by its column, not run)" '=HYPERLINK("http://evil.example/' "$txt"
t_contains "the summary sheet in R\$" "Total 6 R\$ 15.105,03 R\$ 13.830,36" "$squeezed"
t_contains "the resolved sheet: who, when, how" "7 PIX_REFUND Devolução Pix maria 28/11/2026 15:00:00 devolver" "$squeezed"
t_contains "the tie-out sheet" " 28/11/2026 itau 341 Itaú 1 14 0 20 R\$ 58.081,30" "$squeezed"

t_done
