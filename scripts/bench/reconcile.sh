#!/usr/bin/env bash
# scripts/bench/reconcile.sh - ingest + reconcile of a 480,000-title CNAB 240
# file against 960,000 payments (half pending), against a hand-written SQL
# baseline on the same data in the same run.
#
# Baseline (the least work that settles the file): one transaction; COPY the
# titles into a temp table; one UPDATE ... FROM joining payments on nosso
# número; one INSERT of the invoice requests.
# settle: `settle ingest FILE` (parse, register, COPY into settlements) then
# `settle reconcile` (candidates, decisions, outcomes, apply).
# Prints wall seconds, settlements/s, the ratio settle/baseline (goal <= 1.5)
# and settle's peak RSS (goal <= 128 MiB). Each database starts from the same
# template; the cluster is scripts/pg's throwaway one.
#
# TITLES=N and PAYMENTS=N override the sizes (defaults 480000 / 960000).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
SETTLE=${SETTLE:-$top/bin/settle}
TITLES=${TITLES:-480000}
PAYMENTS=${PAYMENTS:-960000}
work=$(mktemp -d "${TMPDIR:-/tmp}/settle-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

base=$(scripts/pg start)
server=${base% dbname=settle}
admin="$server dbname=postgres"
q() { PGOPTIONS="-c client_min_messages=warning" psql "$@" -qtAX -v ON_ERROR_STOP=1; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

make -s tools >/dev/null
gen=$top/build/tests/tools/gencnab240
echo "writing the CNAB 240 file ($TITLES titles) and its pending payments (tests/tools/gencnab240)"
"$gen" --titles "$TITLES" --out "$work/BENCH.RET" --payments "$work/payments.csv"
echo "file: $(du -h "$work/BENCH.RET" | cut -f1), $(wc -l <"$work/BENCH.RET") lines"

echo "building the template database: $PAYMENTS payments, $TITLES of them pending"
q "$admin" -c "DROP DATABASE IF EXISTS settle_bench_tpl" -c "CREATE DATABASE settle_bench_tpl"
cat >"$work/settle.conf" <<CONF
[database]
conninfo = $server dbname=settle_bench_tpl
[spool]
dir = $work/spool
CONF
SETTLE_CONFIG=$work/settle.conf "$SETTLE" -q migrate >/dev/null
# The title payments (pending) from the generator; the rest were paid
# earlier (another convênio's numbers, so they match nothing).
q "$server dbname=settle_bench_tpl" \
  -c "\copy payments (id, order_id, method, amount_cents, due_on, status, bank_code, nosso_numero) FROM '$work/payments.csv' WITH (FORMAT csv, HEADER)" \
  -c "INSERT INTO payments (id, order_id, method, amount_cents, due_on, status, bank_code, nosso_numero, paid_at, paid_cents)
      SELECT i, 'OLD' || i, 'boleto', 1000 + i % 9973, DATE '2026-11-05', 'paid', '001', '1234568' || lpad(i::text, 10, '0'),
             TIMESTAMPTZ '2026-11-06 10:00Z', 1000 + i % 9973
        FROM generate_series($TITLES + 1, $PAYMENTS) i" \
  -c "VACUUM ANALYZE payments"

# A fresh copy of the template, then a checkpoint, so that neither timed run
# pays for the other's (or the copy's) dirty pages.
fresh() {
  q "$admin" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1 TEMPLATE settle_bench_tpl" -c "CHECKPOINT"
}

# ---- baseline -------------------------------------------------------------
fresh settle_bench_base
# what a parser hands over: nosso número and amount paid of every title
cut -d, -f4,8 "$work/payments.csv" | tail -n +2 >"$work/base.txt"
q "$admin" -c "CHECKPOINT"
t0=$(now)
q "$server dbname=settle_bench_base" <<SQL
BEGIN;
CREATE TEMP TABLE st (paid_cents bigint, nosso_numero text);
\copy st FROM '$work/base.txt' WITH (FORMAT csv)
WITH u AS (
  UPDATE payments p SET status = 'paid', paid_at = now(), paid_cents = st.paid_cents
    FROM st
   WHERE p.method = 'boleto' AND p.bank_code = '001' AND ltrim(p.nosso_numero, '0') = ltrim(st.nosso_numero, '0')
     AND p.status = 'pending'
  RETURNING p.id)
INSERT INTO invoice_requests (payment_id) SELECT id FROM u;
COMMIT;
SQL
t1=$(now)
base_s=$(elapsed "$t0" "$t1")
base_paid=$(q "$server dbname=settle_bench_base" -c "SELECT count(*) FROM invoice_requests")

# ---- settle -----------------------------------------------------------------
fresh settle_bench_settle
sed -i "s/dbname=settle_bench_tpl/dbname=settle_bench_settle/" "$work/settle.conf"
export SETTLE_CONFIG=$work/settle.conf
q "$admin" -c "CHECKPOINT"
t0=$(now)
/usr/bin/time -f "%M" -o "$work/rss.ingest" "$SETTLE" -q ingest "$work/BENCH.RET"
t1=$(now)
/usr/bin/time -f "%M" -o "$work/rss.reconcile" "$SETTLE" -q reconcile
t2=$(now)
ingest_s=$(elapsed "$t0" "$t1")
reconcile_s=$(elapsed "$t1" "$t2")
settle_s=$(elapsed "$t0" "$t2")
settle_paid=$(q "$server dbname=settle_bench_settle" -c "SELECT count(*) FROM invoice_requests")
exc=$(q "$server dbname=settle_bench_settle" -c "SELECT count(*) FROM exceptions")
rss_kib=$(sort -n "$work/rss.ingest" "$work/rss.reconcile" | tail -n 1)

for db in settle_bench_base settle_bench_settle settle_bench_tpl; do q "$admin" -c "DROP DATABASE IF EXISTS $db"; done

awk -v n="$TITLES" -v b="$base_s" -v s="$settle_s" -v i="$ingest_s" -v r="$reconcile_s" -v rss="$rss_kib" \
    -v bp="$base_paid" -v sp="$settle_paid" -v exc="$exc" 'BEGIN {
  printf "baseline (psql: COPY, UPDATE ... FROM, INSERT): %7.2f s  %9.0f settlements/s  %d paid\n", b, n / b, bp
  printf "settle ingest + reconcile:                     %7.2f s  %9.0f settlements/s  %d paid, %d exceptions\n", s, n / s, sp, exc
  printf "  ingest %.2f s, reconcile %.2f s\n", i, r
  printf "ratio settle / baseline: %.2fx (goal <= 1.5x)\n", s / b
  printf "peak RSS: %.1f MiB (goal <= 128 MiB)\n", rss / 1024
}'
[ "$base_paid" = "$settle_paid" ] || { echo "MISMATCH: baseline paid $base_paid, settle paid $settle_paid" >&2; exit 1; }
