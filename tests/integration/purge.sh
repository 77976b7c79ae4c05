#!/usr/bin/env bash
# purge.sh - `settle purge`, the [retention] policy (LGPD): old files go from
# archive/, rejected/, outbox/, reports/, the log directory and the EMF file;
# old payer data in settlements, and the payer's name and CPF/CNPJ in the
# notes of their exceptions and resolution history, is masked in chunks of
# [retention] mask_chunk_rows, one transaction each (sql/020_retention.sql),
# amounts, keys and the audit trail kept; young data is not masked; nothing a later step still needs goes (an archived file not
# reconciled or with an open exception, a batch not uploaded, a settlement
# with an open exception); --dry-run changes nothing; `settle run` ends with
# it. And what the grants purge needs must NOT allow (settle_test_job).
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/tools/pipeline.sh"

t_newdb
S=$T_TMP/spool L=$T_TMP/logs M=$T_TMP/metrics.log
ret=("[retention]" "archive_days = 365" "rejected_days = 30" "outbox_days = 30" "reports_days = 30"
     "logs_days = 30" "log_dir = $L" "metrics_days = 10" "personal_data_days = 5" "mask_chunk_rows = 5")
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
# Payer data in exception texts (issue 16: "in settlements and exceptions"):
# settlement 32's exception (file 2, 10 days old, resolved) and its history
# name the payer; a card sale nobody reported (no settlement) resolved 8
# days ago names the customer; a young exception and a young missing card
# sale name theirs and must keep them.
t_sql "UPDATE settlements SET payer_name = 'Fulano de Tal', payer_doc = '11122233344' WHERE id = 32;
       UPDATE exceptions SET created_at = now() - interval '10 days', resolved_at = now() - interval '9 days',
              resolution_note = 'devolvido a FULANO DE TAL, CPF 111.222.333-44; pedido ORD-1032, nosso número 00000000000000032'
        WHERE settlement_id = 32;
       INSERT INTO exception_resolutions (exception_id, resolution, note, resolved_by, resolved_at)
       SELECT id, 'refund', 'devolvido a Fulano  de Tal (11122233344), Cliente 32', 'maria', resolved_at
         FROM exceptions WHERE settlement_id = 32;
       INSERT INTO exceptions (reason, settlement_id, payment_id, file_id, line, detail, status, created_at,
                               resolved_at, resolved_by, resolution, resolution_note) VALUES
         ('CARD_SALE_MISSING', NULL, 33, NULL, NULL, 'no acquirer reported the capture', 'resolved',
          now() - interval '10 days', now() - interval '8 days', 'joao', 'ignore',
          'Cliente 33 cancelou; CNPJ 12.345.678/0001-33 avisado'),
         ('CARD_SALE_MISSING', NULL, 30, NULL, NULL, 'no acquirer reported the capture', 'resolved',
          now() - interval '1 day', now(), 'joao', 'ignore', 'Cliente 30 cancelou; CPF 123.456.789-30'),
         ('UNKNOWN_PAYMENT', 34, NULL, 4, 2, 'no payment matches', 'resolved', now(), now(), 'maria', 'ignore',
          'Pagador <desconhecido>, CPF 987.654.321-00, ligou')" >/dev/null
audit() { t_sql "SELECT md5(string_agg(concat_ws('|', id, reason, settlement_id, payment_id, expected_cents, paid_cents,
                   file_id, line, status, created_at, resolved_at, resolved_by, resolution), ',' ORDER BY id)) FROM exceptions"
          t_sql "SELECT md5(string_agg(concat_ws('|', id, exception_id, resolution, resolved_by, resolved_at, payment_id),
                   ',' ORDER BY id)) FROM exception_resolutions"; }
audit_before=$(audit)
money() { t_sql "SELECT sum(amount_paid_cents) || '/' || count(*) || '/' || md5(string_agg(natural_key, ',' ORDER BY id)) FROM settlements"; }
before=$(money)

# --dry-run: lists, changes nothing.
t_run out "$SETTLE" purge --dry-run
t_eq "dry run exits 0" 0 "$out_rc"
t_contains "dry run lists an old archived file" "would delete $S/archive/bb/OLD.RET" "$out"
t_contains "and the masking" "would mask the payer data of 26 settlement(s) and 2 exception(s)" "$out"
t_check "dry run deleted nothing" test -f "$S/archive/bb/OLD.RET" -a -f "$S/rejected/pix/bad.csv" -a -f "$L/settle-20250101.log"
t_eq "dry run masked nothing" 0 "$(t_sql "SELECT count(*) FROM settlements WHERE personal_data_masked_at IS NOT NULL")"
t_eq "dry run masked no exception" 0 "$(t_sql "SELECT count(*) FROM exceptions WHERE personal_data_masked_at IS NOT NULL")"
t_eq "dry run left the EMF file" 2 "$(wc -l <"$M")"

