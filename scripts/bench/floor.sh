#!/usr/bin/env bash
# scripts/bench/floor.sh - issue 18's reconcile goal: `settle ingest` +
# `settle reconcile` on settle's real schema against the database floor of
# ../shared/bench (a minimal payments table, COPY, one UPDATE, one INSERT:
# sql_floor_setup.sql, then sql_floor.sql timed), on the same titles, in
# alternating rounds, each on a fresh database. Prints every round, then the
# median ratio with its range (goal <= 1.5x), the WAL each side wrote
# (pg_current_wal_lsn() before and after, so other databases' writes in
# the throwaway cluster count too: nothing else runs there), settle's
# ingest and reconcile shares, and the CPU each side used (the cluster's
# processes, from /proc, plus the client's): on a machine shared with other
# work the CPU ratio is the steadier figure, the time's is the goal's.
#
# SIZES="60000 120000 ..." runs several sizes (titles; payments are twice as
# many, half of them paid long ago), default 480000; ROUNDS=N rounds per size
# (default 3); FLOOR_DIR the floor's scripts (default ../shared/bench, or
# /work/shared/bench). BEFORE=PATH another settle binary (e.g. the previous
# commit's, with its own migrations) measured in the same rounds, on its own
# template database, so that a change is compared before/after under the
# same load: each round runs the three in a rotating order and the summary
# adds settle's median time relative to BEFORE's.
#
# AS_JOB=1 (the default since 2026-12-01): settle (and BEFORE) run as
# settle_bench_job, a LOGIN member of settle_job, as in production
# (docs/operations.md, "First deploy"), so the restricted triggers' full
# checks (sql/009, 013, 025) are in the figures; AS_JOB=0: as the cluster's
# superuser, for which those checks return at once (the figures before).
AS_JOB=${AS_JOB:-1}
[ "$AS_JOB" = 1 ] || AS_JOB=""
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
SETTLE=${SETTLE:-$top/bin/settle}
SIZES=${SIZES:-480000}
ROUNDS=${ROUNDS:-3}
FLOOR_DIR=${FLOOR_DIR:-$top/../shared/bench}
[ -f "$FLOOR_DIR/sql_floor.sql" ] || FLOOR_DIR=/work/shared/bench
[ -f "$FLOOR_DIR/sql_floor.sql" ] || { echo "floor.sh: no sql_floor.sql (set FLOOR_DIR)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/settle-floor.XXXXXX")
trap 'rm -rf "$work"' EXIT

