#!/usr/bin/env bash
# status_check.sh - `settle status --check`: one line per problem, worst
# first, Nagios exit codes (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN); each
# problem it reports is made to happen here and then made to go away.
# Also what `settle status` shows for monitoring: the config and spool in
# use, rejected files waiting, each source's last file, dry runs marked.
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/tools/pipeline.sh"

t_newdb
src() { # NAME MAX_SILENCE_HOURS
  printf '%s\n' "[source $1]" "host = 127.0.0.1" "user = u" "identity = /nonexistent/key" \
    "known_hosts = /nonexistent/kh" "remote_dir = /r" "max_silence_hours = $2"
}
conf() { # extra lines
  t_config "$T_TMP/settle.conf" "[export]" "batch_size = 10" "$(src bb 30)" "$(src itau 30)" "$(src santander 0)" "$@"
}
conf
export SETTLE_CONFIG=$T_TMP/settle.conf
p_seed
# The seed's files came days ago; its exceptions are days old. Bring every
# source up to date first, so each check below starts from one problem.
fresh() {
  t_sql "UPDATE return_files SET received_at = now() - interval '1 hour'" >/dev/null
  t_sql "INSERT INTO job_runs (host, pid, status, exit_code, started_at, finished_at, summary)
         VALUES ('h', 1, 'succeeded', 0, now() - interval '2 hours', now() - interval '1 hour', 'succeeded (exit 0): clean')" >/dev/null
}

# No run yet: CRITICAL, exit 2.
t_run out "$SETTLE" status --check
t_eq "never ran: exit 2 (CRITICAL)" 2 "$out_rc"
t_contains "never ran: says so" "CRITICAL: last run: no real run recorded; \`settle run\` never ran" "$out"

# A dry run does not count as a run, and status marks it.
t_sql "INSERT INTO job_runs (host, pid, status, exit_code, dry_run, started_at, finished_at)
       VALUES ('h', 1, 'succeeded', 0, true, now() - interval '10 min', now() - interval '9 min')" >/dev/null
t_run out "$SETTLE" status --check
t_eq "only a dry run: still exit 2" 2 "$out_rc"
t_contains "only a dry run: says so" "CRITICAL: last run: no real run recorded (only a dry run)" "$out"
t_run out "$SETTLE" status
t_contains "status marks the dry run" "DRY RUN: nothing was ingested, reconciled, exported or purged" "$out"
t_contains "status says there is no real run" "last real run:                  none recorded" "$out"

fresh
t_run out "$SETTLE" status --check
t_eq "all clear: exit 0" 0 "$out_rc"
t_eq "all clear: one OK line" "OK: settle: nothing to report (config $T_TMP/settle.conf)" "$out"

# status shows the config, the spool and each source's last file.
t_run out "$SETTLE" status
t_contains "config in use" "config:                         $T_TMP/settle.conf" "$out"
t_contains "spool in use" "spool:                          $T_TMP/spool" "$out"
t_contains "a source's last file and its age" "  bb               CBR643128112026.ret" "$out"
t_contains "its age" "UTC, 1 h ago (max_silence_hours 30)" "$out"
t_contains "a configured source that never sent a file" "  santander        no file yet" "$out"
t_contains "a source not in the config" "1 h ago (not in the config)" "$out"

# A source silent longer than its max_silence_hours: CRITICAL.
t_sql "UPDATE return_files SET received_at = now() - interval '31 hours' WHERE source = 'itau'" >/dev/null
t_run out "$SETTLE" status --check
t_eq "silent source: exit 2" 2 "$out_rc"
t_contains "silent source named with its limit" \
  "CRITICAL: source itau: silent for 31 h, last file ITAU<28>&.RET at" "$out"
t_contains "and the key" "(max_silence_hours 30)" "$out"
t_not_contains "a source with max_silence_hours = 0 is not checked" "santander" "$out"
# A file fetched (not yet ingested) counts as the source speaking.
t_sql "INSERT INTO fetched_files (source, remote_name, size_bytes, remote_mtime, sha256, local_name, after_fetch)
       VALUES ('itau', 'NEW.RET', 10, 1, repeat('a', 64), 'NEW.RET', 'keep')" >/dev/null
t_run out "$SETTLE" status --check
t_eq "a fetched file ends the silence" 0 "$out_rc"
# A source that never sent anything, with a limit: CRITICAL.
conf "$(src newbank 12)"
t_run out "$SETTLE" status --check
t_contains "a source that never sent a file" "CRITICAL: source newbank: no file ever received (max_silence_hours 12)" "$out"
conf

