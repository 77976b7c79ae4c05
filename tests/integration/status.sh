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
  "return files not reconciled:    $(t_sql "SELECT count(*) FROM return_files WHERE status = 'ingested'")" "$out"
t_contains "settlements not reconciled" \
  "settlements not reconciled:     $(t_sql 'SELECT count(*) FROM settlements s WHERE NOT EXISTS (SELECT 1 FROM settlement_outcomes o WHERE o.settlement_id = s.id)')
" "$out"
t_contains "invoice requests not exported" "invoice requests not exported:  25" "$out"
t_contains "open exceptions and the amount received" "open exceptions:                $(t_sql "SELECT count(*) || ' (R\$ ' || replace(to_char(sum(coalesce(e.paid_cents, s.amount_paid_cents))::bigint / 100, 'FM999,999,990'), ',', '.') || ',' || lpad((sum(coalesce(e.paid_cents, s.amount_paid_cents))::bigint % 100)::text, 2, '0') || ' received)' FROM exceptions e JOIN settlements s ON s.id = e.settlement_id WHERE e.status = 'open'")" "$out"
t_contains "open exceptions by reason and age" \
  "$(printf '  %-22s %6s' OVERPAID "$(t_sql "SELECT count(*) FROM exceptions WHERE status = 'open' AND reason = 'OVERPAID'")")" "$out"
t_not_contains "resolved exceptions are not waiting" "PIX_REFUND" "$out"
# the tie-out of the last day files arrived (2026-11-28: itau and pix; rejected files are not money)
brl() { t_sql "SELECT replace(to_char(($1)::bigint / 100, 'FM999,999,999,990'), ',', '.') || ',' || lpad((($1)::bigint % 100)::text, 2, '0')"; }
t_contains "tie-out of the last day with files" "tie-out 2026-11-28 (files received that day" "$out"
t_contains "tie-out line of a bank: records, settled, gross = booked + in exception" \
  "$(printf '  %-12s %-4s %5s %8s %8s %15s %12s %15s %15s %14s' itau 341 1 14 \
     "$(t_sql 'SELECT count(*) FROM settlements WHERE file_id = 2 AND paid')" \
     "$(brl '(SELECT sum(amount_paid_cents) FROM settlements WHERE file_id = 2 AND paid)')" 0,00 \
     "$(brl '(SELECT sum(amount_credited_cents) FROM settlements WHERE file_id = 2 AND paid)')" \
     "$(brl "(SELECT sum(s.amount_paid_cents) FROM settlements s JOIN settlement_outcomes o ON o.settlement_id = s.id WHERE s.file_id = 2 AND o.outcome = 'paid')")" \
     "$(brl "(SELECT sum(s.amount_paid_cents) FROM settlements s JOIN settlement_outcomes o ON o.settlement_id = s.id WHERE s.file_id = 2 AND o.outcome = 'exception')")")" "$out"
t_not_contains "tie-out: a rejected file is not a source of money" "pix          -" "$out"
t_contains "tie-out: a file not reconciled yet shows its money as not reconciled" \
  "$(printf '  %-12s %-4s %5s %8s %8s %15s' pix 260 1 3 1 42,42)" "$out"

# A crashed export shows as written-not-published; a finished one empties the queue.
SETTLE_TEST_CRASH_AFTER=export-file "$SETTLE" export >/dev/null 2>&1
t_run out "$SETTLE" status
# (a group of batches is written together: all of them are half-done)
t_contains "the half-done batches are reported" \
  "($(t_sql "SELECT count(*) FROM export_batches WHERE status = 'reserved'") batch(es) written, not yet published" "$out"
"$SETTLE" export >/dev/null 2>&1
t_run out "$SETTLE" status
t_contains "after export nothing waits" "invoice requests not exported:  0" "$out"

t_contains "no runs yet" "last run:                       no runs recorded" "$out"

# The latest run of `settle run` (job_runs, job_run_steps) with its steps.
t_sql "INSERT INTO job_runs (host, pid, status, exit_code, started_at, finished_at, summary) VALUES
         ('h', 1, 'succeeded', 0, '2026-11-28 03:00+00', '2026-11-28 03:05+00', 'succeeded (exit 0)'),
         ('h', 2, 'partial', 65, '2026-11-29 03:00+00', '2026-11-29 03:04:10+00', 'partial (exit 65): a file was rejected');
       INSERT INTO job_run_steps (run_id, step, status, started_at) VALUES
         (2, 'fetch', 'ok', '2026-11-29 03:00+00'), (2, 'ingest', 'partial', '2026-11-29 03:01+00')" >/dev/null
t_run out "$SETTLE" status
t_contains "last run shown" "last run:                       #2 2026-11-29 03:00:00 -> 2026-11-29 03:04:10 UTC, partial (exit 65)" "$out"
t_contains "last run summary" "partial (exit 65): a file was rejected" "$out"
t_contains "last run steps" "steps: fetch=ok ingest=partial" "$out"

t_run out "$SETTLE" status extra
t_eq "unexpected argument exits 64" 64 "$out_rc"

t_done
