#!/usr/bin/env bash
# export.sh - settle export against a real PostgreSQL: batches read back
# (gunzip + libcsv) equal the database rows, manifests are right, requests
# go out exactly once, a second run adds only new requests, --replay is
# byte-identical even after the payments change.
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/tools/pipeline.sh"

t_newdb
t_config "$T_TMP/settle.conf" "[export]" "batch_size = 10"
export SETTLE_CONFIG=$T_TMP/settle.conf
p_seed
p_csvdump
out_dir=$T_TMP/spool/outbox

t_run out "$SETTLE" export
t_eq "export exits 0" 0 "$out_rc"
t_eq "25 requests in batches of 10 make 3 batches" 3 "$(ls "$out_dir"/*.manifest.json | wc -l)"
t_eq "3 data files" 3 "$(ls "$out_dir"/invoice-requests-*-0000000[123].csv.gz | wc -l)"
t_eq "no temporary files left" "" "$(ls -A "$out_dir" | grep -v '^invoice-requests-' || true)"
t_eq "every request exported" 0 "$(t_sql 'SELECT count(*) FROM invoice_requests WHERE batch_id IS NULL')"
t_eq "batches recorded as published" "1 published 10|2 published 10|3 published 5" \
  "$(t_sql "SELECT string_agg(id || ' ' || status || ' ' || record_count, '|' ORDER BY id) FROM export_batches")"

