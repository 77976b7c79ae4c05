#!/usr/bin/env bash
# ingest.sh - settle ingest against a real PostgreSQL: spool layout, archive
# and rejected moves with .error files, the same content twice, two files
# overlapping by half, a file that fails half-way loading nothing, then
# reconcile on top.
. "$(dirname "$0")/../lib.sh"

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf
"$SETTLE" -q migrate >/dev/null || { t_fail "migrate"; t_done; }
gen=$T_TOP/tests/tools/cnab240-gen
spool=$T_TMP/spool
mkdir -p "$spool/incoming/bb"

# titles FROM TO [MOVEMENT]: spec lines for Banco do Brasil numbers 1234567+N
titles() { awk -v a="$1" -v b="$2" -v mv="${3:-06}" 'BEGIN { for (i = a; i <= b; i++)
  printf "%s|1234567%010d|PED-%d|%d|%d|0|0|0|27112026\n", mv, i, i, 1000 + i, (mv == "06" ? 1000 + i : 0) }'; }

t_sql "INSERT INTO payments (id, order_id, method, amount_cents, bank_code, nosso_numero)
       SELECT i, 'PED-' || i, 'boleto', 1000 + i, '001', '1234567' || lpad(i::text, 10, '0') FROM generate_series(1, 20) i" >/dev/null

titles 1 10 | "$gen" 001 >"$spool/incoming/bb/A.RET"
titles 6 15 | "$gen" 001 >"$spool/incoming/bb/B.RET"          # overlaps A by half
cp "$spool/incoming/bb/A.RET" "$spool/incoming/bb/Z-again.RET"  # the same content again
titles 16 18 | "$gen" 001 | head -n 5 >"$spool/incoming/bb/C.RET"  # cut: no trailers
cp /work/shared/corpus/cnab/brcobranca/arquivo_modelo.txt "$spool/incoming/bb/D.REM" 2>/dev/null ||
  titles 1 1 | "$gen" 001 | sed '1s/^\(.\{142\}\)2/\11/' >"$spool/incoming/bb/D.REM"
titles 19 20 | "$gen" 001 >"$spool/incoming/bb/E.RET.part"    # still downloading
titles 19 20 | "$gen" 001 >"$spool/incoming/bb/.hidden"

t_run out "$SETTLE" ingest
t_eq "a run with rejected files exits 65" 65 "$out_rc"
t_eq "A and B ingested and archived" "A.RET B.RET" "$(cd "$spool/archive/bb" && echo *)"
t_eq "rejected files moved with .error beside them" "C.RET C.RET.error D.REM D.REM.error Z-again.RET Z-again.RET.error" \
  "$(cd "$spool/rejected/bb" && echo *)"
t_eq ".part and dot files left alone" ".hidden E.RET.part" "$(cd "$spool/incoming/bb" && ls -A | tr '\n' ' ' | sed 's/ $//')"
t_contains "same content refused with the file it repeats" "bb/Z-again.RET: already ingested as file #1 on " \
  "$(cat "$spool/rejected/bb/Z-again.RET.error")"
t_contains "cut file: .error names file:line and the problem" "bb/C.RET:5:14: expected segment U after the segment T of line 5" \
  "$(cat "$spool/rejected/bb/C.RET.error")"
t_contains "remessa refused" "bb/D.REM:1:143:" "$(cat "$spool/rejected/bb/D.REM.error")"
t_eq "return_files rows" "bb A.RET ingested 10 0|bb B.RET ingested 10 5|bb C.RET rejected  0|bb D.REM rejected  0|bb Z-again.RET rejected  0" \
  "$(t_sql "SELECT string_agg(concat_ws(' ', source, name, status, coalesce(records::text, ''), duplicates), '|' ORDER BY id) FROM return_files")"
t_eq "file row: sha256, size, format and bank" "t cnab240 001" \
  "$(t_sql "SELECT concat_ws(' ', sha256 = '$(sha256sum "$spool/archive/bb/A.RET" | cut -d' ' -f1)' AND size_bytes = $(stat -c %s "$spool/archive/bb/A.RET"), format, bank_code) FROM return_files WHERE name = 'A.RET'")"
t_eq "the file's own trailer totals kept for the tie-out (batch trailers 24-29, 30-46)" \
  "$(awk 'substr($0, 8, 1) == "5" { t += substr($0, 24, 6); v += substr($0, 30, 17) } END { print t " " v }' "$spool/archive/bb/A.RET")" \
  "$(t_sql "SELECT trailer_titles || ' ' || trailer_cents FROM return_files WHERE name = 'A.RET'")"
t_eq "a rejected file has no trailer totals" "t" "$(t_sql "SELECT trailer_titles IS NULL AND trailer_cents IS NULL FROM return_files WHERE name = 'C.RET'")"
t_eq "overlap loaded once: 15 settlements" "15" "$(t_sql "SELECT count(*) FROM settlements")"
t_eq "the 5 repeated records listed as duplicates of A's" "5 5" \
  "$(t_sql "SELECT count(*) || ' ' || count(*) FILTER (WHERE s.file_id = 1) FROM settlement_duplicates d JOIN settlements s ON s.id = d.settlement_id")"
t_contains "duplicates logged" "duplicate record: already loaded" "$out"
t_eq "the cut file loaded nothing" "0" "$(t_sql "SELECT count(*) FROM settlements s JOIN return_files f ON f.id = s.file_id WHERE f.name = 'C.RET'")"
t_eq "natural key" "001|12345670000000001|06|2026-11-27|1001" "$(t_sql "SELECT natural_key FROM settlements ORDER BY id LIMIT 1")"

t_run out "$SETTLE" ingest
t_eq "nothing left to ingest: exit 0" 0 "$out_rc"

# A file named on the command line: source 'local', left in place.
titles 1 3 09 | "$gen" 001 >"$T_TMP/local.ret"
t_run out "$SETTLE" ingest "$T_TMP/local.ret"
t_eq "local file ingested" 0 "$out_rc"
t_check "local file not moved" test -e "$T_TMP/local.ret"
t_eq "local file row" "local local.ret ingested 3" "$(t_sql "SELECT concat_ws(' ', source, name, status, records) FROM return_files WHERE name = 'local.ret'")"

t_run out "$SETTLE" reconcile
t_eq "reconcile after ingest exits 0" 0 "$out_rc"
t_eq "15 payments paid, 3 baixa events" "15 3" \
  "$(t_sql "SELECT (SELECT count(*) FROM payments WHERE status = 'paid') || ' ' || (SELECT count(*) FROM payment_events WHERE event = 'baixa')")"
t_eq "one invoice request each" "15" "$(t_sql "SELECT count(DISTINCT payment_id) FROM invoice_requests")"
t_no_dangling_refs
t_done
