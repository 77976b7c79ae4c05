#!/usr/bin/env bash
# faults_alloc_stages.sh - the stage engines under allocation failure
# (issue 17): ingest_run() and reconcile_run() against the real PostgreSQL
# with the Nth allocation of libsettle.a refused (N sampled over the whole
# run), through tests/integration/drivers/oom_stage.c (linked with --wrap,
# tests/support/failalloc.h). After each such run a normal `settle` run
# finishes the work, and the result must be exactly that of a run that
# never failed: no crash, no file lost or rejected for want of memory, no
# settlement loaded twice, no payment paid twice; and a refused allocation
# is never reported as success with less done.
# test: slow (scripts/run-tests starts it first, so it does not end the run alone)
. "$(dirname "$0")/../lib.sh"
BUILD=${BUILD:-$T_TOP/build}
drv=$T_TMP/oom_stage
san=""
case "$BUILD" in *asan*) san="-fsanitize=address,undefined" ;; esac
cc $san -std=gnu11 -D_GNU_SOURCE -I"$T_TOP" $(pkg-config --cflags libpq json-c) -o "$drv" \
  -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc -Wl,--wrap=strdup -Wl,--wrap=strndup \
  "$T_TOP/tests/integration/drivers/oom_stage.c" "$BUILD/libsettle.a" \
  $(pkg-config --libs libpq libpcre2-8 libssh2 zlib libcrypto inih libcurl json-c) -lcsv $san
t_check "driver builds" test -x "$drv" || t_done

gen=$T_TOP/tests/tools/cnab240-gen
titles() { awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++)
  printf "06|1234567%010d|PED-%d|%d|%d|0|0|0|27112026\n", i, i, 1000 + i, 1000 + i + (i % 7 == 0) }'; }

# A template database (migrated, 60 pending payments) copied for every trial.
t_newdb
tmpl=$T_DB
t_sql "INSERT INTO payments (id, order_id, method, amount_cents, bank_code, nosso_numero)
       SELECT i, 'PED-' || i, 'boleto', 1000 + i, '001', '1234567' || lpad(i::text, 10, '0')
         FROM generate_series(1, 60) i" >/dev/null