t_run out "$SETTLE" purge
t_eq "purge exits 0" 0 "$out_rc"
purge_out=$out
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
t_eq "exceptions and resolution history: reasons, amounts, keys, who, how and when unchanged" "$audit_before" "$(audit)"
t_contains "purge says what it masked, in chunks of mask_chunk_rows" \
  "masked the payer data of 26 settlement(s) and 2 exception(s) (7 transaction(s))" "$purge_out"
t_eq "each chunk committed on its own (26 settlements, 5 per transaction)" 6 \
  "$(t_sql "SELECT count(DISTINCT personal_data_masked_at) FROM settlements WHERE personal_data_masked_at IS NOT NULL")"
note() { t_sql "SELECT coalesce(resolution_note, '') || '|' || (personal_data_masked_at IS NOT NULL) FROM exceptions WHERE $1"; }
t_eq "an old exception's note: payer name and CPF masked, order and nosso número kept" \
  "devolvido a [removido], CPF [removido]; pedido ORD-1032, nosso número 00000000000000032|true" "$(note "settlement_id = 32")"
t_eq "its resolution history: name (any spacing), bare CPF and customer name masked" \
  "devolvido a [removido] ([removido]), [removido]" \
  "$(t_sql "SELECT note FROM exception_resolutions WHERE exception_id = (SELECT id FROM exceptions WHERE settlement_id = 32)")"
t_eq "an old exception without a settlement (CARD_SALE_MISSING): customer name and CNPJ masked" \
  "[removido] cancelou; CNPJ [removido] avisado|true" "$(note "reason = 'CARD_SALE_MISSING' AND payment_id = 33")"
t_eq "a young exception without a settlement keeps its note" \
  "Cliente 30 cancelou; CPF 123.456.789-30|false" "$(note "reason = 'CARD_SALE_MISSING' AND payment_id = 30")"
t_eq "a young settlement's resolved exception keeps its note" \
  "Pagador <desconhecido>, CPF 987.654.321-00, ligou|false" "$(note "settlement_id = 34")"
t_eq "open exceptions are never masked" 0 \
  "$(t_sql "SELECT count(*) FROM exceptions WHERE status = 'open' AND personal_data_masked_at IS NOT NULL")"
t_eq "the payments' own customer data is not settle's to mask" "Cliente 32|12345678932" \
  "$(t_sql "SELECT customer_name || '|' || customer_doc FROM payments WHERE id = 32")"
t_run out "$SETTLE" purge
t_contains "a second purge masks nothing more" "masked the payer data of 0 settlement(s) and 0 exception(s)" "$out"
# Files purge has done with are marked and never read again (023): only an
# old file none of whose settlements keeps payer data.
marked() { t_sql "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '-') FROM return_files WHERE personal_data_masked_at IS NOT NULL"; }
t_eq "files marked done: the old ones with nothing left to mask (1: 13 settlements masked; 5: none); not 2 (settlements kept for open exceptions), nor 3 and 4 (young)" \
  "1,5" "$(marked)"

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
  "permission denied for table settlements"
refused "job cannot blank a name itself (masking goes through settle_mask_personal_data)" \
  "UPDATE settlements SET payer_name = NULL, payer_doc = NULL, message = NULL, personal_data_masked_at = now() WHERE id = 34" \
  "permission denied for table settlements"
refused "job cannot unmask" "UPDATE settlements SET personal_data_masked_at = NULL WHERE id = 1" "permission denied"
refused "job cannot change an amount" "UPDATE settlements SET amount_paid_cents = 0 WHERE id = 34" "permission denied"
refused "job cannot change a key" "UPDATE settlements SET natural_key = 'x' WHERE id = 34" "permission denied"
refused "job cannot delete settlements" "DELETE FROM settlements WHERE id = 1" "permission denied"
refused "job cannot delete exceptions" "DELETE FROM exceptions WHERE status = 'resolved'" "permission denied"
refused "job cannot edit an exception" "UPDATE exceptions SET detail = NULL" "permission denied"
refused "job cannot edit an exception's note" "UPDATE exceptions SET resolution_note = '[removido]'" "permission denied"
refused "job cannot unmask an exception" "UPDATE exceptions SET personal_data_masked_at = NULL" "permission denied"
refused "job cannot edit the resolution history" "UPDATE exception_resolutions SET note = 'x'" "permission denied"
refused "job cannot delete runs" "DELETE FROM job_runs" "permission denied"
refused "job cannot delete return files" "DELETE FROM return_files WHERE id = 5" "permission denied"
refused "job cannot call the masking text helper" "SELECT settle_mask_text('a', NULL)" "permission denied for function"
refused "job cannot mark a file done itself (purge would skip its settlements)" \
  "UPDATE return_files SET personal_data_masked_at = now() WHERE id = 4" "permission denied"
