#!/usr/bin/env bash
# report_render.sh - the HTML page as finance sees it: headless Chromium
# (scripts/report-render html) lays it out 400 px wide (a phone) and 1400 px
# wide, and prints it; nothing may overflow the page at either width, the
# printed table repeats its header on every page and keeps the suggested
# action readable. A reason with more rows than the page shows points to the
# workbook, which has them all; the rows can be sorted by amount and age
# without a script.
# test: slow (scripts/run-tests starts it first, so it does not end the run alone)
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/tools/pipeline.sh"

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf
p_seed
D=2026-11-28
# a large reason: 250 more underpaid boletos (paid 50,01 .. 52,50 of 100,00)
t_sql "INSERT INTO settlements (id, file_id, line, format, bank_code, kind, movement_code, paid, nosso_numero,
                                amount_face_cents, amount_paid_cents, occurred_on, natural_key)
       SELECT 1000 + g, 2, 100 + g, 'cnab400', '341', 'boleto', '06', true, lpad(g::text, 17, '0'), 10000, 5000 + g,
              '2026-11-27', 'big-' || g FROM generate_series(1, 250) g;
       INSERT INTO exceptions (reason, settlement_id, expected_cents, paid_cents, file_id, line, detail, created_at)
       SELECT 'UNDERPAID', 1000 + g, 10000, 5000 + g, 2, 100 + g,
              'paid ' || (5000 + g) || ', expected 10000 (interest 0, other credits 0, discount 0, rebate 0)',
              timestamptz '2026-11-28 08:00+00' - g * interval '1 minute' FROM generate_series(1, 250) g" >/dev/null

t_run out "$SETTLE" report --date $D --output "$T_TMP/r"
t_eq "report exits 0" 0 "$out_rc"
html=$T_TMP/r/exceptions-20261128.html

# --- the page itself
t_contains "a viewport for phones" '<meta name="viewport" content="width=device-width, initial-scale=1">' "$(cat "$html")"
t_contains "print CSS" "@media print{" "$(cat "$html")"
t_eq "no script in the page" "" "$(grep -o '<script' "$html" || true)"
t_eq "valid HTML" "" "$(xmllint --html --noout "$html" 2>&1)"
t_eq "a large reason shows the first 200 rows" 200 "$(sed -n '/id="open-UNDERPAID"/,/<\/table>/p' "$html" | grep -c '^<tr id="x')"
t_contains "and points to the workbook for the rest" \
  'Mostrando as 200 mais antigas de 251 exceções deste motivo. Todas estão na planilha exceptions-20261128.xlsx.' "$(cat "$html")"
t_eq "the workbook has them all" "$(t_sql "SELECT count(*) FROM exceptions WHERE status = 'open' AND created_at < '$D'::date + 1")" \
  "$(/usr/bin/python3 -c "import openpyxl, sys; print(openpyxl.load_workbook(sys.argv[1]).worksheets[0].max_row - 1)" "$T_TMP/r/exceptions-20261128.xlsx")"
# sorting without a script: --g is the row's place by age (oldest first),
# --a its place by amount paid (largest first), both permutations
sorted=$(/usr/bin/python3 - "$html" <<'PY'
import re, sys
sec = open(sys.argv[1], encoding="utf-8").read().split('id="open-UNDERPAID"')[1].split("</table>")[0]
rows = re.findall(r'style="--a:(\d+);--g:(\d+)">.*?data-l="Valor pago \(R\$\)">([0-9.,]+)<.*?data-l="Idade \(dias\)">(\d+)<', sec)
a = [int(r[0]) for r in rows]; paid = [int(r[2].replace(".", "").replace(",", "")) for r in rows]; age = [int(r[3]) for r in rows]
by_a = [p for _, p in sorted(zip(a, paid))]
print(len(rows), sorted(a) == list(range(len(rows))), by_a == sorted(paid, reverse=True), age == sorted(age, reverse=True))
PY
)
t_eq "rows carry their rank by amount (largest first) and come oldest first" "200 True True True" "$sorted"
t_contains "a sort by amount in CSS" "#o-valor:checked~div.sec table.x tbody tr{order:var(--a)}" "$(cat "$html")"

# --- rendered by Chromium
"$T_TOP/scripts/report-render" html "$html" "$T_TMP/shots"
for w in 400 1400; do
  m=$(cat "$T_TMP/shots/measure-$w" 2>/dev/null)
  t_eq "$w px: the page was measured" "$w" "${m#* }"
  t_check "$w px: nothing wider than the window (scrollWidth ${m% *} <= $w)" test -n "$m" -a "${m% *}" -le "${m#* }"
  t_eq "$w px: screenshot" "$w" "$(/usr/bin/python3 -c "import struct, sys; print(struct.unpack('>II', open(sys.argv[1], 'rb').read(24)[16:24])[0])" "$T_TMP/shots/page-$w.png" 2>/dev/null)"
done
pdf=$T_TMP/shots/page-print.pdf
pages=$(pdfinfo "$pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
t_check "printed to PDF, several pages ($pages)" test "${pages:-0}" -ge 3
# every printed page that holds rows of the open exceptions repeats the header
bad=""
for ((p = 1; p <= ${pages:-0}; p++)); do
  txt=$(pdftotext -f $p -l $p "$pdf" - 2>/dev/null)
  if grep -q 'ITAU<28>&.RET:1[0-9][0-9]' <<<"$txt" && ! grep -q 'Ação sugerida' <<<"$txt"; then bad="$bad $p"; fi
done
t_eq "printed: the header on every page of the table" "" "$bad"
t_contains "printed: the suggested action readable in full" "Cobrar a diferença do cliente ou aceitar o valor pago e dar baixa" \
  "$(pdftotext "$pdf" - | tr '\n' ' ' | sed 's/  */ /g')"
t_not_contains "printed: the sort buttons are not printed" "maior valor primeiro" "$(pdftotext "$pdf" -)"

t_done
