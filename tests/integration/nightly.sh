#!/usr/bin/env bash
# nightly.sh - cron/settle-nightly end to end on the demo data: demo payments,
# demo bank files (every exception reason) plus a truncated file, served by
# the real throwaway sshd; one nightly run, then a second one.
. "$(dirname "$0")/../lib.sh"

t_newdb
t_config "$T_TMP/settle.conf" "[reconcile]" "pix_reference_pattern = (PED-[0-9]+)" "[export]" "batch_size = 100" \
  "[metrics]" "emf_output = $T_TMP/log/metrics.log"
export SETTLE_CONFIG=$T_TMP/settle.conf
"$SETTLE" migrate >/dev/null 2>&1
psql "$T_CONN" -qtAX -v ON_ERROR_STOP=1 -f "$T_TOP/scripts/demo-seed.sql" >/dev/null
"$T_TOP/scripts/demo-files" "$T_CONN" "$T_TMP/bank" >/dev/null
head -c 1000 "$T_TMP/bank/incoming/bb/RET001_20261128.ret" >"$T_TMP/bank/incoming/bb/RET001_20261128_cut.ret"

export SETTLE_SSHD_DIR=$T_TMP/sshd
src=$("$T_TOP/scripts/demo-sftp" "$T_TMP/bank/incoming" "$T_TMP/spool")
for dir in "$T_TMP"/bank/incoming/*/; do
  name=$(basename "$dir")
  printf '\n%s\n' "$src" | sed -e "s|^\[source demo\]|[source $name]|" -e "s|^remote_dir = .*|remote_dir = ${dir%/}|" >>"$SETTLE_CONFIG"
done
trap '"$T_TOP/scripts/sshd" stop; t_cleanup' EXIT

mkdir -p "$T_TMP/log"
touch -d '40 days ago' "$T_TMP/log/settle-20200101.log"
touch -d '2 days ago' "$T_TMP/log/settle-20991231.log"
export SETTLE_BIN=$SETTLE SETTLE_LOG_DIR=$T_TMP/log SETTLE_KEEP_DAYS=30 SETTLE_FETCH_SETTLE_MS=0

t_run out "$T_TOP/cron/settle-nightly"
t_eq "first night exits 65 (the truncated file)" 65 "$out_rc"
t_contains "wrapper names the log on failure" "settle-nightly: settle run exited 65; see $T_TMP/log/settle-" "$out"
log=$T_TMP/log/settle-$(date -u +%Y%m%d).log
t_check "daily log written" test -s "$log"
t_eq "daily log is private (0600)" 600 "$(stat -c %a "$log")"
t_contains "log has the wrapper's start line" "=== settle-nightly start" "$(cat "$log")"
t_contains "log has JSON events" '{"ts":"' "$(cat "$log")"
t_contains "log ends with the run summary" "result: partial (exit 65)" "$(cat "$log")"
t_check "logs older than SETTLE_KEEP_DAYS pruned" test ! -e "$T_TMP/log/settle-20200101.log"
t_check "recent logs kept" test -e "$T_TMP/log/settle-20991231.log"

t_eq "run recorded as partial" "partial|65" "$(t_sql "SELECT status || '|' || exit_code FROM job_runs ORDER BY id DESC LIMIT 1")"
t_eq "every step recorded and finished" "5" "$(t_sql "SELECT count(*) FROM job_run_steps WHERE finished_at IS NOT NULL")"
t_check "the truncated file was rejected with its .error" test -s "$T_TMP/spool/rejected/bb/RET001_20261128_cut.ret.error"
t_contains ".error names file:line:column" "RET001_20261128_cut.ret:5:" "$(cat "$T_TMP/spool/rejected/bb/RET001_20261128_cut.ret.error")"
t_eq "every exception reason produced by the demo files" \
  "AMBIGUOUS_MATCH,BANK_REJECTED,CARD_CANCELED,CARD_SALE_MISSING,CHARGEBACK,CHARGEBACK_REVERSED,CHEQUE_RETURNED,DUPLICATE_PAYMENT,OVERPAID,PAYMENT_NOT_PENDING,PIX_REFUND,PIX_REFUND_MED,UNDERPAID,UNKNOWN_PAYMENT" \
  "$(t_sql "SELECT string_agg(DISTINCT reason, ',' ORDER BY reason) FROM exceptions")"
t_eq "one invoice request per paid payment" "$(t_sql "SELECT count(*) FROM payments WHERE status = 'paid'")" \
  "$(t_sql "SELECT count(*) FROM invoice_requests")"
t_eq "every invoice request exported in a batch" 0 "$(t_sql "SELECT count(*) FROM invoice_requests WHERE batch_id IS NULL")"
t_check "batches in the outbox" sh -c "ls '$T_TMP'/spool/outbox/invoice-requests-*.csv.gz >/dev/null"
t_eq "each batch has its manifest" "$(ls "$T_TMP"/spool/outbox/*.csv.gz | wc -l)" "$(ls "$T_TMP"/spool/outbox/*.manifest.json | wc -l)"
t_check "exception report written" sh -c "ls '$T_TMP'/spool/reports/exceptions-*.html >/dev/null"
t_check "EMF metrics written" grep -q '"Namespace":"Comex/Settlement"' "$T_TMP/log/metrics.log"

paid=$(t_sql "SELECT count(*) FROM payments WHERE status = 'paid'")
t_run out "$T_TOP/cron/settle-nightly"
t_eq "second night exits 0" 0 "$out_rc"
t_contains "second night fetched nothing new" "FilesFetched=0" "$(grep -v '^{' "$log" | tail -n 8)"
t_eq "second night paid nothing twice" "$paid" "$(t_sql "SELECT count(*) FROM payments WHERE status = 'paid'")"
t_eq "still one invoice request per paid payment" "$paid" "$(t_sql "SELECT count(*) FROM invoice_requests")"
t_done
