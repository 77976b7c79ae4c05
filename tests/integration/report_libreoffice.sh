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
txt=$(pdftotext -layout "$pdf" - 2>/dev/null)
row3=$(grep -E '^ +3 UNDERPAID' <<<"$txt")
t_contains "amounts in R\$ with pt-BR separators" "R\$ 3.457,59    R\$ 1.000,00      -R\$ 2.457,59" "$row3"
t_contains "dates as dates, DD/MM/YYYY" "30/11/2026 27/11/2026" "$row3"
t_contains "aberta em and age" "20/11/2026      8 8 a 30 dias" "$row3"
t_contains "bank code with its zeros" "341     Itaú                   00000000000000027" "$txt"
t_contains "a formula-like name from a bank file is shown as typed" "=1+1" "$txt"
t_not_contains "and not computed" "Pagamento não identificado                         2 " "$txt"
t_contains "a HYPERLINK name is text (cut by its column, not run)" '=HYPERLINK("http://evil.example/' "$txt"
squeezed=$(tr -s ' ' <<<"$txt")
t_contains "the summary sheet in R\$" "Total 6 R\$ 15.105,03 R\$ 13.830,36" "$squeezed"
t_contains "the resolved sheet: who, when, how" "7 PIX_REFUND Devolução Pix maria 28/11/2026 15:00:00 devolver" "$squeezed"
t_contains "the tie-out sheet" " 28/11/2026 itau 341 Itaú 1 14 0 20 R\$ 58.081,30" "$squeezed"

t_done