refused "job cannot unmark a file" "UPDATE return_files SET personal_data_masked_at = NULL WHERE id = 5" "permission denied"
refused "job cannot mask data younger than a day" "SELECT * FROM settle_mask_personal_data(0, 0, 0, 0, 100)" \
  "personal data is masked after 1 day or more, not 0"
refused "nor in unbounded chunks" "SELECT * FROM settle_mask_personal_data(1, 0, 0, 0, 2000000)" "a chunk is 1 to 1000000 rows"
fin() { psql "$T_FINANCE_CONN" -qtAX -v ON_ERROR_STOP=1 -c "$1" 2>&1; }
inv() { psql "$T_INVOICING_CONN" -qtAX -v ON_ERROR_STOP=1 -c "$1" 2>&1; }
o=$(fin "SELECT * FROM settle_mask_personal_data(1, 0, 0, 0, 100)"); rc=$?
t_check "finance cannot mask" test $rc -ne 0 -a -n "$(grep 'permission denied for function settle_mask_personal_data' <<<"$o")"
o=$(inv "SELECT * FROM settle_mask_personal_data(1, 0, 0, 0, 100)"); rc=$?
t_check "invoicing cannot mask" test $rc -ne 0 -a -n "$(grep 'permission denied for function settle_mask_personal_data' <<<"$o")"
o=$(fin "UPDATE settlements SET payer_name = NULL WHERE id = 34"); rc=$?
t_check "finance cannot blank a payer itself" test $rc -ne 0 -a -n "$(grep 'permission denied' <<<"$o")"
o=$(fin "UPDATE exceptions SET resolution_note = NULL"); rc=$?
t_check "finance cannot edit notes behind the resolution functions" test $rc -ne 0 -a -n "$(grep 'permission denied' <<<"$o")"
t_sql "INSERT INTO return_files (id, source, name, size_bytes, sha256, format, status, received_at)
       VALUES (6, 'bb', 'OLD6.RET', 10, repeat('6', 64), 'cnab240', 'reconciled', now() - interval '400 days');
       INSERT INTO settlements (id, file_id, line, format, kind, paid, amount_paid_cents, payer_doc, payer_name, natural_key)
       VALUES (35, 6, 2, 'cnab240', 'boleto', true, 100, '12345678901', 'Fulana', 'nk-35')" >/dev/null
t_eq "job may mask through the function (the one thing allowed): old settlement 35 only, file 6 then done" "6|35|-|1|0" \
  "$(job "SELECT concat_ws('|', last_file, last_settlement, coalesce(last_exception::text, '-'), settlements, exceptions)
            FROM settle_mask_personal_data(5, 0, 0, NULL, 100)")"
t_eq "even called with 1 day, the function leaves settlements with an open exception alone" 7 \
  "$(job "SELECT count(*) FROM settle_mask_personal_data(1, 0, 0, 0, 1000000)" >/dev/null;
     t_sql "SELECT count(*) FROM settlements s JOIN exceptions e ON e.settlement_id = s.id WHERE e.status = 'open' AND s.personal_data_masked_at IS NULL")"
t_eq "file 6 is marked once its one settlement is masked, 3 (no settlement) once older than the day asked; 2 still not" \
  "1,3,5,6" "$(marked)"

# Finance resolves the open exceptions of file 2: the next purge masks the
# settlements they kept, and then marks the file.
t_sql "UPDATE exceptions SET status = 'resolved', resolved_at = now(), resolved_by = 'maria', resolution = 'ignore'
        WHERE status = 'open' AND settlement_id IN (SELECT id FROM settlements WHERE file_id IN (1, 2))" >/dev/null
t_run out "$SETTLE" purge
t_contains "purge masks the settlements the resolved exceptions kept" "masked the payer data of 7 settlement(s)" "$out"
t_eq "and marks their file" "1,2,3,5,6" "$(marked)"
t_eq "no settlement of a marked file keeps payer data" 0 \
  "$(t_sql "SELECT count(*) FROM settlements s JOIN return_files f ON f.id = s.file_id
             WHERE f.personal_data_masked_at IS NOT NULL AND s.personal_data_masked_at IS NULL")"
# A marked file is not read again. Settlements are written only by the
# ingest of their file, so none appears in a marked one; planted here, it
# shows that purge and its dry run skip the file.
t_sql "INSERT INTO settlements (id, file_id, line, format, kind, paid, amount_paid_cents, payer_name, natural_key)
       VALUES (36, 6, 3, 'cnab240', 'boleto', true, 100, 'Planted', 'nk-36')" >/dev/null
t_run out "$SETTLE" purge --dry-run
t_contains "dry run: a marked file is not counted" "would mask the payer data of 0 settlement(s)" "$out"
t_run out "$SETTLE" purge
t_contains "purge: a marked file is not read" "masked the payer data of 0 settlement(s)" "$out"
t_eq "(the planted settlement is untouched)" "Planted" "$(t_sql "SELECT payer_name FROM settlements WHERE id = 36")"
t_done
