#!/usr/bin/env bash
# parse_pix.sh - Pix statements through settle parse: detected by header,
# plain or gzip, canonical or through a [profile], bad rows refused.
. "$(dirname "$0")/../lib.sh"
fx=$T_TOP/tests/fixtures/pix

t_run out "$SETTLE" parse "$fx/canonical.csv"
t_eq "canonical statement parses" 0 "$out_rc"
t_contains "detected as pix-csv with amount in cents" "canonical.csv,2,pix-csv,,pix,,1,,,PED000123TX0000000000000000001,E18236120202611281403aB3dE5fG7h9,0,15000,15000" "$out"
t_run gz "$SETTLE" parse "$fx/canonical.csv.gz"
t_eq "gzip gives the same rows" "$(printf '%s' "$out" | sed 's/canonical.csv,/X,/')" "$(printf '%s' "$gz" | sed 's/canonical.csv.gz,/X,/')"
t_run out "$SETTLE" parse "$fx/refunds.csv"
t_contains "refund row is pix_refund and carries no money" "refunds.csv,3,pix-csv,,pix_refund,,0," "$out"

t_run out "$SETTLE" parse "$fx/psp-latin1.csv"
t_eq "PSP export without its profile is refused" 65 "$out_rc"
t_contains "refusal says what it looks like" "a CSV file that is not a Pix statement we know" "$out"
t_run out "$SETTLE" --config "$fx/psp.conf" parse --profile psp "$fx/psp-latin1.csv"
t_eq "PSP export with its profile parses" 0 "$out_rc"
t_contains "Latin-1 name comes out UTF-8" "José Ávila" "$out"
t_contains "decimal comma amount in cents" ",0,123456,123456," "$out"

# Formula injection: payer names a spreadsheet would run get a leading
# apostrophe in the CSV; the amounts (numbers we write) do not.
cat >"$T_TMP/formula.csv" <<'CSV'
end_to_end_id,txid,amount,settled_at,payer_doc,payer_name
E18236120202611281403aB3dE5fG7h1,,10.00,2026-11-28T14:03:00-03:00,,"=HYPERLINK(""http://evil.example/"",""x"")"
E18236120202611281403aB3dE5fG7h2,,10.00,2026-11-28T14:03:00-03:00,,+cmd|' /C calc'!A0
E18236120202611281403aB3dE5fG7h3,,10.00,2026-11-28T14:03:00-03:00,,-2+3
E18236120202611281403aB3dE5fG7h4,,10.00,2026-11-28T14:03:00-03:00,,@SUM(1)
E18236120202611281403aB3dE5fG7h5,,10.00,2026-11-28T14:03:00-03:00,,Maria =1
CSV
t_run out "$SETTLE" parse "$T_TMP/formula.csv"
t_eq "payer names that look like formulas parse" 0 "$out_rc"
t_contains "=HYPERLINK gets an apostrophe" ",\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"x\"\")\"" "$out"
t_contains "+ gets an apostrophe" ",\"'+cmd|' /C calc'!A0\"" "$out"
t_contains "- gets an apostrophe" ",\"'-2+3\"" "$out"
t_contains "@ gets an apostrophe" ",\"'@SUM(1)\"" "$out"
t_contains "a name not starting with one is as it is" ",Maria =1" "$out"
t_eq "no field starts with = + - @" "" "$(grep -oE ',[=+@-][^,]*' <<<"$out" | grep -vE '^,-?[0-9]+$')"

printf 'end_to_end_id,txid,amount,settled_at\nE1823612020261128140XaB3dE5fG7h9,,10.00,2026-11-28T14:03:00-03:00\n' >"$T_TMP/bad.csv"
t_run out "$SETTLE" parse "$T_TMP/bad.csv"
t_eq "malformed end-to-end id exits 65" 65 "$out_rc"
t_contains "error names file:line:col" "$T_TMP/bad.csv:2:1:" "$out"
t_done
