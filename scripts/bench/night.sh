#!/usr/bin/env bash
# scripts/bench/night.sh - a whole night: `settle run` (fetch over SFTP from
# the throwaway sshd, ingest, reconcile, export, report) on one CNAB 240
# return of TITLES (480,000) titles (~231 MB, tests/tools/gencnab240)
# against as many pending payments plus as many unrelated ones, each round
# on a fresh copy of the same template database and an empty spool (the
# source's previous listing kept, as on a real night: the file was already
# listed the night before).
#
# ROUNDS (3) rounds; for each, the seconds of every step from the run's own
# log (`step finished ... ms=`), and each step's share of the night. Then
# the medians and ranges of each step and of the whole run. Step figures
# come from the same runs, so the shares add up to the night.
#
#   TITLES=120000 ROUNDS=3 scripts/bench/night.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
SETTLE=${SETTLE:-$top/bin/settle}
TITLES=${TITLES:-480000}
ROUNDS=${ROUNDS:-3}
med() { awk -v col="$2" -f "$top/scripts/bench/median.awk" "$1"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/settle-bench-night.XXXXXX")
export SETTLE_SSHD_DIR=$work/sshd
unset SETTLE_FETCH_SETTLE_MS
base=$(scripts/pg start)
server=${base% dbname=settle}
admin="$server dbname=postgres"
tpl=settle_bench_night_tpl_$$ db=settle_bench_night_$$
q() { PGOPTIONS="-c client_min_messages=warning" psql "$@" -qtAX -v ON_ERROR_STOP=1; }
cleanup() {
  scripts/sshd stop >/dev/null 2>&1 || true
  q "$admin" -c "DROP DATABASE IF EXISTS $db" -c "DROP DATABASE IF EXISTS $tpl" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

make -s tools >/dev/null
mkdir -p "$work/root/in"
echo "writing a CNAB 240 return of $TITLES titles and its pending payments (tests/tools/gencnab240)"
build/tests/tools/gencnab240 --titles "$TITLES" --out "$work/root/in/RET$(date +%Y%m%d).RET" \
  --payments "$work/payments.csv" --extra-payments "$TITLES"
scripts/sshd start "$work/root" >/dev/null
# shellcheck disable=SC1091
. "$SETTLE_SSHD_DIR/env"

conf() { # conf DBNAME
  cat <<CONF
[database]
conninfo = $server dbname=$1
[spool]
dir = $work/spool
[ingest]
min_age_seconds = 0
[export]
batch_size = 1000
[source bank]
host = 127.0.0.1
port = $port
user = $user
identity = $identity
known_hosts = $known_hosts
remote_dir = in
pattern = \\.RET\$
bank = 001
min_age_seconds = 0
CONF
}
conf "$tpl" >"$work/tpl.conf"
conf "$db" >"$work/run.conf"
echo "building the template database: $((2 * TITLES)) pending payments, $TITLES of them matching"
q "$admin" -c "DROP DATABASE IF EXISTS $tpl" -c "CREATE DATABASE $tpl"
SETTLE_CONFIG=$work/tpl.conf "$SETTLE" -q migrate >/dev/null
q "$server dbname=$tpl" \
  -c "\\copy payments (id, order_id, method, amount_cents, due_on, status, bank_code, nosso_numero) FROM '$work/payments.csv' WITH (FORMAT csv, HEADER)" \
  -c "VACUUM ANALYZE payments"
# the previous night: the source listed once (state/bank.listing), so
# tonight's fetch takes the file on one listing; then forgotten by the
# template's registry, so every round downloads it
SETTLE_CONFIG=$work/tpl.conf "$SETTLE" -q fetch >/dev/null
q "$server dbname=$tpl" -c "DELETE FROM fetched_files" >/dev/null
sleep 2 # the previous listing is older than the settle interval, as a night is

steps="fetch ingest reconcile export report"
: >"$work/rounds"
printf '%-6s %8s' round total_s; for s in $steps; do printf ' %10s' "${s}_s"; done; printf '\n'
for r in $(seq "$ROUNDS"); do
  q "$admin" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db TEMPLATE $tpl" -c "CHECKPOINT" >/dev/null
  find "$work/spool" -mindepth 1 -maxdepth 1 ! -name state -exec rm -rf {} +
  sync
  t0=$(date +%s%N)
  rc=0
  SETTLE_CONFIG=$work/run.conf "$SETTLE" -v run >"$work/run.out" 2>&1 || rc=$?
  t1=$(date +%s%N)
  [ "$rc" -eq 0 ] || { echo "settle run exited $rc:" >&2; grep -E 'ERROR|result:' "$work/run.out" | head >&2; exit 1; }
  paid=$(q "$server dbname=$db" -c "SELECT count(*) FROM invoice_requests")
  [ "$paid" -eq "$TITLES" ] || { echo "expected $TITLES invoice requests, found $paid" >&2; exit 1; }
  line=$(awk -v total=$(((t1 - t0) / 1000000)) -v steps="$steps" '
    /step finished/ { s = ""; ms = ""
      for (i = 1; i <= NF; i++) { if ($i ~ /^step=/) s = substr($i, 6); if ($i ~ /^ms=/) ms = substr($i, 4) }
      t[s] = ms }
    END { n = split(steps, st, " "); printf "%.3f", total / 1000; for (i = 1; i <= n; i++) printf " %.3f", t[st[i]] / 1000; printf "\n" }' "$work/run.out")
  echo "$line" >>"$work/rounds"
  echo "$line" | awk -v r="$r" '{ printf "%-6s %8.2f", r, $1; for (i = 2; i <= NF; i++) printf " %10.2f", $i; printf "\n" }'
done

echo "medians [ranges] over $ROUNDS rounds; share = the step's median / the run's median:"
read -r tm tl th < <(med "$work/rounds" 1)
printf '%-10s %8.2f s [%.2f-%.2f]\n' "settle run" "$tm" "$tl" "$th"
col=2
for s in $steps; do
  read -r m l h < <(med "$work/rounds" "$col")
  printf '  %-9s %8.2f s [%.2f-%.2f]  %5.1f%%\n' "$s" "$m" "$l" "$h" "$(awk -v a="$m" -v b="$tm" 'BEGIN { print 100 * a / b }')"
  col=$((col + 1))
done
awk -v n="$TITLES" -v t="$tm" 'BEGIN { printf "  (the rest: start, lock, run records)\n%d titles in %.2f s: %.0f titles/s for the whole night\n", n, t, n / t }'
