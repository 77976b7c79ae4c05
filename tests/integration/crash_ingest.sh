#!/usr/bin/env bash
# crash_ingest.sh - kill -9 settle ingest at named points and at random
# moments, re-run it, and compare the database and the spool with what an
# uninterrupted run leaves.
# test: slow (scripts/run-tests starts it first, so it does not end the run alone)
. "$(dirname "$0")/../lib.sh"

gen=$T_TOP/tests/tools/cnab240-gen
titles() { awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++)
  printf "06|1234567%010d|PED-%d|%d|%d|0|0|0|27112026\n", i, i, 1000 + i, 1000 + i }'; }
titles 1 3000 | "$gen" 001 >"$T_TMP/A.RET"
titles 1501 4500 | "$gen" 001 >"$T_TMP/B.RET"
titles 1 5 | "$gen" 001 | head -n 7 >"$T_TMP/C.RET"

setup() {
  t_newdb
  rm -rf "$T_TMP/spool"
  t_config "$T_TMP/settle.conf"
  export SETTLE_CONFIG=$T_TMP/settle.conf
  "$SETTLE" -q migrate >/dev/null
  mkdir -p "$T_TMP/spool/incoming/bb"
  cp "$T_TMP/A.RET" "$T_TMP/B.RET" "$T_TMP/C.RET" "$T_TMP/spool/incoming/bb/"
  cp "$T_TMP/A.RET" "$T_TMP/spool/incoming/bb/Z.RET"
}

dump_raw() {
  t_sql "
  SELECT 'file', source, name, status, records, duplicates, format, bank_code, error FROM return_files ORDER BY name, status;
  SELECT 'settlement', f.name, s.line, s.natural_key, s.amount_paid_cents FROM settlements s JOIN return_files f ON f.id = s.file_id ORDER BY 2, 3;
  SELECT 'duplicate', f.name, d.line, d.natural_key, s.natural_key FROM settlement_duplicates d
    JOIN return_files f ON f.id = d.file_id JOIN settlements s ON s.id = d.settlement_id ORDER BY 2, 3;"
  (cd "$T_TMP/spool" && find . -type f | sort && cat rejected/*/*.error)
}
# File ids come from a sequence a killed transaction may have advanced:
# compare them as "#N".
dump() { dump_raw | sed -E 's/#[0-9]+/#N/g'; }

setup
"$SETTLE" -q ingest 2>/dev/null
dump >"$T_TMP/reference"
t_check "reference: B's overlap listed as duplicates" grep -q '^duplicate|B.RET' "$T_TMP/reference"
t_check "reference: C rejected" grep -q '^./rejected/bb/C.RET.error' "$T_TMP/reference"

trials=0
for point in ingest:copied ingest:before-commit ingest:committed ingest:rejected-committed; do
  setup
  mark=$T_TMP/paused.$RANDOM
  SETTLE_TEST_PAUSE_AT=$point SETTLE_TEST_PAUSE_FILE=$mark "$SETTLE" -q ingest 2>/dev/null & pid=$!
  t_check "paused at $point" t_wait_file "$mark"
  kill -9 $pid; wait $pid 2>/dev/null
  "$SETTLE" -q ingest 2>/dev/null
  dump >"$T_TMP/after"
  t_check "killed at $point, re-run: same database and spool as the uninterrupted run" cmp -s "$T_TMP/reference" "$T_TMP/after"
  cmp -s "$T_TMP/reference" "$T_TMP/after" || diff "$T_TMP/reference" "$T_TMP/after" | head -5 | sed 's/^/# /'
  trials=$((trials + 1))
done

for trial in 1 2 3; do
  setup
  for _ in 1 2; do
    "$SETTLE" -q ingest 2>/dev/null & pid=$!
    sleep "0.$(printf '%03d' $((RANDOM % 300)))"
    kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
  done
  "$SETTLE" -q ingest 2>/dev/null
  dump >"$T_TMP/after"
  t_check "random kill trial $trial, re-run: same database and spool" cmp -s "$T_TMP/reference" "$T_TMP/after"
  cmp -s "$T_TMP/reference" "$T_TMP/after" || diff "$T_TMP/reference" "$T_TMP/after" | head -5 | sed 's/^/# /'
  trials=$((trials + 1))
done
# A temporary .error a killed ingest left behind (.NAME.error.PID, its
# process gone) is removed by the next run; a live process's is kept.
setup
"$SETTLE" -q ingest 2>/dev/null
mkdir -p "$T_TMP/spool/rejected/bb"
sleep 30 & live=$!
: >"$T_TMP/spool/rejected/bb/.C.RET.error.4194300"
: >"$T_TMP/spool/rejected/bb/.C.RET.error.$live"
"$SETTLE" -q ingest 2>/dev/null
t_check "a dead process's temporary .error is removed" test ! -e "$T_TMP/spool/rejected/bb/.C.RET.error.4194300"
t_check "a live process's is kept" test -e "$T_TMP/spool/rejected/bb/.C.RET.error.$live"
kill $live 2>/dev/null; wait $live 2>/dev/null
echo "# crash trials: $trials"
t_done
