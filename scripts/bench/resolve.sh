#!/usr/bin/env bash
# scripts/bench/resolve.sh - `settle resolve --from` on a day of ROWS
# (10,000) exceptions: the filled-in sheet as openpyxl saves it (all rows
# refund or ignore) and the same as a CSV, each applied in one transaction
# (one round trip: settle_resolve_many() calls settle_resolve_exception()
# per row, each in a subtransaction); and the
# same sheet with one bad last row (every row checked, all rolled back).
# Wall and CPU time (user+sys) of settle, peak RSS. Never part of check.
# Measured 2026-11-30 on the shared 2-core machine (load average 13): 10,000
# rows applied in 13.2 s (xlsx) and 8.4 s (CSV) wall, 0.14 s CPU in settle,
# 17 MiB peak RSS; the bad last row rolled all back in 12.2 s. The same with
# one savepoint round trip per row took 30-36 s.
#
#   ROWS=10000 scripts/bench/resolve.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
SETTLE=${SETTLE:-$top/bin/settle}
ROWS=${ROWS:-10000}
work=$(mktemp -d "${TMPDIR:-/tmp}/settle-bench-resolve.XXXXXX")
trap 'rm -rf "$work"' EXIT

base=$(scripts/pg start)
server=${base% dbname=settle}
admin="$server dbname=postgres"
q() { PGOPTIONS="-c client_min_messages=warning" psql "$@" -qtAX -v ON_ERROR_STOP=1; }
db=settle_bench_resolve
q "$admin" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
printf '[database]\nconninfo = %s dbname=%s\n[spool]\ndir = %s/spool\n' "$server" "$db" "$work" >"$work/settle.conf"
export SETTLE_CONFIG=$work/settle.conf
"$SETTLE" -q migrate >/dev/null

# ROWS open exceptions (UNKNOWN_PAYMENT: a settlement each), twice over:
# one set for the xlsx, one for the CSV.
fill() { # FIRST_LINE
  q "$server dbname=$db" -c "
    INSERT INTO settlements (file_id, line, format, bank_code, kind, movement_code, paid, nosso_numero, amount_paid_cents, natural_key)
    SELECT 1, g, 'cnab240', '341', 'boleto', '06', true, g::text, 10000, 'bench-' || g FROM generate_series($1, $1 + $ROWS - 1) g;
    INSERT INTO exceptions (reason, settlement_id, paid_cents, file_id, line)
    SELECT 'UNKNOWN_PAYMENT', id, 10000, 1, line FROM settlements WHERE line BETWEEN $1 AND $1 + $ROWS - 1;"
}
q "$server dbname=$db" -c "INSERT INTO return_files (id, name, size_bytes, sha256, format, status) VALUES (1, 'bench.ret', 1, repeat('a', 64), 'cnab240', 'reconciled')"
fill 1
fill $((ROWS + 1))
ids() { q "$server dbname=$db" -c "SELECT id FROM exceptions WHERE line BETWEEN $1 AND $1 + $ROWS - 1 ORDER BY id"; }
{
  printf 'Exceção\tMotivo\tacao\tnota\tpagamento_id\n'
  ids 1 | awk '{ printf "%s\tUNKNOWN_PAYMENT\t%s\tbench row %d: conferido no extrato\t\n", $1, NR % 2 ? "devolver" : "ignorar", NR }'
} >"$work/rows.tsv"
tests/tools/mkxlsx.py "$work/good.xlsx" <"$work/rows.tsv"
{ cat "$work/rows.tsv"; printf '999999999\tX\ttalvez\tx\t\n'; } | tests/tools/mkxlsx.py "$work/bad.xlsx"
{
  echo "id,acao,nota,pagamento_id"
  ids $((ROWS + 1)) | awk '{ printf "%s,%s,\"bench row %d: conferido no extrato\",\n", $1, NR % 2 ? "refund" : "ignore", NR }'
} >"$work/good.csv"
echo "sheet: $(du -h "$work/good.xlsx" | cut -f1) xlsx, $(du -h "$work/good.csv" | cut -f1) CSV, $ROWS rows each"

run() { # WHAT FILE
  /usr/bin/time -o "$work/time" -f "%e %U %S %M" "$SETTLE" -q resolve --from "$2" >"$work/out" 2>&1 && rc=0 || rc=$?
  read -r wall user sys rss < <(tail -n 1 "$work/time")
  printf '%-34s exit %-3s %6.2f s wall  %5.2f s CPU  %6d KiB peak RSS\n' "$1" "$rc" "$wall" "$(echo "$user + $sys" | bc)" "$rss"
}
run "xlsx, one bad row, all rolled back" "$work/bad.xlsx"
run "xlsx, $ROWS rows applied" "$work/good.xlsx"
run "CSV, $ROWS rows applied" "$work/good.csv"
echo "resolved: $(q "$server dbname=$db" -c "SELECT count(*) FROM exceptions WHERE status = 'resolved'") of $((2 * ROWS))"
q "$admin" -c "DROP DATABASE IF EXISTS $db"
