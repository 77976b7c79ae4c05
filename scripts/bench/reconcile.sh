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
# TITLES=N and PAYMENTS=N override the sizes (defaults 480000 / 960000);
# ROUNDS=N the number of alternating baseline/settle rounds (default 3).
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

# A fresh copy of the template, then a checkpoint and a sync, so that neither
# timed run pays for the other's (or the copy's) dirty pages: without the
# sync, the kernel writing back the copied database during the next timed
# run made single runs swing by 40%.
fresh() {
  q "$admin" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1 TEMPLATE settle_bench_tpl" -c "CHECKPOINT"
  sync
}

# what a parser hands over: nosso número and amount paid of every title
cut -d, -f4,8 "$work/payments.csv" | tail -n +2 >"$work/base.txt"
sed "s/dbname=settle_bench_tpl/dbname=settle_bench_settle/" "$work/settle.conf" >"$work/run.conf"

# ---- baseline -------------------------------------------------------------
baseline() {
  fresh settle_bench_base
  local t0 t1
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
}

# ---- settle -----------------------------------------------------------------
settle_run() {
  fresh settle_bench_settle
  local t0 t1 t2
  t0=$(now)
  SETTLE_CONFIG=$work/run.conf /usr/bin/time -f "%M" -o "$work/rss.ingest" "$SETTLE" -q ingest "$work/BENCH.RET"
  t1=$(now)
  SETTLE_CONFIG=$work/run.conf /usr/bin/time -f "%M" -o "$work/rss.reconcile" "$SETTLE" -q reconcile
  t2=$(now)
  ingest_s=$(elapsed "$t0" "$t1")
  reconcile_s=$(elapsed "$t1" "$t2")
  settle_s=$(elapsed "$t0" "$t2")
  settle_paid=$(q "$server dbname=settle_bench_settle" -c "SELECT count(*) FROM invoice_requests")
  exc=$(q "$server dbname=settle_bench_settle" -c "SELECT count(*) FROM exceptions")
  rss_kib=$(sort -n "$work/rss.ingest" "$work/rss.reconcile" | tail -n 1)
}

# ROUNDS rounds (default 3), baseline and settle alternating, each on a fresh
# copy of the template: the ratio of each round and their median.
ROUNDS=${ROUNDS:-3}
printf '%-6s %10s %10s %10s %10s %7s %9s\n' round baseline_s settle_s ingest_s reconcile_s ratio rss_MiB
: >"$work/rounds"
for r in $(seq "$ROUNDS"); do
  baseline
  settle_run
  [ "$base_paid" = "$settle_paid" ] || { echo "MISMATCH: baseline paid $base_paid, settle paid $settle_paid" >&2; exit 1; }
  echo "$base_s $settle_s $ingest_s $reconcile_s $rss_kib $exc" >>"$work/rounds"
  awk -v r="$r" -v b="$base_s" -v s="$settle_s" -v i="$ingest_s" -v c="$reconcile_s" -v rss="$rss_kib" \
    'BEGIN { printf "%-6s %10.2f %10.2f %10.2f %10.2f %6.2fx %9.1f\n", r, b, s, i, c, s / b, rss / 1024 }'
done

for db in settle_bench_base settle_bench_settle settle_bench_tpl; do q "$admin" -c "DROP DATABASE IF EXISTS $db"; done

# the median round by ratio (the middle one; the lower middle for an even count)
sort -n -k7 <(awk '{ print $0, $2 / $1 }' "$work/rounds") | awk -v n="$TITLES" -v paid="$settle_paid" '
  { row[NR] = $0 } END {
    split(row[int((NR + 1) / 2)], m, " ")
    maxrss = 0
    for (i = 1; i <= NR; i++) { split(row[i], x, " "); if (x[5] > maxrss) maxrss = x[5] }
    printf "median round (of %d, by ratio):\n", NR
    printf "baseline (psql: COPY, UPDATE ... FROM, INSERT): %7.2f s  %9.0f settlements/s  %d paid\n", m[1], n / m[1], paid
    printf "settle ingest + reconcile:                     %7.2f s  %9.0f settlements/s  %d paid, %d exceptions\n", m[2], n / m[2], paid, m[6]
    printf "  ingest %.2f s, reconcile %.2f s\n", m[3], m[4]
    printf "ratio settle / baseline: %.2fx (goal <= 1.5x)\n", m[7]
    printf "peak RSS over all rounds: %.1f MiB (goal <= 128 MiB)\n", maxrss / 1024
  }'
