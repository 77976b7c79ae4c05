#!/usr/bin/env bash
# crash_reconcile.sh - kill -9 settle reconcile at named points and at random
# moments, re-run it, and compare the whole database state with the state an
# uninterrupted run reaches on the same data.
# test: slow (scripts/run-tests starts it first, so it does not end the run alone)
. "$(dirname "$0")/../lib.sh"

setup() {
  t_newdb
  t_config "$T_TMP/settle.conf"
  export SETTLE_CONFIG=$T_TMP/settle.conf
  "$SETTLE" -q migrate >/dev/null
  # 3 files x 3000 records; payments of every kind of outcome.
  t_sql "
  INSERT INTO payments (id, order_id, method, amount_cents, status, bank_code, nosso_numero)
  SELECT i, 'o' || i, 'boleto', 1000 + i % 89, CASE WHEN i % 101 = 0 THEN 'canceled' ELSE 'pending' END,
         '001', lpad(i::text, 17, '0') FROM generate_series(1, 8000) i;
  INSERT INTO return_files (id, name, size_bytes, sha256, format, bank_code, status)
  SELECT k, 'crash' || k || '.ret', 1, lpad(to_hex(k), 64, '0'), 'cnab240', '001', 'ingested' FROM generate_series(1, 3) k;
  INSERT INTO settlements (file_id, line, format, bank_code, kind, movement_code, paid, nosso_numero, amount_paid_cents,
                           occurred_on, natural_key)
  SELECT k, 3 + 2 * j, 'cnab240', '001', 'boleto', CASE WHEN j % 53 = 0 THEN '02' ELSE '06' END, j % 53 <> 0,
         lpad((2500 * (k - 1) + j)::text, 17, '0'),
         CASE WHEN j % 37 = 0 THEN 500 ELSE 1000 + (2500 * (k - 1) + j) % 89 END,
         DATE '2026-11-27', 'crash|' || k || '|' || j
    FROM generate_series(1, 3) k, generate_series(1, 3000) j;
  " >/dev/null
}

# Everything reconcile writes, without ids and clocks that differ between runs.
dump() {
  t_sql "
  SELECT 'file', name, status FROM return_files ORDER BY name;
  SELECT 'outcome', s.natural_key, o.outcome, o.rule, o.payment_id, o.reason, o.event, o.expected_cents, o.paid_cents
    FROM settlement_outcomes o JOIN settlements s ON s.id = o.settlement_id ORDER BY 2;
  SELECT 'payment', p.id, p.status, p.paid_cents, p.paid_at, s.natural_key
    FROM payments p LEFT JOIN settlements s ON s.id = p.paid_by_settlement ORDER BY 2;
  SELECT 'invoice', i.payment_id, s.natural_key FROM invoice_requests i JOIN settlements s ON s.id = i.settlement_id ORDER BY 2;
  SELECT 'exception', e.reason, s.natural_key, e.payment_id, e.expected_cents, e.paid_cents, e.line, e.status
    FROM exceptions e JOIN settlements s ON s.id = e.settlement_id ORDER BY 3;
  SELECT 'event', v.payment_id, s.natural_key, v.event FROM payment_events v JOIN settlements s ON s.id = v.settlement_id ORDER BY 3;
  "
}

# After kill -9 the server notices the lost client at once when the backend
# is idle, but finishes a running statement first; until then it holds its
# file claim, and a re-run would skip that file and reconcile the next one
# first (a valid end state, but duplicates across overlapping files would be
# attributed in another order). The re-run here waits for it, as an operator
# re-running later would.
wait_backends() {
  local _
  for _ in $(seq 200); do
    [ "$(t_sql "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'settle'")" = 0 ] && return
    sleep 0.05
  done
}

setup
"$SETTLE" -q reconcile
dump >"$T_TMP/reference"
t_eq "reference run reconciled 3 files" "3" "$(t_sql "SELECT count(*) FROM return_files WHERE status = 'reconciled'")"
t_check "reference has paid payments, exceptions and events" \
  grep -q '^exception|UNDERPAID' "$T_TMP/reference"

trials=0
for point in reconcile:claimed reconcile:keys reconcile:decided reconcile:before-commit; do
  setup
  mark=$T_TMP/paused.$RANDOM
  SETTLE_TEST_PAUSE_AT=$point SETTLE_TEST_PAUSE_FILE=$mark "$SETTLE" -q reconcile & pid=$!
  t_check "paused at $point" t_wait_file "$mark"
  kill -9 $pid; wait $pid 2>/dev/null
  wait_backends
  t_eq "killed at $point: nothing of that file applied" "0" \
    "$(t_sql "SELECT count(*) FROM return_files WHERE status = 'reconciled'")"
  "$SETTLE" -q reconcile
  dump >"$T_TMP/after"
  t_check "killed at $point, re-run: same state as the uninterrupted run" cmp -s "$T_TMP/reference" "$T_TMP/after"
  cmp -s "$T_TMP/reference" "$T_TMP/after" || diff "$T_TMP/reference" "$T_TMP/after" | head -5 | sed 's/^/# /'
  trials=$((trials + 1))
done

# Random moments: kill after 0-400 ms, twice per run, then finish.
for trial in 1 2 3; do
  setup
  for _ in 1 2; do
    "$SETTLE" -q reconcile & pid=$!
    sleep "0.$(printf '%03d' $((RANDOM % 400)))"
    kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
    wait_backends
  done
  "$SETTLE" -q reconcile
  dump >"$T_TMP/after"
  t_check "random kill trial $trial, re-run: same state as the uninterrupted run" cmp -s "$T_TMP/reference" "$T_TMP/after"
  cmp -s "$T_TMP/reference" "$T_TMP/after" || diff "$T_TMP/reference" "$T_TMP/after" | head -5 | sed 's/^/# /'
  trials=$((trials + 1))
done
echo "# crash trials: $trials"
t_done
