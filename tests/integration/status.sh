#!/usr/bin/env bash
# status.sh - settle status: what is waiting, from the spool and the database.
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/tools/pipeline.sh"

t_newdb
t_config "$T_TMP/settle.conf" "[export]" "batch_size = 10"
export SETTLE_CONFIG=$T_TMP/settle.conf
p_seed
mkdir -p "$T_TMP/spool/incoming/bb" "$T_TMP/spool/incoming/itau" "$T_TMP/spool/incoming/empty"
touch "$T_TMP/spool/incoming/bb/a.ret" "$T_TMP/spool/incoming/bb/b.ret" "$T_TMP/spool/incoming/itau/c.ret" \
      "$T_TMP/spool/incoming/itau/.d.ret.part" "$T_TMP/spool/incoming/itau/e.ret.part"

t_run out "$SETTLE" status
t_eq "status exits 0" 0 "$out_rc"
t_contains "files fetched, not ingested (dot files and .part skipped)" "files fetched, not ingested:    3" "$out"
t_contains "per source" "  bb                           2" "$out"
t_contains "return files not reconciled" \
  "return files not reconciled:    $(t_sql "SELECT count(*) FROM return_files WHERE status IN ('ingested', 'reconciling')")" "$out"
t_contains "settlements not reconciled" \
  "settlements not reconciled:     $(t_sql 'SELECT count(*) FROM settlements WHERE reconciled_at IS NULL')" "$out"
t_contains "invoice requests not exported" "invoice requests not exported:  25" "$out"
t_contains "open exceptions" "open exceptions:                $(t_sql "SELECT count(*) FROM exceptions WHERE status = 'open'")" "$out"
t_contains "open exceptions by reason and age" \
  "$(printf '  %-22s %6s' OVERPAID "$(t_sql "SELECT count(*) FROM exceptions WHERE status = 'open' AND reason = 'OVERPAID'")")" "$out"
t_not_contains "resolved exceptions are not waiting" "PIX_REFUND" "$out"
t_contains "no job_runs table yet" "last run:                       no runs recorded" "$out"

# A crashed export shows as written-not-published; a finished one empties the queue.
SETTLE_TEST_CRASH_AFTER=export-file "$SETTLE" export >/dev/null 2>&1
t_run out "$SETTLE" status
t_contains "a half-done batch is reported" "(1 batch(es) written, not yet published" "$out"
"$SETTLE" export >/dev/null 2>&1
t_run out "$SETTLE" status
t_contains "after export nothing waits" "invoice requests not exported:  0" "$out"

# With a job_runs table (another issue adds it), the latest row is shown.
t_sql "CREATE TABLE job_runs (id bigserial PRIMARY KEY, job text, result text, finished_at timestamptz);
       INSERT INTO job_runs (job, result, finished_at) VALUES ('nightly', 'ok', '2026-11-28 03:00+00'), ('nightly', 'exit 65', '2026-11-29 03:00+00')" >/dev/null
t_run out "$SETTLE" status
t_contains "last run shown" "id=2 job=nightly result=exit 65" "$out"

t_run out "$SETTLE" status extra
t_eq "unexpected argument exits 64" 64 "$out_rc"

t_done