# The last real run failed: CRITICAL; partial (input rejected): WARNING.
t_sql "INSERT INTO job_runs (host, pid, status, exit_code, started_at, finished_at, summary)
       VALUES ('h', 2, 'failed', 69, now() - interval '30 min', now() - interval '29 min',
               'failed (exit 69): a source or the database was unavailable')" >/dev/null
t_run out "$SETTLE" status --check
t_eq "failed run: exit 2" 2 "$out_rc"
t_contains "failed run named" "CRITICAL: last run: #3 failed (exit 69) at" "$out"
t_contains "with its summary" "a source or the database was unavailable" "$out"
t_sql "INSERT INTO job_runs (host, pid, status, exit_code, started_at, finished_at, summary)
       VALUES ('h', 3, 'partial', 65, now() - interval '20 min', now() - interval '19 min', 'partial (exit 65)')" >/dev/null
t_run out "$SETTLE" status --check
t_eq "partial run: exit 1 (WARNING)" 1 "$out_rc"
t_contains "partial run named" "WARNING: last run: #4 partial (exit 65)" "$out"
# A dry run after it changes nothing.
t_sql "INSERT INTO job_runs (host, pid, status, exit_code, dry_run, started_at, finished_at)
       VALUES ('h', 4, 'succeeded', 0, true, now(), now())" >/dev/null
t_run out "$SETTLE" status --check
t_contains "a dry run does not hide the last real run" "WARNING: last run: #4 partial" "$out"
# A real run too long ago: CRITICAL.
t_sql "UPDATE job_runs SET status = 'succeeded', exit_code = 0, finished_at = now() - interval '40 hours' WHERE id = 4" >/dev/null
t_run out "$SETTLE" status --check
t_eq "old run: exit 2" 2 "$out_rc"
t_contains "old run named" "CRITICAL: last run: #4 finished 40 h ago (max_run_age_hours 36)" "$out"
t_sql "UPDATE job_runs SET finished_at = now() WHERE id = 4" >/dev/null
# Killed (SIGKILL, OOM killer; recorded by the next run): CRITICAL.
t_sql "INSERT INTO job_runs (id, host, pid, status, exit_code, started_at, finished_at, summary)
       VALUES (6, 'h', 6, 'killed', NULL, now() - interval '3 hours', now() - interval '2 hours', 'killed')" >/dev/null
t_run out "$SETTLE" status --check
t_eq "killed run: exit 2" 2 "$out_rc"
t_contains "killed run named" "CRITICAL: last run: #6 killed (exit -) at" "$out"
# A run going on is judged by the real run before it...
t_sql "INSERT INTO job_runs (id, host, pid, status, started_at) VALUES (7, 'h', 7, 'running', now() - interval '1 hour')" >/dev/null
t_run out "$SETTLE" status --check
t_contains "a running run does not hide the killed one before it" "CRITICAL: last run: #6 killed" "$out"
t_not_contains "an hour of running is no problem" "still running" "$out"
# ... and is a problem itself once it started longer ago than max_run_age_hours.
t_sql "UPDATE job_runs SET status = 'succeeded', exit_code = 0 WHERE id = 6;
       UPDATE job_runs SET started_at = now() - interval '40 hours' WHERE id = 7" >/dev/null
t_run out "$SETTLE" status --check
t_eq "a run stuck for 40 h: exit 2" 2 "$out_rc"
t_contains "stuck run named" "CRITICAL: last run: #7 still running after 40 h (started" "$out"
t_contains "with the key" "max_run_age_hours 36): stuck, or it died and was not recorded" "$out"
t_sql "UPDATE job_runs SET status = 'succeeded', exit_code = 0, finished_at = now() WHERE id = 7" >/dev/null
t_run out "$SETTLE" status --check
t_eq "the run finished: exit 0" 0 "$out_rc"

# Exceptions open longer than max_exception_age_days: WARNING.
t_sql "UPDATE exceptions SET created_at = now() - interval '45 days' WHERE status = 'open' AND id IN
         (SELECT id FROM exceptions WHERE status = 'open' ORDER BY id LIMIT 2)" >/dev/null
t_run out "$SETTLE" status --check
t_eq "old exceptions: exit 1" 1 "$out_rc"
t_contains "old exceptions counted" "WARNING: exceptions: 2 open for more than 30 days, the oldest 45 days" "$out"
conf "[monitoring]" "max_exception_age_days = 60"
t_run out "$SETTLE" status --check
t_eq "within max_exception_age_days: exit 0" 0 "$out_rc"
conf