mkdir -p "$T_TMP/files"
titles 1 25 | "$gen" 001 >"$T_TMP/files/A.RET"
titles 20 45 | "$gen" 001 >"$T_TMP/files/B.RET"   # overlaps A: duplicates
titles 46 60 | "$gen" 001 >"$T_TMP/files/C.RET"
n_db=0
# fresh TEMPLATE SPOOL: a copy of database TEMPLATE and of spool SPOOL
fresh() {
  n_db=$((n_db + 1))
  local db="${tmpl}_c$n_db"
  psql "$(t_conninfo postgres)" -qtAc "CREATE DATABASE \"$db\" TEMPLATE \"$1\"" >/dev/null
  T_DBS+=("$db")
  T_CONN=$(t_conninfo "$db")
  T_JOB_CONN=$(t_as settle_test_job "$T_CONN")
  rm -rf "$T_TMP/spool"
  cp -a "$2" "$T_TMP/spool"
  t_config "$T_TMP/settle.conf"
}
# what a night leaves: files by status, settlements, payments, exceptions, spool places
state() {
  # (which of two overlapping files counts the shared records as duplicates
  # depends on the order they were loaded in: the total is what must hold)
  # (one psql for the three queries, a line each: this runs twice a trial)
  psql "$T_CONN" -qtAX -v ON_ERROR_STOP=1 \
    -c "SELECT string_agg(concat_ws(':', name, status, records), ' ' ORDER BY name), sum(duplicates) FROM return_files" \
    -c "SELECT count(*), count(DISTINCT natural_key) FROM settlements" \
    -c "SELECT count(*) FILTER (WHERE status = 'paid'), (SELECT count(*) FROM invoice_requests),
                (SELECT count(*) FROM invoice_requests) - (SELECT count(DISTINCT payment_id) FROM invoice_requests),
                (SELECT string_agg(reason, ',' ORDER BY reason, payment_id) FROM exceptions)
           FROM payments"
  (cd "$T_TMP/spool" && find . -type f ! -name '*.error' | sort | tr '\n' ' ')
}
# finish STAGE: what a normal night does from here on
finish() {
  "$SETTLE" -q --config "$T_TMP/settle.conf" "$1" >/dev/null 2>"$T_TMP/finish.err"
  [ "$1" = ingest ] && "$SETTLE" -q --config "$T_TMP/settle.conf" reconcile >/dev/null 2>>"$T_TMP/finish.err"
  return 0
}
# trial STAGE TEMPLATE SPOOL N: the stage with allocation N refused, then a normal run
trial() {
  local stage=$1 n=$4 out
  fresh "$2" "$3"
  out=$("$drv" "$T_TMP/settle.conf" "$stage" "$n" 2>"$T_TMP/trial.err")
  case $out in
    allocs=*) ;;
    *) t_fail "$stage, allocation $n refused: the driver crashed ($(tail -n 3 "$T_TMP/trial.err" | tr '\n' ' '))"; return ;;
  esac
  local refused=${out#*refused=}; refused=${refused%% *}
  local rc=${out##*rc=}
  if [ "$refused" -gt 0 ] && [ "$rc" = 0 ] && [ "$(state)" != "$clean_stage" ]; then
    t_fail "$stage, allocation $n refused: exit 0 with less done"
  fi
  finish "$stage"
  local got; got=$(state)
  if [ "$got" = "$clean" ]; then
    trials_ok=$((trials_ok + 1))
  else
    t_fail "$stage, allocation $n of $total refused (exit $rc), then a normal run: the night differs"
    diff <(echo "$clean") <(echo "$got") | sed 's/^/#   /'
    sed 's/^/#   trial: /' "$T_TMP/trial.err" | head -n 5
  fi
}
samples() { # N values over 1..$1: the first five, then about 12 spread to the end
  local total=$1 i
  for i in 1 2 3 4 5; do [ "$i" -le "$total" ] && echo "$i"; done
  for i in $(seq 1 12); do echo $(( 5 + (total - 5) * i / 12 )); done | awk '$1 > 5' | sort -nu
}

# Spools: the three files waiting; the same after a clean ingest.
mkdir -p "$T_TMP/spool.waiting/incoming/bb"
cp "$T_TMP/files/"*.RET "$T_TMP/spool.waiting/incoming/bb/"
fresh "$tmpl" "$T_TMP/spool.waiting"
"$SETTLE" -q --config "$T_TMP/settle.conf" ingest >/dev/null 2>&1
ingested=${tmpl}_c$n_db
rm -rf "$T_TMP/spool.ingested"; cp -a "$T_TMP/spool" "$T_TMP/spool.ingested"

for stage in ingest reconcile; do
  if [ "$stage" = ingest ]; then from=$tmpl; sp=$T_TMP/spool.waiting; else from=$ingested; sp=$T_TMP/spool.ingested; fi
  # the clean stage, the clean night, and the number of allocations the stage makes
  fresh "$from" "$sp"
  out=$("$drv" "$T_TMP/settle.conf" "$stage" 999999999 2>/dev/null)
  t_eq "$stage: a clean run exits 0" "rc=0" "${out##* }"
  total=${out#allocs=}; total=${total%% *}
  clean_stage=$(state)
  finish "$stage"
  clean=$(state)
  t_check "$stage: the clean night paid payments and queued invoices ($(echo "$clean" | sed -n 3p))" \
    test "$(echo "$clean" | sed -n 3p | cut -d'|' -f1)" -gt 0
  t_check "$stage makes allocations to refuse (${total:-?})" test "${total:-0}" -gt 10
  trials_ok=0; trials=0
  for n in $(samples "${total:-0}"); do
    trials=$((trials + 1))
    trial "$stage" "$from" "$sp" "$n"
  done
  t_eq "$stage: every trial ($trials) ends in the clean night" "$trials" "$trials_ok"
done
t_done
