#!/usr/bin/env bash
# run.sh - settle run: advisory lock (second run exits 75 naming the holder),
# run and step records, resume after a killed run, EMF metric lines.
. "$(dirname "$0")/../lib.sh"

t_newdb
t_config "$T_TMP/settle.conf" "[metrics]" "emf_output = $T_TMP/metrics.log"
export SETTLE_CONFIG=$T_TMP/settle.conf
"$SETTLE" migrate >/dev/null 2>&1

t_run out "$SETTLE" run
t_eq "an empty run exits 0" 0 "$out_rc"
t_contains "summary names the run" "settle run #1" "$out"
t_contains "summary has a result line" "result: succeeded (exit 0)" "$out"
t_eq "run recorded as succeeded" "succeeded|0" "$(t_sql "SELECT status || '|' || exit_code FROM job_runs WHERE id = 1")"
steps=$(t_sql "SELECT count(*) FROM job_run_steps WHERE run_id = 1")
t_eq "every step row finished" 0 "$(t_sql "SELECT count(*) FROM job_run_steps WHERE run_id = 1 AND finished_at IS NULL")"

# Every EMF line is JSON with the _aws envelope (PostgreSQL parses it).
if [ -s "$T_TMP/metrics.log" ]; then
  bad=0
  while IFS= read -r line; do
    # psql interpolates :'l' in input it reads, not in -c strings
    ns=$(echo "SELECT :'l'::jsonb #>> '{_aws,CloudWatchMetrics,0,Namespace}'" | psql "$T_CONN" -qtAX -v "l=$line" 2>/dev/null) || bad=1
    [ "$ns" = "Comex/Settlement" ] || bad=1
  done <"$T_TMP/metrics.log"
  t_eq "EMF lines are JSON in namespace Comex/Settlement" 0 "$bad"
  t_eq "one Success line per step" "$steps" "$(grep -v '"step":"run"' "$T_TMP/metrics.log" | grep -c '"Success":1')"
  t_eq "one run-level line with the exit code and duration" 1 \
    "$(grep -cE '"step":"run","ExitCode":0,"Duration":[0-9]+,"Success":1}$' "$T_TMP/metrics.log")"
  t_not_contains "durations in milliseconds, not seconds" "DurationSeconds" "$(cat "$T_TMP/metrics.log")"
  t_contains "the purge step is a step" '"step":"purge"' "$(cat "$T_TMP/metrics.log")"
else
  t_eq "no steps registered, no metrics" 0 "$steps"
fi

# A second run while the lock is held exits 75 and names the holder.
# Every look at pg_locks stays in this test's database: the cluster is shared
# with the tests running beside this one, whose `settle run`s hold the same
# key in theirs (a cluster-wide pg_terminate_backend here once ended another
# test's run, which then exited 69).
this_db="database = (SELECT oid FROM pg_database WHERE datname = current_database())"
t_sql "INSERT INTO job_runs (host, pid) VALUES ('batch-1', 4242)" >/dev/null
# The same key held first in another database of the cluster: not this run's
# holder, and the exit-75 message must not name it.
psql "$(t_conninfo postgres)" -qtAX -c "SELECT pg_advisory_lock(6190878)" -c "SELECT pg_sleep(20)" >/dev/null 2>&1 &
other=$!
for _ in $(seq 50); do
  [ "$(t_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 6190878 AND granted AND NOT $this_db")" -ge 1 ] && break
  sleep 0.1
done
psql "$T_CONN" -qtAX -c "SELECT pg_advisory_lock(6190878)" -c "SELECT pg_sleep(20)" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 50); do
  [ "$(t_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 6190878 AND granted AND $this_db")" = 1 ] && break
  sleep 0.1
done
t_run out "$SETTLE" run
t_eq "second run exits 75" 75 "$out_rc"
t_contains "second run names the holder" "another settle run holds the lock: run #2 started" "$out"
holder_pid=$(t_sql "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = 6190878 AND granted AND $this_db")
t_contains "holder database session: the one in this database" "; database backend pid $holder_pid from " "$out"
t_contains "holder host and pid" "on host batch-1 (pid 4242)" "$out"
t_sql "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 6190878 AND $this_db" >/dev/null
wait "$holder" 2>/dev/null
psql "$(t_conninfo postgres)" -qtAX -c "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'
  AND objid = 6190878 AND database = (SELECT oid FROM pg_database WHERE datname = 'postgres')" >/dev/null
wait "$other" 2>/dev/null

# Run #2 never finished (its process is gone): the next run marks it killed
# and records that it resumed after it.
t_run out "$SETTLE" run
t_eq "run after a killed run exits 0" 0 "$out_rc"
t_contains "summary says it resumed" "(resumed after run #2)" "$out"
t_eq "killed run marked" "killed" "$(t_sql "SELECT status FROM job_runs WHERE id = 2")"
t_eq "resumed_from recorded" "2" "$(t_sql "SELECT resumed_from FROM job_runs ORDER BY id DESC LIMIT 1")"

# Database unavailable: 69.
sed -i 's|^conninfo = .*|conninfo = host=/nonexistent dbname=x connect_timeout=2|' "$T_TMP/settle.conf"
t_run out "$SETTLE" run
t_eq "database down exits 69" 69 "$out_rc"
t_done
