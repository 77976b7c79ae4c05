#!/usr/bin/env bash
# export-crash.sh - a crash between writing a batch and recording it: the
# next run publishes the very same batch (same id, bytes and sha256), and
# no request goes out twice or is lost.
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/tools/pipeline.sh"

t_newdb
t_config "$T_TMP/settle.conf" "[export]" "batch_size = 10"
export SETTLE_CONFIG=$T_TMP/settle.conf
p_seed
out_dir=$T_TMP/spool/outbox

t_run out env SETTLE_TEST_CRASH_AFTER=export-file "$SETTLE" export
t_eq "injected crash exits 99" 99 "$out_rc"
t_eq "the group's batches are reserved, not published" "1 reserved|2 reserved|3 reserved" \
  "$(t_sql "SELECT string_agg(id || ' ' || status, '|' ORDER BY id) FROM export_batches")"
t_eq "no request marked exported" 0 "$(t_sql 'SELECT count(*) FROM invoice_requests WHERE batch_id IS NOT NULL')"
gz=$(ls "$out_dir"/*-00000001.csv.gz)
t_check "the crashed run's file is complete" gzip -t "$gz"
mkdir -p "$T_TMP/crashed"
cp "$gz" "${gz%.csv.gz}.manifest.json" "$T_TMP/crashed/"

# More requests arriving meanwhile must not slip into the half-done batch.
t_sql "UPDATE payments SET status = 'paid', paid_at = '2026-11-28 10:00+00', paid_cents = amount_cents WHERE id = 26;
       INSERT INTO invoice_requests (payment_id, settlement_id) VALUES (26, 26)" >/dev/null

t_run out "$SETTLE" export
t_eq "re-run exits 0" 0 "$out_rc"
t_check "re-run rewrote a byte-identical data file" cmp -s "$T_TMP/crashed/$(basename "$gz")" "$gz"
t_check "re-run rewrote a byte-identical manifest" cmp -s "$T_TMP/crashed/$(basename "${gz%.csv.gz}").manifest.json" "${gz%.csv.gz}.manifest.json"
t_eq "batch 1 published with the crashed file's sha256" "$(sha256sum "$T_TMP/crashed/$(basename "$gz")" | cut -d' ' -f1)" \
  "$(t_sql "SELECT sha256 FROM export_batches WHERE id = 1 AND status = 'published'")"
t_eq "batches after the re-run: the reserved ones as they were, then the new request" "1:1-10|2:11-20|3:21-25|4:26-26" \
  "$(t_sql "SELECT string_agg(id || ':' || first_request_id || '-' || last_request_id, '|' ORDER BY id) FROM export_batches WHERE status = 'published'")"
t_eq "every request exported exactly once" "26|26|0" \
  "$(t_sql "SELECT count(*) || '|' || count(DISTINCT request_id) || '|' || (SELECT count(*) FROM invoice_requests WHERE batch_id IS NULL) FROM export_batch_items")"
t_eq "file rows total the requests" 26 \
  "$(for f in "$out_dir"/*.csv.gz; do gunzip -c "$f" | tail -n +2; done | grep -c '^"')"

# A crash that lost the file altogether (the rename never reached the disk):
# the next run writes it again, identical to what the first attempt wrote.
t_sql "UPDATE payments SET status = 'paid', paid_at = '2026-11-28 10:00+00', paid_cents = amount_cents WHERE id = 27;
       INSERT INTO invoice_requests (payment_id, settlement_id) VALUES (27, 27)" >/dev/null
t_run out env SETTLE_TEST_CRASH_AFTER=export-file "$SETTLE" export
t_eq "second injected crash exits 99" 99 "$out_rc"
gz4=$(ls "$out_dir"/*-00000005.csv.gz)
sum4=$(sha256sum "$gz4" | cut -d' ' -f1)
rm -f "$out_dir"/*-00000005.*
t_run out "$SETTLE" export
t_eq "re-run after a lost file exits 0" 0 "$out_rc"
t_eq "lost batch rewritten byte for byte" "$sum4" "$(sha256sum "$(ls "$out_dir"/*-00000005.csv.gz)" | cut -d' ' -f1)"
t_eq "lost batch published once, same id" "5|published|1" \
  "$(t_sql "SELECT id || '|' || status || '|' || record_count FROM export_batches WHERE id = 5")"

t_done
