#!/usr/bin/env bash
# export-upload.sh - settle export delivering batches to [destination invoices]
# on the real throwaway sshd: every batch once, data file before manifest,
# a re-run after a crash between upload and record re-sends nothing, a
# different file under a batch's name is refused, a server down leaves the
# batches published locally and delivered by the next run.
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/tools/pipeline.sh"
. "$T_TOP/tests/support/fetch-lib.sh"

R=$T_TMP/root
mkdir -p "$R/invoices"
f_sshd_start "$R"
t_newdb
dest=$(f_source invoices invoices min_age_seconds= | sed 's/^\[source invoices\]$/[destination invoices]/')
t_config "$T_TMP/settle.conf" "[export]" "batch_size = 10" "$dest"
export SETTLE_CONFIG=$T_TMP/settle.conf
p_seed
out_dir=$T_TMP/spool/outbox

t_run out "$SETTLE" export
t_eq "export with upload exits 0" 0 "$out_rc"
t_eq "3 batches, 6 files on the server" 6 "$(ls "$R/invoices" | wc -l)"
t_eq "no .part left on the server" "" "$(ls -A "$R/invoices" | grep '\.part$' || true)"
same=1
for f in "$out_dir"/invoice-requests-*; do cmp -s "$f" "$R/invoices/$(basename "$f")" || same=0; done
t_eq "uploaded files equal the outbox" 1 "$same"
t_eq "every batch recorded as uploaded" 0 "$(t_sql 'SELECT count(*) FROM export_batches WHERE uploaded_at IS NULL')"

t_run out "$SETTLE" export
t_eq "second run exits 0" 0 "$out_rc"
t_not_contains "second run uploads nothing" "uploaded batch" "$out"

# Uploaded but not recorded (a crash in between): delivered, not re-sent.
t_sql "UPDATE export_batches SET uploaded_at = NULL WHERE id = 2" >/dev/null
t_run out "$SETTLE" export
t_eq "re-run after an unrecorded upload exits 0" 0 "$out_rc"
t_eq "batch 2 recorded as uploaded" 1 "$(t_sql 'SELECT count(*) FROM export_batches WHERE id = 2 AND uploaded_at IS NOT NULL')"

# A different file under a batch's name: refused, not overwritten.
t_sql "UPDATE export_batches SET uploaded_at = NULL WHERE id = 3" >/dev/null
printf 'something else' >"$R"/invoices/invoice-requests-*-00000003.csv.gz
t_run out "$SETTLE" export
t_eq "a foreign file under a batch's name exits 65" 65 "$out_rc"
t_contains "and says so" "is already on [destination invoices] with 14 bytes" "$out"
t_eq "batch 3 not recorded as uploaded" 1 "$(t_sql 'SELECT count(*) FROM export_batches WHERE id = 3 AND uploaded_at IS NULL')"
rm -f "$R"/invoices/*-00000003.*

# The same name and the same size but other bytes: not taken as delivered
# (it used to be, trusted by size), refused, left alone.
t_sql "UPDATE export_batches SET uploaded_at = NULL WHERE id = 2" >/dev/null
f2=$(ls "$R"/invoices/*-00000002.csv.gz)
head -c "$(stat -c %s "$f2")" /dev/zero >"$f2"
t_run out "$SETTLE" export
t_eq "same size, other bytes under a batch's name: exit 65" 65 "$out_rc"
t_contains "and says so" "with our size ($(stat -c %s "$f2") bytes) but other bytes" "$out"
t_eq "batch 2 not recorded as uploaded" 1 "$(t_sql 'SELECT count(*) FROM export_batches WHERE id = 2 AND uploaded_at IS NULL')"
t_eq "the file on the server left as it was" "0" "$(tr -d '\0' <"$f2" | wc -c)"
cp "$out_dir/$(basename "$f2")" "$f2"        # the invoicing team puts the right bytes back
t_run out "$SETTLE" export
t_eq "with our bytes there it counts as delivered" "0 1" \
  "$out_rc $(t_sql 'SELECT count(*) FROM export_batches WHERE id = 2 AND uploaded_at IS NOT NULL')"
rm -f "$R"/invoices/*-00000003.*           # (that run delivered batch 3 too: undo it for what follows)
t_sql "UPDATE export_batches SET uploaded_at = NULL WHERE id = 3" >/dev/null

# Server down: the batch is published locally, delivered by the next run.
"$T_TOP/scripts/sshd" stop >/dev/null 2>&1
t_sql "UPDATE payments SET status = 'paid', paid_at = '2026-11-28 10:00+00', paid_cents = amount_cents WHERE id = 26;
       INSERT INTO invoice_requests (payment_id, settlement_id) VALUES (26, 26)" >/dev/null
t_run out "$SETTLE" export
t_eq "server down exits 75 (try again later)" 75 "$out_rc"
t_eq "batch 4 published anyway" "published" "$(t_sql 'SELECT status FROM export_batches WHERE id = 4')"
t_eq "batches 3 and 4 wait for upload" "3 4" "$(t_sql 'SELECT string_agg(id::text, $$ $$ ORDER BY id) FROM export_batches WHERE uploaded_at IS NULL')"
t_contains "status counts what waits for upload" "batches not uploaded yet:       2" "$("$SETTLE" status 2>&1)"
f_sshd_start "$R"   # a new port: rewrite the section
dest=$(f_source invoices invoices min_age_seconds= | sed 's/^\[source invoices\]$/[destination invoices]/')
t_config "$T_TMP/settle.conf" "[export]" "batch_size = 10" "$dest"
t_run out "$SETTLE" export
t_eq "next run exits 0" 0 "$out_rc"
t_eq "all delivered" 0 "$(t_sql 'SELECT count(*) FROM export_batches WHERE uploaded_at IS NULL')"
t_check "batch 4 on the server" cmp -s "$(ls "$out_dir"/*-00000004.csv.gz)" "$(ls "$R"/invoices/*-00000004.csv.gz)"
t_done
