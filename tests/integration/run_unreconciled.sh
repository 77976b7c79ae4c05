#!/usr/bin/env bash
# run_unreconciled.sh - a run must not call itself clean while ingested files
# remain unreconciled. A killed reconcile's backend keeps its file claim
# (FOR UPDATE) until its last statement ends; a re-run's reconcile skipped
# the file (SKIP LOCKED) and `settle run` said "succeeded (exit 0): clean".
# Now reconcile waits for such files ([reconcile] wait_locked_seconds) and,
# when they stay held, ends 75 naming them.
. "$(dirname "$0")/../lib.sh"

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf

seed() {
  t_sql "
  INSERT INTO payments (id, order_id, method, amount_cents, status, bank_code, nosso_numero)
  VALUES ($1, 'o$1', 'boleto', 1000, 'pending', '001', lpad('$1', 17, '0'));
  INSERT INTO return_files (id, name, size_bytes, sha256, format, bank_code, status)
  VALUES ($1, 'held$1.ret', 1, lpad(to_hex($1), 64, '0'), 'cnab240', '001', 'ingested');
  INSERT INTO settlements (file_id, line, format, bank_code, kind, movement_code, paid, nosso_numero,
                           amount_paid_cents, occurred_on, natural_key)
  VALUES ($1, 3, 'cnab240', '001', 'boleto', '06', true, lpad('$1', 17, '0'), 1000, DATE '2026-11-27', 'held|$1');
  " >/dev/null
}

# hold FILE_ID SECONDS: a session that claims the file as a reconcile would
# and keeps it for SECONDS (a killed client's backend finishing a statement)
hold() {
  printf 'BEGIN;\nSELECT 1 FROM return_files WHERE id = %s FOR UPDATE;\nSELECT pg_sleep(%s);\nCOMMIT;\n' "$1" "$2" |
    psql "$T_CONN" -qtAX >/dev/null 2>&1 &
  holder=$!
  for _ in $(seq 100); do
    [ "$(t_sql "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep%'")" = 1 ] && break
    sleep 0.05
  done
}

# 1. The claim is released after 3 s: the run waits for it and reconciles it.
seed 1
hold 1 3
t_run out "$SETTLE" run
t_eq "held file released within the wait: run exits 0" 0 "$out_rc"
t_eq "the held file was reconciled by this run" "reconciled" "$(t_sql "SELECT status FROM return_files WHERE id = 1")"
t_eq "its payment is paid" "paid" "$(t_sql "SELECT status FROM payments WHERE id = 1")"
wait "$holder" 2>/dev/null

# 2. The claim outlasts the wait: not clean, exit 75, the file named.
seed 2
hold 2 30
printf '[reconcile]\nwait_locked_seconds = 1\n' >>"$T_TMP/settle.conf"
t_run out "$SETTLE" run
t_eq "file still held after the wait: run exits 75" 75 "$out_rc"
t_not_contains "run does not call itself clean" "clean" "$out"
t_contains "summary names the unreconciled file" "held2.ret" "$out"
t_contains "result line says files remain unreconciled" "result: failed (exit 75)" "$out"
t_eq "run recorded with exit 75" "75" "$(t_sql "SELECT exit_code FROM job_runs ORDER BY id DESC LIMIT 1")"
t_sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep%'" >/dev/null
wait "$holder" 2>/dev/null
t_run out "$SETTLE" run
t_eq "after the holder is gone the next run is clean" 0 "$out_rc"
t_eq "and the file is reconciled" "reconciled" "$(t_sql "SELECT status FROM return_files WHERE id = 2")"

t_done
