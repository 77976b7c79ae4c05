#!/usr/bin/env bash
# faults_pg.sh - PostgreSQL stopped with `pg_ctl stop -m immediate` in the
# middle of `settle run` (paused by the test hook inside reconcile, then
# going on): the run ends with 69 and says the database is unavailable;
# after a restart the next run completes, with the same final state as an
# uninterrupted run. Uses its own throwaway cluster (SETTLE_PG_DIR) so the
# other tests' server is never stopped.
# test: slow (scripts/run-tests starts it first, so it does not end the run alone)
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/crash/dump.sh"

export SETTLE_PG_DIR=$T_TMP/pg
pg() { "$T_TOP/scripts/pg" "$@"; }
trap 'pg destroy >/dev/null 2>&1; t_cleanup' EXIT
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
[ "$(id -u)" -ne 0 ] || chmod 755 "$T_TMP"   # the cluster runs as postgres
base=$(pg start) || { t_fail "start a throwaway cluster"; t_done; }
export SETTLE_TEST_CONNINFO=${base% dbname=settle}
# Durable commits, as in production: the throwaway cluster runs with
# synchronous_commit and fsync off, and then a crash may lose the last
# commits - e.g. an ingest whose file was already moved out of incoming/
# (seen: the file is then never processed; docs/testing.md).
psql "$(t_conninfo postgres)" -qtAX -c "ALTER SYSTEM SET synchronous_commit = on" -c "ALTER SYSTEM SET fsync = on" \
  -c "ALTER SYSTEM SET full_page_writes = on" -c "SELECT pg_reload_conf()" >/dev/null
T_DBS=()   # databases live and die with the cluster

# The same data for the reference and the faulted run: the demo set scaled
# (tests/crash/dataset), files placed in the spool as fetch would.
prepare() {   # prepare NAME
  t_newdb
  SPOOL=$T_TMP/spool-$1
  mkdir -p "$SPOOL"
  printf '[database]\nconninfo = %s\n[spool]\ndir = %s\n[ingest]\nmin_age_seconds = 0\n[reconcile]\npix_reference_pattern = (PED-[0-9]+)\n' \
    "$T_CONN" "$SPOOL" >"$T_TMP/$1.conf"
  export SETTLE_CONFIG=$T_TMP/$1.conf
  "$SETTLE" -q migrate >/dev/null
  "$T_TOP/tests/crash/dataset" "$T_CONN" "$SPOOL" 1000 >/dev/null
  # scripts/demo-files wrote into SPOOL/incoming/SOURCE/ already
}

prepare ref
t_run out "$SETTLE" run
t_eq "reference run: 65 (the cut file is rejected)" 65 "$out_rc"
dump >"$T_TMP/reference"
t_check "reference reconciled the files" test "$(t_sql "SELECT count(*) FROM return_files WHERE status = 'reconciled'")" -ge 9

prepare fault
mark=$T_TMP/paused
SETTLE_TEST_PAUSE_AT=reconcile:keys SETTLE_TEST_PAUSE_FILE=$mark SETTLE_TEST_PAUSE_MS=1500 \
  "$SETTLE" run >"$T_TMP/fault.out" 2>&1 & pid=$!
t_check "run paused inside reconcile" t_wait_file "$mark" 15
as_pg "$pgbin/pg_ctl" -D "$SETTLE_PG_DIR/data" stop -m immediate >/dev/null
wait $pid; rc=$?
out=$(cat "$T_TMP/fault.out")
t_eq "run with the database gone exits 69" 69 "$rc"
t_contains "reconcile names the lost connection" "level=error component=reconcile msg=\"database error: server closed the connection unexpectedly" "$out"
t_contains "the summary shows the reconcile step failed" "reconcile  failed" "$out"
t_contains "the summary says what happened" "result: failed (exit 69): a source or the database was unavailable; re-run when it is back" "$out"
echo "$out" | grep -E 'ERROR|result:' | sed 's/^/#   /'

pg start >/dev/null || { t_fail "restart the cluster"; t_done; }
t_run out "$SETTLE" run
# (exit 0: the cut and resent files were rejected, and recorded, by run #1)
t_eq "after the restart the next run completes" 0 "$out_rc"
t_contains "and reconciles what was left" "result: succeeded (exit 0): clean" "$out"
t_contains "it says it resumed after the failed run" "(resumed after run #1)" "$out"
t_eq "the failed run was recorded as killed or failed" "1" \
  "$(t_sql "SELECT count(*) FROM job_runs WHERE id = 1 AND status IN ('killed', 'failed')")"
dump >"$T_TMP/after"
t_check "same final state as the uninterrupted run" cmp -s "$T_TMP/reference" "$T_TMP/after"
diff "$T_TMP/reference" "$T_TMP/after" | head -n 10 | sed 's/^/#   /'
t_done