# A batch not uploaded to [destination invoices]: CRITICAL; none configured: not a problem.
t_sql "UPDATE exceptions SET created_at = now() WHERE status = 'open'" >/dev/null
"$SETTLE" export >/dev/null 2>&1
t_sql "UPDATE export_batches SET published_at = now() - interval '2 hours'" >/dev/null
t_run out "$SETTLE" status --check
t_eq "published, no destination: exit 0" 0 "$out_rc"
conf "[destination invoices]" "host = 127.0.0.1" "user = u" "identity = /nonexistent/key" \
     "known_hosts = /nonexistent/kh" "remote_dir = /in"
t_run out "$SETTLE" status --check
t_eq "not uploaded: exit 2" 2 "$out_rc"
t_contains "not uploaded named" "CRITICAL: export: 3 batch(es) not uploaded to [destination invoices] 60 min after publishing, the oldest #1" "$out"
t_sql "UPDATE export_batches SET published_at = now() - interval '5 min'" >/dev/null
t_run out "$SETTLE" status --check
t_eq "within upload_grace_minutes: exit 0" 0 "$out_rc"
conf
# A batch reserved (written, not published: a crashed export) past the grace.
t_sql "INSERT INTO export_batches (record_count, total_cents, first_request_id, last_request_id, created_at)
       VALUES (1, 100, 1, 1, now() - interval '3 hours')" >/dev/null
t_run out "$SETTLE" status --check
t_contains "a batch stuck in reserved" "CRITICAL: export: 1 batch(es) written and not published for more than 60 min" "$out"
t_sql "DELETE FROM export_batches WHERE status = 'reserved'" >/dev/null

# Files waiting in rejected/: WARNING per source.
mkdir -p "$T_TMP/spool/rejected/pix"
echo x >"$T_TMP/spool/rejected/pix/bad.csv"; echo why >"$T_TMP/spool/rejected/pix/bad.csv.error"
touch -d '-3 hours' "$T_TMP/spool/rejected/pix/bad.csv"
t_run out "$SETTLE" status --check
t_eq "rejected waiting: exit 1" 1 "$out_rc"
t_contains "rejected file named (its .error not counted)" \
  "WARNING: rejected: 1 file(s) from pix waiting in $T_TMP/spool/rejected/pix/, the oldest 3 h old" "$out"
t_run out "$SETTLE" status
t_contains "status shows rejected files waiting" "files rejected, waiting:        1 (the oldest 3 h ago" "$out"

# Worst first: a CRITICAL line comes before a WARNING one.
t_sql "UPDATE return_files SET received_at = now() - interval '50 hours'; DELETE FROM fetched_files" >/dev/null
t_run out "$SETTLE" status --check
t_eq "several problems: exit 2" 2 "$out_rc"
t_eq "worst first" "CRITICAL" "$(head -1 <<<"$out" | cut -d: -f1)"
t_eq "warnings last" "WARNING" "$(tail -1 <<<"$out" | cut -d: -f1)"

# More problems than --check prints (64): the rest counted per severity, in
# their place in the order, never dropped silently.
many=(); for i in $(seq 1 70); do many+=("$(src "quiet$i" 1)"); done
conf "${many[@]}"
t_run out "$SETTLE" status --check
t_eq "72 critical + 1 warning: exit 2" 2 "$out_rc"
t_eq "64 problems shown, then one count per severity" 66 "$(wc -l <<<"$out")"
t_eq "the critical ones past the cap counted" "CRITICAL: 8 more CRITICAL problem(s) not shown" "$(sed -n 65p <<<"$out")"
t_eq "the warning past the cap counted as a warning, last" "WARNING: 1 more WARNING problem(s) not shown" \
  "$(tail -1 <<<"$out")"
conf

# The database answers but cannot be read (not migrated, or a login
# without the grants): UNKNOWN with the database's reason.
sed -i "s|^conninfo = .*|conninfo = $(t_conninfo postgres)|" "$T_TMP/settle.conf"
t_run out "$SETTLE" status --check
t_eq "tables missing: exit 3 (UNKNOWN)" 3 "$out_rc"
t_contains "says why it cannot check, on one line" 'UNKNOWN: cannot check: ' "$out"
t_contains "the database's reason" 'relation "job_runs" does not exist' "$out"
conf

# The database cannot be read: UNKNOWN, exit 3.
sed -i 's|^conninfo = .*|conninfo = host=/nonexistent dbname=x connect_timeout=2|' "$T_TMP/settle.conf"
t_run out "$SETTLE" status --check
t_eq "database down: exit 3 (UNKNOWN)" 3 "$out_rc"
t_contains "database down: says it cannot check" "UNKNOWN: cannot check: no database connection" "$out"
t_done
