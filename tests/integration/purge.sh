#!/usr/bin/env bash
# purge.sh - `settle purge`, the [retention] policy (LGPD): old files go from
# archive/, rejected/, outbox/, reports/, the log directory and the EMF file;
# old payer data in settlements is masked, amounts, keys and the audit trail
# kept; nothing a later step still needs goes (an archived file not
# reconciled or with an open exception, a batch not uploaded, a settlement
# with an open exception); --dry-run changes nothing; `settle run` ends with
# it. And what the grants purge needs must NOT allow (settle_test_job).
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/tools/pipeline.sh"

t_newdb
S=$T_TMP/spool L=$T_TMP/logs M=$T_TMP/metrics.log
ret=("[retention]" "archive_days = 365" "rejected_days = 30" "outbox_days = 30" "reports_days = 30"
     "logs_days = 30" "log_dir = $L" "metrics_days = 10" "personal_data_days = 5")
dest=("[destination invoices]" "host = 127.0.0.1" "user = u" "identity = /nonexistent/key"
      "known_hosts = /nonexistent/kh" "remote_dir = /in")
t_config "$T_TMP/settle.conf" "[export]" "batch_size = 10" "[metrics]" "emf_output = $M" "${ret[@]}" "${dest[@]}"
export SETTLE_CONFIG=$T_TMP/settle.conf
p_seed
"$SETTLE" export >/dev/null 2>&1   # 3 batches published, none uploaded (the destination is unreachable)

# Files 1 and 2 have open exceptions, 4 is not reconciled, 5 is done with.
t_sql "INSERT INTO return_files (id, source, name, size_bytes, sha256, format, status, received_at)
       VALUES (5, 'bb', 'OLD.RET', 10, repeat('5', 64), 'cnab240', 'reconciled', now() - interval '400 days')" >/dev/null
t_sql "UPDATE return_files SET received_at = now() - interval '10 days' WHERE id IN (1, 2);
       UPDATE return_files SET received_at = now() WHERE id = 4" >/dev/null
mkdir -p "$S/archive/bb" "$S/archive/itau" "$S/archive/pix" "$S/rejected/pix" "$S/reports" "$L"
old() { for f in "$@"; do echo data >"$f"; touch -d '-400 days' "$f"; done; }
old "$S/archive/bb/CBR643128112026.ret" "$S/archive/bb/OLD.RET" "$S/archive/bb/OLD.RET.~5~" \
    "$S/archive/itau/ITAU<28>&.RET" "$S/archive/pix/pix-2026-11-28b.csv" \
    "$S/rejected/pix/bad.csv" "$S/rejected/pix/bad.csv.error" "$S/reports/exceptions-2025-01-01.html" \
    "$L/settle-20250101.log" "$L/other.log"