# The expected rows, computed from the source tables (not from the snapshot).
expect_sql="SELECT r.id, p.id, p.order_id, p.customer_doc, replace(p.customer_name, E'\n', '\\n'), p.method,
                   p.amount_cents, p.paid_cents,
                   to_char(p.paid_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || '+00:00',
                   CASE WHEN s.kind = 'pix' THEN s.end_to_end_id ELSE s.nosso_numero END, s.bank_code
              FROM invoice_requests r JOIN payments p ON p.id = r.payment_id JOIN settlements s ON s.id = r.settlement_id"
for b in 1 2 3; do
  gz=$(ls "$out_dir"/invoice-requests-*-0000000$b.csv.gz)
  man=${gz%.csv.gz}.manifest.json
  dump=$(gunzip -c "$gz" | "$CSVDUMP")
  t_eq "batch $b parses with libcsv" 0 "$?"
  t_eq "batch $b header" "request_id	payment_id	order_id	customer_document	customer_name	method	amount_cents	paid_amount_cents	paid_at	settlement_reference	bank_code" \
    "$(head -n 1 <<<"$dump")"
  t_eq "batch $b rows equal the database rows" "$(p_sql_tsv "$expect_sql WHERE r.batch_id = $b ORDER BY r.id")" \
    "$(tail -n +2 <<<"$dump")"
  t_contains "batch $b manifest sha256" "\"sha256\": \"$(sha256sum "$gz" | cut -d' ' -f1)\"" "$(cat "$man")"
  t_contains "batch $b manifest count" "\"record_count\": $(t_sql "SELECT count(*) FROM invoice_requests WHERE batch_id = $b")," "$(cat "$man")"
  t_contains "batch $b manifest total" "\"total_cents\": $(t_sql "SELECT sum(p.paid_cents) FROM invoice_requests r JOIN payments p ON p.id = r.payment_id WHERE batch_id = $b")," "$(cat "$man")"
  t_contains "batch $b manifest id" "\"batch_id\": $b," "$(cat "$man")"
  t_contains "batch $b manifest file" "\"file\": \"$(basename "$gz")\"" "$(cat "$man")"
  t_eq "batch $b sha256 recorded in the database" "$(sha256sum "$gz" | cut -d' ' -f1)" \
    "$(t_sql "SELECT sha256 FROM export_batches WHERE id = $b")"
  t_check "batch $b is a valid gzip" gzip -t "$gz"
done
m1=$(ls "$out_dir"/*-00000001.manifest.json)
t_contains "manifest first request" "\"first_request_id\": 1," "$(cat "$m1")"
t_contains "manifest last request" "\"last_request_id\": 10" "$(cat "$m1")"
t_contains "manifest schema version" "\"schema_version\": 1," "$(cat "$m1")"
t_eq "file name carries the batch row's date" \
  "invoice-requests-$(t_sql "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYYMMDD') FROM export_batches WHERE id = 1")-00000001.csv.gz" \
  "$(basename "$(ls "$out_dir"/*-00000001.csv.gz)")"
# gzip header: magic, deflate, no flags, mtime 0, xfl 0 (level 4, the
# batch's gzip_level since 021), OS 255.
t_eq "batches are compressed at level 4" "4" "$(t_sql "SELECT gzip_level FROM export_batches WHERE id = 1")"
t_eq "gzip header has no mtime and no name" "1f8b08000000000000ff" "$(head -c 10 "$(ls "$out_dir"/*-00000001.csv.gz)" | od -An -tx1 | tr -d ' \n')"
t_eq "quotes, commas and newlines survive" 'Silva, João "Jota"' \
  "$(gunzip -c "$out_dir"/*-00000001.csv.gz | "$CSVDUMP" | awk -F'\t' '$1 == 2 { print $5 }')"

# Nothing new: no batch. New requests: one batch with only them.
t_run out "$SETTLE" export
t_eq "second export exits 0" 0 "$out_rc"
t_eq "second export writes nothing" 3 "$(t_sql 'SELECT count(*) FROM export_batches')"
t_sql "UPDATE payments SET status = 'paid', paid_at = '2026-11-28 10:00+00', paid_cents = amount_cents WHERE id IN (26, 27);
       INSERT INTO invoice_requests (payment_id, settlement_id) VALUES (26, 26), (27, 27)" >/dev/null
t_run out "$SETTLE" export
t_eq "new requests make batch 4" "4|2|26|27" \
  "$(t_sql "SELECT id || '|' || record_count || '|' || first_request_id || '|' || last_request_id FROM export_batches WHERE id = 4")"
t_eq "each request is in exactly one batch" "27|27" \
  "$(t_sql 'SELECT count(*) || $$|$$ || count(DISTINCT request_id) FROM export_batch_items')"

# Replay: byte for byte, even after the payments change.
t_sql "UPDATE payments SET customer_name = 'Renamed' WHERE id = 2" >/dev/null
t_run out "$SETTLE" export --replay 1 --output "$T_TMP/replay"
t_eq "replay exits 0" 0 "$out_rc"
g1=$(ls "$out_dir"/*-00000001.csv.gz)
t_check "replayed data file is byte-identical" cmp -s "$g1" "$T_TMP/replay/$(basename "$g1")"
t_check "replayed manifest is byte-identical" cmp -s "${g1%.csv.gz}.manifest.json" "$T_TMP/replay/$(basename "${g1%.csv.gz}").manifest.json"
t_eq "replay changed nothing in the database" 4 "$(t_sql "SELECT count(*) FROM export_batches WHERE status = 'published'")"
# The level is the batch's: a batch recorded at level 9 (published before
# migration 016) rebuilds at 9, which for this batch gives other bytes than
# the ones published, so the replay refuses them.
t_sql "UPDATE export_batches SET gzip_level = 9 WHERE id = 1" >/dev/null
t_run out "$SETTLE" export --replay 1 --output "$T_TMP/replay9"
t_eq "a batch replays at its own gzip level (9 here: other bytes, refused)" 70 "$out_rc"
t_contains "the refusal says why" "rebuilds to sha256" "$out"
t_sql "UPDATE export_batches SET gzip_level = 4 WHERE id = 1" >/dev/null
t_run out "$SETTLE" export --replay 1 --output "$T_TMP/replay4"
t_check "back at its own level the batch replays byte for byte" cmp -s "$g1" "$T_TMP/replay4/$(basename "$g1")"
t_run out "$SETTLE" export --replay 99
t_eq "replay of an unknown batch exits 64" 64 "$out_rc"
t_contains "replay of an unknown batch names it" "no export batch 99" "$out"
t_run out "$SETTLE" export --output "$T_TMP/x"
t_eq "--output without --replay is a usage error" 64 "$out_rc"
# A snapshot that no longer gives the published bytes is refused, not sent.
t_sql "UPDATE export_batch_items SET customer_name = 'Tampered' WHERE request_id = 2" >/dev/null
t_run out "$SETTLE" export --replay 1 --output "$T_TMP/replay2"
t_eq "replay of a changed batch exits 70" 70 "$out_rc"
t_contains "replay of a changed batch says so" "export batch 1 rebuilds to sha256" "$out"
t_eq "nothing written for a changed batch" "" "$(ls -A "$T_TMP/replay2" 2>/dev/null)"

# Formula injection and control characters: names from the payments service
# that a spreadsheet would run get a leading apostrophe in the batch, C1
# controls become spaces; the snapshot keeps the name as it was, so a replay
# gives the same bytes.
t_sql "UPDATE payments SET status = 'paid', paid_at = '2026-11-28 10:00+00', paid_cents = amount_cents,
              customer_name = CASE id WHEN 28 THEN E'=HYPERLINK(\"http://evil.example/\",\"x\")\u009b[2J' ELSE '-1+2' END
        WHERE id IN (28, 29);
       INSERT INTO invoice_requests (payment_id, settlement_id) VALUES (28, 28), (29, 29)" >/dev/null
t_run out "$SETTLE" export
t_eq "export of formula names exits 0" 0 "$out_rc"
g5=$(ls "$out_dir"/*-00000005.csv.gz)
d5=$(gunzip -c "$g5" | "$CSVDUMP")
t_eq "formula names start with an apostrophe, C1 blanked" "'=HYPERLINK(\"http://evil.example/\",\"x\") [2J|'-1+2" \
  "$(awk -F'\t' 'NR > 1 { print $5 }' <<<"$d5" | paste -sd'|')"
t_eq "amounts stay plain numbers" "$(t_sql "SELECT string_agg(amount_cents || ' ' || paid_cents, '|' ORDER BY id) FROM payments WHERE id IN (28, 29)")" \
  "$(awk -F'\t' 'NR > 1 { print $7 " " $8 }' <<<"$d5" | paste -sd'|')"
t_eq "the snapshot keeps the name as it was" "=HYPERLINK" \
  "$(t_sql "SELECT left(customer_name, 10) FROM export_batch_items WHERE payment_id = 28")"
t_run out "$SETTLE" export --replay 5 --output "$T_TMP/replay5"
t_check "replay of that batch is byte-identical" cmp -s "$g5" "$T_TMP/replay5/$(basename "$g5")"

# The snapshot's reference check (021: one range look-up, one probe per
# batch) still refuses an item whose request or batch does not exist.
item_cols="payment_id, order_id, customer_doc, customer_name, method, amount_cents, paid_cents, paid_at, settlement_reference, bank_code"
out=$(t_sql "INSERT INTO export_batch_items (request_id, batch_id, $item_cols)
             SELECT 100000, batch_id, $item_cols FROM export_batch_items WHERE request_id = 1" 2>&1)
t_contains "an item for a request that does not exist is refused" "a batch item needs an existing request and batch (request 100000," "$out"
t_sql "UPDATE payments SET status = 'paid', paid_at = '2026-11-28 10:00+00', paid_cents = amount_cents WHERE id = 30;
       INSERT INTO invoice_requests (payment_id, settlement_id) VALUES (30, 30)" >/dev/null
out=$(t_sql "INSERT INTO export_batch_items (request_id, batch_id, $item_cols)
             SELECT (SELECT id FROM invoice_requests WHERE payment_id = 30), 999, $item_cols
               FROM export_batch_items WHERE request_id = 1" 2>&1)
t_contains "an item for a batch that does not exist is refused" "batch 999)" "$out"
t_eq "nothing inserted" 0 "$(t_sql "SELECT count(*) FROM export_batch_items WHERE request_id = 100000 OR batch_id = 999")"

# Another export holding the lock: exit 75.
psql "$T_CONN" -qtAX -c "SELECT pg_advisory_lock(hashtext('settle.export')); SELECT pg_sleep(3)" >/dev/null &
sleep 0.5
t_run out "$SETTLE" export
t_eq "export while another runs exits 75" 75 "$out_rc"
wait
t_run out "$SETTLE" export
t_eq "the refused items left no trace: the next export takes the new request" "0|6|1" \
  "$out_rc|$(t_sql "SELECT id || '|' || record_count FROM export_batches b WHERE EXISTS (SELECT 1 FROM invoice_requests r WHERE r.batch_id = b.id AND r.payment_id = 30)")"

t_done
