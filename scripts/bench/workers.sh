#!/usr/bin/env bash
# scripts/bench/workers.sh - several settle workers over many files, through
# the database: `settle ingest` and `settle reconcile` run as 1 and as 2
# concurrent processes over the same spool and database, and the final
# state is checked to be exactly the same with nothing done twice.
#
#   WORKERS_FILES (16) files of WORKERS_TITLES (20000) titles each, distinct
#   titles, all matching pending payments (plus as many unrelated ones).
# Prints wall time per phase, settlements/s and the 2-worker speedup.
# docs/scaling.md quotes its figures.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
SETTLE=${SETTLE:-$top/bin/settle}
make --no-print-directory tools >/dev/null
gen=build/tests/tools/gencnab240
files=${WORKERS_FILES:-16}
titles=${WORKERS_TITLES:-20000}
total=$((files * titles))

base=$(scripts/pg start)
server=${base% dbname=settle}
admin="$server dbname=postgres"
q() { psql "$1" -qtAX -v ON_ERROR_STOP=1 "${@:2}"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "generating $files files of $titles titles ($total settlements)"
mkdir -p "$work/files"
: >"$work/payments.csv"
for k in $(seq 0 $((files - 1))); do
  "$gen" --titles "$titles" --first $((1 + k * titles)) --out "$work/files/RET$(printf %03d "$k").ret" \
    --payments "$work/p.csv" --extra-payments "$([ "$k" -eq $((files - 1)) ] && echo "$total" || echo 0)"
  tail -n +2 "$work/p.csv" >>"$work/payments.csv"
done

now() { date +%s.%N; }
run_with() {
  local w=$1 db=settle_bench_workers_$1
  q "$admin" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
  local conf=$work/w$w.conf spool=$work/spool$w
  mkdir -p "$spool/incoming/bank"
  cp "$work"/files/*.ret "$spool/incoming/bank/"
  printf '[database]\nconninfo = %s dbname=%s\n[spool]\ndir = %s\n[ingest]\nmin_age_seconds = 0\n' "$server" "$db" "$spool" >"$conf"
  SETTLE_CONFIG=$conf "$SETTLE" -q migrate >/dev/null
  q "$server dbname=$db" -c "\\copy payments (id, order_id, method, amount_cents, due_on, status, bank_code, nosso_numero) FROM '$work/payments.csv' CSV"
  q "$server dbname=$db" -c "ANALYZE payments" >/dev/null
  local t0 t1 t2 pids
  t0=$(now)
  pids=(); for _ in $(seq "$w"); do SETTLE_CONFIG=$conf "$SETTLE" -q ingest & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p"; done
  t1=$(now)
  pids=(); for _ in $(seq "$w"); do SETTLE_CONFIG=$conf "$SETTLE" -q reconcile & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p"; done
  t2=$(now)
  local check
  check=$(q "$server dbname=$db" -c "SELECT (SELECT count(*) FROM settlements) || ' ' ||
      (SELECT count(DISTINCT natural_key) FROM settlements) || ' ' ||
      (SELECT count(*) FROM payments WHERE status = 'paid') || ' ' ||
      (SELECT count(*) FROM invoice_requests) || ' ' ||
      (SELECT count(*) FROM exceptions) || ' ' ||
      (SELECT count(*) FROM return_files WHERE status = 'reconciled')")
  local want="$total $total $total $total 0 $files"
  if [ "$check" != "$want" ]; then
    echo "FAIL with $w workers: settlements, distinct keys, paid, invoice requests, exceptions, files = $check; expected $want" >&2
    exit 1
  fi
  printf '%s %s %s\n' "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" "$(echo "$t2 - $t0" | bc)"
  q "$admin" -c "DROP DATABASE IF EXISTS $db" >/dev/null
}

command -v bc >/dev/null || { echo "bench: needs bc (scripts/bootstrap installs it)" >&2; exit 69; }
read -r i1 r1 a1 < <(run_with 1)
read -r i2 r2 a2 < <(run_with 2)
printf '%-10s %10s %12s %10s %14s\n' workers ingest_s reconcile_s total_s settlements/s
printf '%-10s %10.2f %12.2f %10.2f %14.0f\n' 1 "$i1" "$r1" "$a1" "$(echo "$total / $a1" | bc -l)"
printf '%-10s %10.2f %12.2f %10.2f %14.0f\n' 2 "$i2" "$r2" "$a2" "$(echo "$total / $a2" | bc -l)"
printf 'speedup with 2 workers: %.2fx (same final state, nothing done twice: %d settlements, %d paid, %d invoice requests)\n' \
  "$(echo "$a1 / $a2" | bc -l)" "$total" "$total" "$total"
echo "cores: $(nproc) (PostgreSQL runs on the same machine)"