base=$(scripts/pg start)
server=${base% dbname=settle}
admin="$server dbname=postgres"
q() { PGOPTIONS="-c client_min_messages=warning" psql "$@" -qtAX -v ON_ERROR_STOP=1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
lsn() { q "$admin" -c "SELECT pg_current_wal_lsn()"; }
wal_mib() { q "$admin" -c "SELECT round(pg_wal_lsn_diff('$2', '$1') / 1048576.0, 1)"; }
# CPU seconds the cluster has used so far (the postmaster, its children alive
# and the ones it has reaped), once the sessions of database $1 have ended.
# On a shared machine the wall clock depends on everyone else's load; the
# CPU each side needs far less, so its ratio is printed beside the time's.
pm=$(head -n 1 "$(q "$admin" -c 'SHOW data_directory')/postmaster.pid")
hz=$(getconf CLK_TCK)
db_cpu() {
  local i t f p
  for i in $(seq 200); do
    [ "$(q "$admin" -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$1'")" = 0 ] && break
    sleep 0.05
  done
  sleep 0.2
  read -r -a f < <(sed 's/.*) //' "/proc/$pm/stat")
  t=$((f[11] + f[12] + f[13] + f[14]))
  for p in /proc/[0-9]*/stat; do
    read -r -a f < <(sed 's/.*) //' "$p" 2>/dev/null) || continue
    [ "${f[1]:-}" = "$pm" ] && t=$((t + f[11] + f[12]))
  done
  echo "$t"
}
cpu_s() { awk -v a="$1" -v b="$2" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }'; }
# run "$@" (stdout discarded) and add its user + system seconds to client_cpu
client_cpu=0
run_cpu() {
  local t
  t=$( { TIMEFORMAT='%3U %3S'; time "$@" >/dev/null 2>&4; } 4>&2 2>&1 )
  client_cpu=$(awk -v c="$client_cpu" -v t="$t" 'BEGIN { split(t, a, " "); printf "%.2f", c + a[1] + a[2] }')
}
make -s tools >/dev/null
gen=$top/build/tests/tools/gencnab240

fresh() {
  q "$admin" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1 ${2:+TEMPLATE $2}" -c "CHECKPOINT"
  sync
}

floor_round() {
  fresh settle_floor
  (cd "$work" && q "$server dbname=settle_floor" -f "$FLOOR_DIR/sql_floor_setup.sql" >/dev/null)
  q "$admin" -c "CHECKPOINT"; sync
  local t0 t1 l0 l1 c0 c1
  client_cpu=0
  c0=$(db_cpu settle_floor); l0=$(lsn); t0=$(now)
  (cd "$work" && run_cpu q "$server dbname=settle_floor" -f "$FLOOR_DIR/sql_floor.sql")
  t1=$(now); c1=$(db_cpu settle_floor); l1=$(lsn)
  floor_s=$(elapsed "$t0" "$t1"); floor_wal=$(wal_mib "$l0" "$l1")
  floor_cpu=$(awk -v a="$(cpu_s "$c0" "$c1")" -v b="$client_cpu" 'BEGIN { printf "%.2f", a + b }')
  floor_paid=$(q "$server dbname=settle_floor" -c "SELECT count(*) FROM invoice_requests")
}

# settle_round BINARY TEMPLATE: ingest + reconcile on a fresh copy of TEMPLATE;
# sets settle_s, ingest_s, reconcile_s, ingest_wal, reconcile_wal, settle_paid
settle_round() {
  fresh settle_floor_run "$2"
  local t0 t1 t2 t3 l0 l1 l2 c0 c1 c2
  client_cpu=0
  c0=$(db_cpu settle_floor_run); l0=$(lsn); t0=$(now)
  SETTLE_CONFIG=$work/run.conf run_cpu "$1" -q ingest "$work/BENCH.RET"
  t1=$(now); c1=$(db_cpu settle_floor_run); l1=$(lsn); t2=$(now)
  SETTLE_CONFIG=$work/run.conf run_cpu "$1" -q reconcile
  t3=$(now); c2=$(db_cpu settle_floor_run); l2=$(lsn)
  ingest_s=$(elapsed "$t0" "$t1"); reconcile_s=$(elapsed "$t2" "$t3")
  settle_s=$(awk -v a="$ingest_s" -v b="$reconcile_s" 'BEGIN { printf "%.2f", a + b }')
  ingest_wal=$(wal_mib "$l0" "$l1"); reconcile_wal=$(wal_mib "$l1" "$l2")
  settle_cpu=$(awk -v a="$(cpu_s "$c0" "$c2")" -v b="$client_cpu" 'BEGIN { printf "%.2f", a + b }')
  settle_paid=$(q "$server dbname=settle_floor_run" -c "SELECT count(*) FROM invoice_requests")
}
after_round() {
  settle_round "$SETTLE" settle_floor_tpl
  after_s=$settle_s after_ingest_s=$ingest_s after_reconcile_s=$reconcile_s after_cpu=$settle_cpu
  after_ingest_wal=$ingest_wal after_wal=$reconcile_wal after_paid=$settle_paid
}
before_round() {
  settle_round "$BEFORE" settle_floor_tpl_b
  before_s=$settle_s before_ingest_s=$ingest_s before_reconcile_s=$reconcile_s before_wal=$reconcile_wal
  before_cpu=$settle_cpu
  before_paid=$settle_paid
}

# template NAME BINARY N: NAME migrated by BINARY, with the 2N payments
template() {
  q "$admin" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
  printf '[database]\nconninfo = %s dbname=%s\n[spool]\ndir = %s/spool\n' "$server" "$1" "$work" >"$work/tpl.conf"
  SETTLE_CONFIG=$work/tpl.conf "$2" -q migrate >/dev/null
  q "$server dbname=$1" \
    -c "\copy payments (id, order_id, method, amount_cents, due_on, status, bank_code, nosso_numero) FROM '$work/payments.csv' WITH (FORMAT csv, HEADER)" \
    -c "INSERT INTO payments (id, order_id, method, amount_cents, due_on, status, bank_code, nosso_numero, paid_at, paid_cents)
        SELECT i, 'OLD' || i, 'boleto', 1000 + i % 9973, DATE '2026-11-05', 'paid', '001', '1234568' || lpad(i::text, 10, '0'),
               TIMESTAMPTZ '2026-11-06 10:00Z', 1000 + i % 9973
          FROM generate_series($3 + 1, $((2 * $3))) i" \
    -c "VACUUM ANALYZE payments"
}

BEFORE=${BEFORE:-}
[ -z "$BEFORE" ] || [ -x "$BEFORE" ] || { echo "floor.sh: BEFORE=$BEFORE is not an executable" >&2; exit 1; }
summary=$work/summary
: >"$summary"
for n in $SIZES; do
  echo "== $n titles, $((2 * n)) payments, settle as $([ -n "${AS_JOB:-}" ] && echo "settle_bench_job (a member of settle_job)" || echo "the superuser (AS_JOB=0)"): writing the CNAB 240 file and the template database"
  "$gen" --titles "$n" --out "$work/BENCH.RET" --payments "$work/payments.csv"
  # the floor's inputs (../shared/bench/README.md): payments.csv with a
  # header; settle.csv = T 38-57, U 78-92, U 18-32, line
  awk -F, 'NR == 1 { print "nosso_numero,amount_cents,due_on,status"; next } { print $8 "," $4 "," $5 "," $6 }' \
    "$work/payments.csv" >"$work/floor_payments.csv"
  awk 'substr($0, 14, 1) == "T" { nn = substr($0, 38, 20); sub(/ +$/, "", nn) }
       substr($0, 14, 1) == "U" { printf "%s,%d,%d,%d\n", nn, substr($0, 78, 15) + 0, substr($0, 18, 15) + 0, NR }' \
    "$work/BENCH.RET" >"$work/settle.csv"
  mv "$work/floor_payments.csv" "$work/payments.csv.floor"
  run_user=; [ -z "${AS_JOB:-}" ] || run_user=" user=settle_bench_job"
  printf '[database]\nconninfo = %s dbname=settle_floor_run%s\n[spool]\ndir = %s/spool\n' "$server" "$run_user" "$work" >"$work/run.conf"
  template settle_floor_tpl "$SETTLE" "$n"
  [ -z "$BEFORE" ] || template settle_floor_tpl_b "$BEFORE" "$n"
  # (settle_job exists once a template is migrated; roles are the cluster's)
  [ -z "${AS_JOB:-}" ] || q "$admin" -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'settle_bench_job')
      THEN CREATE ROLE settle_bench_job LOGIN IN ROLE settle_job; END IF; END \$\$"
  cp "$work/payments.csv" "$work/payments.csv.settle"
  cp "$work/payments.csv.floor" "$work/payments.csv"
  printf '%-6s %8s %9s %9s %11s %7s %10s %9s %12s %9s %10s %9s' round floor_s settle_s ingest_s reconcile_s ratio \
    floor_WAL ingest_WAL reconcile_WAL floor_cpu settle_cpu cpu_ratio
  [ -z "$BEFORE" ] && echo || printf ' %9s %9s %12s %7s %9s %10s %9s\n' before_s ingest_s reconcile_s ratio WAL before_cpu cpu_ratio
  : >"$work/rounds"
  : >"$work/before"
  for r in $(seq "$ROUNDS"); do
    # rotate which side goes first
    if [ -z "$BEFORE" ]; then
      if [ $((r % 2)) = 1 ]; then floor_round; after_round; else after_round; floor_round; fi
    else
      case $((r % 3)) in
        1) floor_round; before_round; after_round ;;
        2) after_round; floor_round; before_round ;;
        0) before_round; after_round; floor_round ;;
      esac
      [ "$floor_paid" = "$before_paid" ] || { echo "MISMATCH: floor paid $floor_paid, before paid $before_paid" >&2; exit 1; }
    fi
    settle_s=$after_s ingest_s=$after_ingest_s reconcile_s=$after_reconcile_s settle_cpu=$after_cpu
    ingest_wal=$after_ingest_wal reconcile_wal=$after_wal settle_paid=$after_paid
    [ "$floor_paid" = "$settle_paid" ] || { echo "MISMATCH: floor paid $floor_paid, settle paid $settle_paid" >&2; exit 1; }
    ratio=$(awk -v a="$settle_s" -v b="$floor_s" 'BEGIN { printf "%.2f", a / b }')
    cratio=$(awk -v a="$settle_cpu" -v b="$floor_cpu" 'BEGIN { printf "%.2f", a / b }')
    echo "$ratio $floor_s $settle_s $ingest_s $reconcile_s $floor_wal $ingest_wal $reconcile_wal $cratio $floor_cpu $settle_cpu" \
      >>"$work/rounds"
    printf '%-6s %8s %9s %9s %11s %6sx %8sM %8sM %11sM %9s %10s %8sx' "$r" "$floor_s" "$settle_s" "$ingest_s" "$reconcile_s" \
      "$ratio" "$floor_wal" "$ingest_wal" "$reconcile_wal" "$floor_cpu" "$settle_cpu" "$cratio"
    if [ -z "$BEFORE" ]; then echo; continue; fi
    bratio=$(awk -v a="$before_s" -v b="$floor_s" 'BEGIN { printf "%.2f", a / b }')
    bcratio=$(awk -v a="$before_cpu" -v b="$floor_cpu" 'BEGIN { printf "%.2f", a / b }')
    echo "$bratio $before_s $before_ingest_s $before_reconcile_s $before_wal $settle_s $bcratio $before_cpu $settle_cpu" \
      >>"$work/before"
    printf ' %9s %9s %12s %6sx %8sM %10s %8sx\n' "$before_s" "$before_ingest_s" "$before_reconcile_s" "$bratio" \
      "$before_wal" "$before_cpu" "$bcratio"
  done
  sort -n "$work/rounds" | awk -v n="$n" '
    { row[NR] = $0 } END {
      split(row[int((NR + 1) / 2)], m, " "); split(row[1], lo, " "); split(row[NR], hi, " ")
      printf "%d titles: median ratio %.2fx (rounds %.2f-%.2fx; goal <= 1.5x): floor %.2f s, settle %.2f s (ingest %.2f, reconcile %.2f); WAL floor %s MiB, ingest %s MiB, reconcile %s MiB\n",
        n, m[1], lo[1], hi[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
    }' | tee -a "$summary"
  c=$(awk -v col=9 -f scripts/bench/median.awk "$work/rounds")
  printf '%d titles: CPU (database + client) median ratio %s (rounds %s-%s)\n' "$n" $c | tee -a "$summary"
  if [ -n "$BEFORE" ]; then
    b=$(awk -f scripts/bench/median.awk "$work/before")
    after_vs=$(awk '{ printf "%.3f\n", $6 / $2 }' "$work/before" | awk -f scripts/bench/median.awk)
    printf '%d titles, BEFORE (%s): median ratio %.2fx (rounds %.2f-%.2fx); settle/BEFORE per round: median %s (range %s-%s)\n' \
      "$n" "$BEFORE" $b $after_vs | tee -a "$summary"
    b=$(awk -v col=7 -f scripts/bench/median.awk "$work/before")
    after_vs=$(awk '{ printf "%.3f\n", $9 / $8 }' "$work/before" | awk -f scripts/bench/median.awk)
    printf '%d titles, BEFORE: CPU median ratio %s (rounds %s-%s); settle/BEFORE CPU per round: median %s (range %s-%s)\n' \
      "$n" $b $after_vs | tee -a "$summary"
  fi
  cp "$work/payments.csv.settle" "$work/payments.csv"
done
for db in settle_floor settle_floor_run settle_floor_tpl settle_floor_tpl_b; do q "$admin" -c "DROP DATABASE IF EXISTS $db"; done
echo "== summary"
cat "$summary"
