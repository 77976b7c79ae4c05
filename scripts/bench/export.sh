#!/usr/bin/env bash
# scripts/bench/export.sh - issue 18's export goal: `settle export` of N
# invoice requests (default 480,000) against its floor, in alternating
# rounds on fresh copies of one template database:
#   floor:  COPY (the requests' rows, the columns a batch carries) TO STDOUT
#           through gzip into one file, then one UPDATE marking every request
#           exported (one batch row), in one transaction;
#   settle: `settle export` with the default [export] batch_size, into an
#           empty outbox (reserve, snapshot, build, fsync, publish).
# Prints every round, the median ratio with its range (goal <= 2x), and the
# batches settle wrote. REQUESTS=N, ROUNDS=N (default 3).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
SETTLE=${SETTLE:-$top/bin/settle}
REQUESTS=${REQUESTS:-480000}
ROUNDS=${ROUNDS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/settle-export.XXXXXX")
trap 'rm -rf "$work"' EXIT

base=$(scripts/pg start)
server=${base% dbname=settle}
admin="$server dbname=postgres"
q() { PGOPTIONS="-c client_min_messages=warning" psql "$@" -qtAX -v ON_ERROR_STOP=1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
fresh() {
  q "$admin" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1 TEMPLATE settle_export_tpl" -c "CHECKPOINT"
  sync
}

echo "building the template database: $REQUESTS paid payments with their invoice requests"
q "$admin" -c "DROP DATABASE IF EXISTS settle_export_tpl" -c "CREATE DATABASE settle_export_tpl"
printf '[database]\nconninfo = %s dbname=settle_export_tpl\n[spool]\ndir = %s/spool\n' "$server" "$work" >"$work/tpl.conf"
printf '[database]\nconninfo = %s dbname=settle_export_run\n[spool]\ndir = %s/spool\n' "$server" "$work" >"$work/run.conf"
SETTLE_CONFIG=$work/tpl.conf "$SETTLE" -q migrate >/dev/null
q "$server dbname=settle_export_tpl" <<SQL
INSERT INTO return_files (id, source, name, size_bytes, sha256, status) VALUES (1, 'bench', 'BENCH.RET', 0, repeat('0', 64), 'reconciled');
INSERT INTO settlements (id, file_id, line, format, bank_code, kind, paid, nosso_numero, amount_paid_cents, natural_key, settled_at)
  SELECT i, 1, i, 'cnab240', '001', 'boleto', true, '1234567' || lpad(i::text, 10, '0'), 1000 + i % 9973, 'k' || i,
         TIMESTAMPTZ '2026-11-28 10:00Z' + i * INTERVAL '1 second'
    FROM generate_series(1, $REQUESTS) i;
INSERT INTO payments (id, order_id, method, amount_cents, status, bank_code, nosso_numero, customer_doc, customer_name,
                      paid_at, paid_cents, paid_by_settlement)
  SELECT i, 'ORD' || lpad(i::text, 10, '0'), 'boleto', 1000 + i % 9973, 'paid', '001', '1234567' || lpad(i::text, 10, '0'),
         '12345678909', 'Cliente ' || i, TIMESTAMPTZ '2026-11-28 10:00Z' + i * INTERVAL '1 second', 1000 + i % 9973, i
    FROM generate_series(1, $REQUESTS) i;
INSERT INTO invoice_requests (payment_id, settlement_id) SELECT i, i FROM generate_series(1, $REQUESTS) i;
VACUUM ANALYZE;
SQL

floor_round() {
  fresh settle_export_floor
  local t0 t1
  t0=$(now)
  q "$server dbname=settle_export_floor" <<SQL
BEGIN;
\copy (SELECT r.id, p.id, p.order_id, coalesce(p.customer_doc, ''), coalesce(p.customer_name, ''), p.method, p.amount_cents, p.paid_cents, to_char(p.paid_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'), s.nosso_numero, s.bank_code FROM invoice_requests r JOIN payments p ON p.id = r.payment_id LEFT JOIN settlements s ON s.id = r.settlement_id WHERE r.batch_id IS NULL ORDER BY r.id) TO PROGRAM 'gzip > $work/floor.csv.gz && sync $work/floor.csv.gz' WITH (FORMAT csv, HEADER)
INSERT INTO export_batches (id, record_count, total_cents, first_request_id, last_request_id) VALUES (1, $REQUESTS, 0, 1, $REQUESTS);
UPDATE invoice_requests SET batch_id = 1 WHERE batch_id IS NULL;
COMMIT;
SQL
  t1=$(now)
  floor_s=$(elapsed "$t0" "$t1")
}

settle_round() {
  fresh settle_export_run
  rm -rf "$work/spool"
  local t0 t1
  t0=$(now)
  SETTLE_CONFIG=$work/run.conf "$SETTLE" -q export >/dev/null
  t1=$(now)
  settle_s=$(elapsed "$t0" "$t1")
  batches=$(ls "$work/spool/outbox/"*.csv.gz | wc -l)
  left=$(q "$server dbname=settle_export_run" -c "SELECT count(*) FROM invoice_requests WHERE batch_id IS NULL")
  [ "$left" = 0 ] || { echo "settle export left $left requests" >&2; exit 1; }
}

printf '%-6s %8s %9s %7s %8s\n' round floor_s settle_s ratio batches
: >"$work/rounds"
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then floor_round; settle_round; else settle_round; floor_round; fi
  ratio=$(awk -v a="$settle_s" -v b="$floor_s" 'BEGIN { printf "%.2f", a / b }')
  echo "$ratio $floor_s $settle_s $batches" >>"$work/rounds"
  printf '%-6s %8s %9s %6sx %8s\n' "$r" "$floor_s" "$settle_s" "$ratio" "$batches"
done
for db in settle_export_floor settle_export_run settle_export_tpl; do q "$admin" -c "DROP DATABASE IF EXISTS $db"; done
sort -n "$work/rounds" | awk -v n="$REQUESTS" '
  { row[NR] = $0 } END {
    split(row[int((NR + 1) / 2)], m, " "); split(row[1], lo, " "); split(row[NR], hi, " ")
    printf "%d requests: median ratio %.2fx (rounds %.2f-%.2fx; goal <= 2x): floor %.2f s, settle export %.2f s in %d batches\n",
      n, m[1], lo[1], hi[1], m[2], m[3], m[4]
  }'
