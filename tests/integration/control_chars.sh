#!/usr/bin/env bash
# control_chars.sh - C1 control characters (U+0080-U+009F: CSI 0x9B, NEL
# 0x85) from a Latin-1 bank file or a file name never reach settle parse's
# output, the database, the exception report (CSV and HTML) or the log raw:
# the parsers blank them like C0, the report writers blank them, the log
# escapes them. (fetch --dry-run: tests/integration/fetch.sh.)
. "$(dirname "$0")/../lib.sh"

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf

c1u() { LC_ALL=C grep -caP '\xc2[\x80-\x9f]|\x9b|\x85' "$@" | awk '{ s += $1 } END { print s + 0 }'; }

# The Sicredi CNAB 240 fixture with the payer SURFISTAO MEDINA renamed, same
# length, with a Latin-1 CSI (0x9B) and NEL (0x85): "SURF\x9b2J\x85O".
f=$T_TMP/SICREDI.CRT
LC_ALL=C sed 's/SURFISTAO/SURF\x9b2J\x85O/' "$T_TOP/tests/fixtures/cnab/brcobranca/CNAB240SICREDI.CRT" >"$f"
t_eq "the fixture carries the C1 bytes" "t" "$([ "$(LC_ALL=C grep -caP '\x9b2J\x85' "$f")" -gt 0 ] && echo t)"

t_run out "$SETTLE" parse "$f"
t_eq "settle parse exits 0" 0 "$out_rc"
t_contains "the payer name with the controls blanked" "SURF 2J O MEDINA" "$out"
t_eq "no C1 control in settle parse's output" 0 "$(c1u <<<"$out")"

t_run out "$SETTLE" ingest "$f"
t_eq "settle ingest exits 0" 0 "$out_rc"
t_eq "the database holds the name blanked" "SURF 2J O MEDINA" \
  "$(t_sql "SELECT DISTINCT payer_name FROM settlements WHERE payer_name LIKE 'SURF%'")"
t_eq "no C1 control in any settlement text" 0 \
  "$(t_sql "SELECT count(*) FROM settlements WHERE concat(payer_name, message, seu_numero) ~ '[\u0080-\u009f]'")"

# A customer name from the payments service with C1 controls, on a payment an
# exception names, and the payer name of the others: both reports blank them.
t_sql "INSERT INTO payments (id, order_id, method, amount_cents, customer_name) VALUES (77, 'PED-77', 'pix', 100, E'Ana\u009b2J\u0085Lima')" >/dev/null
t_sql "INSERT INTO exceptions (reason, settlement_id, payment_id, file_id, line)
       SELECT 'UNKNOWN_PAYMENT', s.id, CASE WHEN s.id = (SELECT max(id) FROM settlements) THEN 77 END, s.file_id, s.line
         FROM settlements s" >/dev/null
t_eq "exceptions to report: one with the payer's name, one with the customer's" "t" \
  "$(t_sql "SELECT count(*) >= 2 AND count(payment_id) = 1 FROM exceptions")"
today=$(t_sql "SELECT current_date")
t_run out "$SETTLE" report --date "$today" --output "$T_TMP/r"
t_eq "settle report exits 0" 0 "$out_rc"
csv=$(ls "$T_TMP"/r/*.csv) html=$(ls "$T_TMP"/r/*.html)
t_contains "the report CSV has the payer name blanked" "SURF 2J O MEDINA" "$(cat "$csv")"
t_contains "the report CSV has the customer name blanked" "Ana 2J Lima" "$(cat "$csv")"
t_contains "the report HTML has the customer name blanked" "Ana 2J Lima" "$(cat "$html")"
t_eq "no C1 control in the report CSV" 0 "$(c1u "$csv")"
t_eq "no C1 control in the report HTML" 0 "$(c1u "$html")"
t_eq "the HTML is valid" "" "$(xmllint --html --noout "$html" 2>&1)"

# A file name with C1 controls (Latin-1 CSI, UTF-8 NEL) in the log: escaped.
cp "$f" "$T_TMP/"$'ret\x9b2J\xc2\x85.CRT'
t_run out "$SETTLE" ingest "$T_TMP/"$'ret\x9b2J\xc2\x85.CRT'
t_contains "the log names the file with the controls escaped" 'ret\\x9b2J\u0085.CRT' "$out"
t_eq "no C1 control in the log" 0 "$(c1u <<<"$out")"
t_run out "$SETTLE" --log-format json ingest "$T_TMP/"$'ret\x9b2J\xc2\x85.CRT'
t_contains "JSON log: escaped too" 'ret\\x9b2J\u0085.CRT' "$out"
t_eq "no C1 control in the JSON log" 0 "$(c1u <<<"$out")"
t_done