echo new >"$S/archive/bb/NEW.RET"; echo new >"$S/rejected/pix/new.csv"; echo new >"$L/settle-today.log"
touch -d '-400 days' "$S"/outbox/*
n_outbox=$(ls "$S/outbox" | wc -l)
now_ms=$(( $(date +%s) * 1000 ))
printf '{"_aws":{"Timestamp":%s},"old":1}\n{"_aws":{"Timestamp":%s},"new":1}\n' \
  $((now_ms - 20 * 86400000)) "$now_ms" >"$M"
money() { t_sql "SELECT sum(amount_paid_cents) || '/' || count(*) || '/' || md5(string_agg(natural_key, ',' ORDER BY id)) FROM settlements"; }
before=$(money)

# --dry-run: lists, changes nothing.
t_run out "$SETTLE" purge --dry-run
t_eq "dry run exits 0" 0 "$out_rc"
t_contains "dry run lists an old archived file" "would delete $S/archive/bb/OLD.RET" "$out"
t_contains "and the masking" "would mask the payer data of 26 settlement(s)" "$out"
t_check "dry run deleted nothing" test -f "$S/archive/bb/OLD.RET" -a -f "$S/rejected/pix/bad.csv" -a -f "$L/settle-20250101.log"
t_eq "dry run masked nothing" 0 "$(t_sql "SELECT count(*) FROM settlements WHERE personal_data_masked_at IS NOT NULL")"
t_eq "dry run left the EMF file" 2 "$(wc -l <"$M")"

t_run out "$SETTLE" purge
t_eq "purge exits 0" 0 "$out_rc"
# archive: old and done with -> gone (both name forms); needed -> kept
t_check "reconciled file without exceptions deleted" test ! -e "$S/archive/bb/OLD.RET"
t_check "its NAME.~ID~ copy deleted" test ! -e "$S/archive/bb/OLD.RET.~5~"
t_check "a file with an open exception kept" test -f "$S/archive/bb/CBR643128112026.ret"
t_check "another with an open exception kept" test -f "$S/archive/itau/ITAU<28>&.RET"
t_check "a file not reconciled yet kept" test -f "$S/archive/pix/pix-2026-11-28b.csv"
t_check "a young archived file kept" test -f "$S/archive/bb/NEW.RET"
t_check "old rejected file and its .error deleted" test ! -e "$S/rejected/pix/bad.csv" -a ! -e "$S/rejected/pix/bad.csv.error"
t_check "young rejected file kept" test -f "$S/rejected/pix/new.csv"
t_check "old report deleted" test ! -e "$S/reports/exceptions-2025-01-01.html"
t_check "old nightly log deleted" test ! -e "$L/settle-20250101.log"
t_check "a file in log_dir that is not settle's kept" test -f "$L/other.log"
t_check "today's log kept" test -f "$L/settle-today.log"
t_eq "batches not uploaded kept in the outbox" "$n_outbox" "$(ls "$S/outbox" | wc -l)"
t_eq "old EMF line dropped, new kept" '{"_aws":{"Timestamp":'"$now_ms"'},"new":1}' "$(cat "$M")"
# the database: old payer data masked, the rest kept
t_eq "settlements masked" 26 "$(t_sql "SELECT count(*) FROM settlements WHERE personal_data_masked_at IS NOT NULL")"
t_eq "their names, documents and messages gone" 0 \
  "$(t_sql "SELECT count(*) FROM settlements WHERE personal_data_masked_at IS NOT NULL AND (payer_name IS NOT NULL OR payer_doc IS NOT NULL OR message IS NOT NULL)")"
t_eq "a settlement with an open exception keeps its payer" 7 \
  "$(t_sql "SELECT count(*) FROM settlements s JOIN exceptions e ON e.settlement_id = s.id WHERE e.status = 'open' AND s.personal_data_masked_at IS NULL")"
t_eq "a resolved exception's settlement is masked" "t" \
  "$(t_sql "SELECT personal_data_masked_at IS NOT NULL FROM settlements WHERE id = 32")"
t_eq "a recent settlement keeps its payer" "f" "$(t_sql "SELECT payer_name IS NULL FROM settlements WHERE id = 34")"
t_eq "amounts and keys unchanged" "$before" "$(money)"
t_eq "exceptions and their resolutions unchanged" "8|1|maria" \
  "$(t_sql "SELECT count(*) || '|' || count(*) FILTER (WHERE resolution IS NOT NULL) || '|' || max(resolved_by) FROM exceptions")"
t_run out "$SETTLE" purge
t_contains "a second purge masks nothing more" "masked the payer data of 0 settlement(s)" "$out"

# Once uploaded (or with no destination) old batches go.
sed -i '/^\[destination invoices\]/,$d' "$T_TMP/settle.conf"
t_run out "$SETTLE" purge
t_eq "published batches without a destination deleted" 0 "$(ls "$S/outbox" | wc -l)"

# `settle run` ends with purge, recorded as a step; --dry-run purges nothing.
old "$S/reports/r1.html"
t_run out "$SETTLE" run --dry-run
t_check "run --dry-run left the report" test -f "$S/reports/r1.html"
t_run out "$SETTLE" run
t_eq "run has a purge step" "ok" "$(t_sql "SELECT status FROM job_run_steps WHERE step = 'purge' ORDER BY run_id DESC LIMIT 1")"
t_contains "purge in the run summary" "purge " "$out"
t_check "run purged the old report" test ! -e "$S/reports/r1.html"

# What purge's grants must NOT allow settle_job (015: masking only).
job() { psql "$T_JOB_CONN" -qtAX -v ON_ERROR_STOP=1 -c "$1" 2>&1; }
refused() { # WHAT SQL EXPECTED-TEXT
  local o; o=$(job "$2"); local rc=$?
  if [ $rc -ne 0 ] && [[ $o == *"$3"* ]]; then t_ok "$1"; else t_fail "$1"; printf '#   rc=%s: %s\n' "$rc" "$o"; fi
}
refused "job cannot write a payer name" "UPDATE settlements SET payer_name = 'Fulano' WHERE id = 34" \
  "only masking (payer_doc, payer_name, message set to NULL with personal_data_masked_at) is allowed"
refused "job cannot blank a name without recording the masking" \
  "UPDATE settlements SET payer_name = NULL WHERE id = 34" "only masking"
refused "job cannot unmask" "UPDATE settlements SET personal_data_masked_at = NULL WHERE id = 1" "was masked already"
refused "job cannot mask twice" \
  "UPDATE settlements SET personal_data_masked_at = now(), payer_name = NULL, payer_doc = NULL, message = NULL WHERE id = 1" \
  "was masked already"
refused "job cannot mask a settlement with an open exception" \
  "UPDATE settlements SET personal_data_masked_at = now(), payer_name = NULL, payer_doc = NULL, message = NULL WHERE id = 26" \
  "has an open exception"
refused "job cannot change an amount" "UPDATE settlements SET amount_paid_cents = 0 WHERE id = 34" "permission denied"
refused "job cannot change a key" "UPDATE settlements SET natural_key = 'x' WHERE id = 34" "permission denied"
refused "job cannot delete settlements" "DELETE FROM settlements WHERE id = 1" "permission denied"
refused "job cannot delete exceptions" "DELETE FROM exceptions WHERE status = 'resolved'" "permission denied"
refused "job cannot edit an exception" "UPDATE exceptions SET detail = NULL" "permission denied"
refused "job cannot delete runs" "DELETE FROM job_runs" "permission denied"
refused "job cannot delete return files" "DELETE FROM return_files WHERE id = 5" "permission denied"
t_sql "INSERT INTO settlements (id, file_id, line, format, kind, paid, amount_paid_cents, payer_doc, payer_name, natural_key)
       VALUES (35, 5, 2, 'cnab240', 'boleto', true, 100, '12345678901', 'Fulana', 'nk-35')" >/dev/null
t_eq "job may mask a settlement (the one thing allowed)" "" \
  "$(job "UPDATE settlements SET personal_data_masked_at = now(), payer_name = NULL, payer_doc = NULL, message = NULL WHERE id = 35")"
t_done
