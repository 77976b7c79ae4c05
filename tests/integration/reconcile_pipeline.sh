#!/usr/bin/env bash
# reconcile_pipeline.sh - the pipelined apply (reconcile/engine.c): the
# candidates stream on a second connection while the main one pays what is
# decided, range by range. It must decide and pay exactly what one apply at
# the end does, and still notice a payment that changes before its range is
# paid.
#
# SETTLE_RECONCILE_APPLY_ROWS=N makes a range of N decisions worth an apply
# of its own (16384 by default: the small files here are one apply).
. "$(dirname "$0")/../lib.sh"

# load: payments and one ingested file whose settlements exercise every kind
# of decision, among them settlements that wait for the fallback keys and
# find a payment an earlier range of the same file has already paid.
load() {
  t_sql "
INSERT INTO payments (id, order_id, method, amount_cents, status, bank_code, nosso_numero, txid)
SELECT i, 'o' || i, 'boleto', 10000, CASE WHEN i % 37 = 0 THEN 'canceled' ELSE 'pending' END, '341',
       (100000 + i)::text, NULL
  FROM generate_series(1, 300) i;
INSERT INTO payments (id, order_id, method, amount_cents, status, bank_code, nosso_numero, txid) VALUES
 (301, 'o301', 'boleto', 20000, 'pending', '033', '123456789012', NULL),
 (302, '5555', 'pix',     5500, 'pending', NULL,  NULL, 'TXID5AAAAAAAAAAAAAAAAAAAAAAAA'),
 (303, '4444', 'boleto',  4000, 'pending', '237', '99999', NULL),
 (304, 'o304', 'boleto', 20000, 'pending', '033', '223456789012', NULL),
 (305, 'o305', 'boleto', 20000, 'pending', '033', '323456789012', NULL);
INSERT INTO return_files (id, source, name, size_bytes, sha256, format, status)
 VALUES (1, 'local', 'pipeline.ret', 1, repeat('a', 64), 'cnab240', 'ingested');
SELECT setval('return_files_id_seq', 10);
-- line 1: pays 301 exactly; line 2: 305 printed with its DV (fallback),
-- paid exactly again at line 250 (after line 2 waited)
INSERT INTO settlements (file_id, line, format, bank_code, kind, movement_code, paid, nosso_numero, amount_paid_cents,
                         occurred_on, natural_key) VALUES
 (1, 1, 'cnab240', '033', 'boleto', '06', true, '123456789012', 20000, DATE '2026-11-27', 'k1'),
 (1, 2, 'cnab240', '033', 'boleto', '06', true, '3234567890124', 20000, DATE '2026-11-27', 'k2');
-- lines 3-302: payments 1-300, every 10th underpaid, every 25th the
-- previous payment again, every 40th a liquidação without money (an event
-- or an exception), line 250 pays 305 exactly
INSERT INTO settlements (file_id, line, format, bank_code, kind, movement_code, paid, nosso_numero, amount_paid_cents,
                         occurred_on, natural_key)
SELECT 1, 2 + i, 'cnab240', CASE WHEN i = 248 THEN '033' ELSE '341' END, 'boleto',
       CASE WHEN i % 40 = 0 THEN '02' ELSE '06' END, i % 40 <> 0,
       CASE WHEN i = 248 THEN '323456789012' WHEN i % 25 = 0 THEN (100000 + i - 1)::text ELSE '0' || (100000 + i) END,
       CASE WHEN i = 248 THEN 20000 WHEN i % 40 = 0 THEN 0 WHEN i % 10 = 0 THEN 9000 ELSE 10000 END,
       DATE '2026-11-27', 'k' || (2 + i)
  FROM generate_series(1, 300) i;
-- lines 303-308: 301 printed with its DV (paid by line 1, a range before);
-- seu número reference; Pix order reference twice; 304 with its DV; unknown
INSERT INTO settlements (file_id, line, format, bank_code, kind, movement_code, paid, nosso_numero, seu_numero,
                         end_to_end_id, message, amount_paid_cents, occurred_on, natural_key) VALUES
 (1, 303, 'cnab240', '033', 'boleto', '06', true, '1234567890123', NULL, NULL, NULL, 20000, DATE '2026-11-27', 'k303'),
 (1, 304, 'cnab240', '237', 'boleto', '06', true, '000000000001', '00004444', NULL, NULL, 4000, DATE '2026-11-27', 'k304'),
 (1, 305, 'pix-csv', NULL, 'pix', NULL, true, NULL, NULL, 'E12345678202611281200bbbbbbbbbbb', 'pedido PED-5555', 5500,
  DATE '2026-11-27', 'k305'),
 (1, 306, 'pix-csv', NULL, 'pix', NULL, true, NULL, NULL, 'E12345678202611281200ccccccccccc', 'PED-5555 de novo', 5500,
  DATE '2026-11-27', 'k306'),
 (1, 307, 'cnab240', '033', 'boleto', '06', true, '2234567890129', NULL, NULL, NULL, 20000, DATE '2026-11-27', 'k307'),
 (1, 308, 'cnab240', '341', 'boleto', '06', true, '424242', NULL, NULL, NULL, 10000, DATE '2026-11-27', 'k308');
" >/dev/null
}

# dump: every decision and its effects, by line (ids of requests may differ)
dump() {
  t_sql "
SELECT 'o', s.line, o.outcome, o.rule, o.payment_id, o.reason, o.event, o.expected_cents, o.paid_cents,
       o.interest_cents, o.discount_cents, o.paid_at, o.detail
  FROM settlement_outcomes o JOIN settlements s ON s.id = o.settlement_id
UNION ALL
SELECT 'p', p.id, p.status, NULL, p.paid_cents, NULL, NULL, p.interest_cents, p.discount_cents, s.line, NULL, p.paid_at, NULL
  FROM payments p LEFT JOIN settlements s ON s.id = p.paid_by_settlement
UNION ALL
SELECT 'i', r.payment_id, NULL, NULL, s.line, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM invoice_requests r JOIN settlements s ON s.id = r.settlement_id
UNION ALL
SELECT 'x', s.line, x.reason, x.status, x.payment_id, NULL, NULL, x.expected_cents, x.paid_cents, NULL, NULL, NULL, x.detail
  FROM exceptions x JOIN settlements s ON s.id = x.settlement_id
UNION ALL
SELECT 'e', s.line, e.event, e.movement_code, e.payment_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM payment_events e JOIN settlements s ON s.id = e.settlement_id
ORDER BY 1, 2, 3"
}

CONF=("[reconcile]" "pix_reference_pattern = PED-([0-9]+)")

# 1. One apply at the end (the file is below the default range) ...
t_newdb
t_config "$T_TMP/one.conf" "${CONF[@]}"
load
t_run one env SETTLE_CONFIG="$T_TMP/one.conf" "$SETTLE" reconcile
t_eq "one apply: exit 0" 0 "$one_rc"
t_contains "one apply: one settle_mark_paid() call" "applies=1" "$one"
dump >"$T_TMP/one.dump"

# ... against ranges of 7 decisions: the same decisions, payments, requests,
# exceptions and events, line for line.
t_newdb
t_config "$T_TMP/piped.conf" "${CONF[@]}"
load
t_run piped env SETTLE_CONFIG="$T_TMP/piped.conf" SETTLE_RECONCILE_APPLY_ROWS=7 "$SETTLE" reconcile
t_eq "pipelined: exit 0" 0 "$piped_rc"
applies=$(sed -n 's/.*msg="reconciled file".* applies=\([0-9]*\).*/\1/p' <<<"$piped")
t_check "pipelined: one apply while the candidates streamed, one after, one for the waiting settlements (found ${applies:-none})" test "${applies:-0}" -ge 3
dump >"$T_TMP/piped.dump"
t_check "pipelined: the same result as one apply ($(wc -l <"$T_TMP/one.dump") rows)" \
  cmp -s "$T_TMP/one.dump" "$T_TMP/piped.dump"
diff "$T_TMP/one.dump" "$T_TMP/piped.dump" | head -n 10 | sed 's/^/#   /'
kinds=$(t_sql "SELECT count(DISTINCT coalesce(reason, rule)) FROM settlement_outcomes
               WHERE coalesce(reason, rule) IN ('nn_exact', 'UNDERPAID', 'DUPLICATE_PAYMENT', 'nn_dv', 'seu_ref', 'pix_ref')")
t_eq "the fixture pays and refuses: nn_exact, UNDERPAID, DUPLICATE_PAYMENT, nn_dv, seu_ref, pix_ref" 6 "$kinds"
[ "$kinds" = 6 ] || t_sql "SELECT '#   ' || outcome || ' ' || coalesce(reason, rule, '-') || ': ' || count(*)
                             FROM settlement_outcomes GROUP BY outcome, reason, rule ORDER BY 1"
# the settlement that waited for its fallback key, and found a payment a
# range before had paid: decided as without the pipeline (the payment as it
# was when the candidates were read, and this file's own record of it)
t_eq "a DV key finding a payment paid a range before: DUPLICATE_PAYMENT, by an earlier record of this file" \
  "exception|DUPLICATE_PAYMENT|already paid by an earlier record of this file" \
  "$(t_sql "SELECT concat_ws('|', o.outcome, o.reason, o.detail) FROM settlement_outcomes o
              JOIN settlements s ON s.id = o.settlement_id WHERE s.line = 303")"
t_eq "each payment paid once, with one invoice request" "0" \
  "$(t_sql "SELECT count(*) FROM (SELECT payment_id FROM invoice_requests GROUP BY 1 HAVING count(*) > 1) d")"
t_eq "requests = payments paid = paid decisions" "1 1" \
  "$(t_sql "SELECT ((SELECT count(*) FROM invoice_requests) = (SELECT count(*) FROM payments WHERE status = 'paid'))::int
             || ' ' || ((SELECT count(*) FROM invoice_requests) = (SELECT count(*) FROM settlement_outcomes WHERE outcome = 'paid'))::int")"
t_no_dangling_refs

# The knob only lowers the range, and is a number or nothing: anything else
# stops reconcile before it claims a file.
for bad in 7x 0 16385 -1; do
  t_run out env SETTLE_CONFIG="$T_TMP/piped.conf" SETTLE_RECONCILE_APPLY_ROWS=$bad "$SETTLE" reconcile
  t_eq "SETTLE_RECONCILE_APPLY_ROWS=$bad: exit 78" 78 "$out_rc"
  t_contains "SETTLE_RECONCILE_APPLY_ROWS=$bad: says what is wrong" \
    "SETTLE_RECONCILE_APPLY_ROWS = \\\"$bad\\\": expected a whole number from 1 to 16384" "$out"
done

# 2. A payment that changes after the candidates were read and before its
# range is paid: the count differs, the file is rolled back and decided
# again with the payments locked, as in reconcile_conflict.sh. Ranges of 2:
# settlements 1-2 are paid while 3-4 are still being decided.
t_newdb
t_config "$T_TMP/conflict.conf"
t_sql "
INSERT INTO payments (id, order_id, method, amount_cents, bank_code, nosso_numero)
SELECT i, 'o' || i, 'boleto', 1000, '001', lpad(i::text, 17, '0') FROM generate_series(1, 4) i;
INSERT INTO return_files (id, name, size_bytes, sha256, format, bank_code, status)
VALUES (1, 'conflict.ret', 1, repeat('b', 64), 'cnab240', '001', 'ingested');
INSERT INTO settlements (file_id, line, format, bank_code, kind, movement_code, paid, nosso_numero, amount_paid_cents, natural_key)
SELECT 1, 2 + j, 'cnab240', '001', 'boleto', '06', true, lpad(j::text, 17, '0'), 1000, 'c|' || j
  FROM generate_series(1, 4) j;" >/dev/null
mark=$T_TMP/paused
wait_mark() { t_wait_file "$mark" 20 && rm -f "$mark"; }
SETTLE_CONFIG=$T_TMP/conflict.conf SETTLE_RECONCILE_APPLY_ROWS=2 SETTLE_TEST_PAUSE_AT=reconcile:apply \
  SETTLE_TEST_PAUSE_FILE=$mark SETTLE_TEST_PAUSE_MS=2000 "$SETTLE" reconcile 2>"$T_TMP/conflict.log" & pid=$!
t_check "first pass pauses before its first range is paid" wait_mark
t_run changed psql "$T_CONN" -qtAX -v ON_ERROR_STOP=1 -c "SET lock_timeout = '1s'" \
  -c "UPDATE payments SET status = 'canceled' WHERE id = 1" \
  -c "UPDATE payments SET amount_cents = 1500 WHERE id = 4"
t_eq "nothing is locked before the first range is paid" "0" "$changed_rc"
t_check "second pass pauses at the same point" wait_mark
wait $pid; rc=$?
t_eq "reconcile exits 0" 0 "$rc"
t_contains "the conflict is noticed across the ranges" "decided_paid=4 applied=2" "$(cat "$T_TMP/conflict.log")"
t_eq "decided again as after the changes" \
  "1|exception|PAYMENT_NOT_PENDING 2|paid| 3|paid| 4|exception|UNDERPAID" \
  "$(t_sql "SELECT string_agg(o.payment_id || '|' || o.outcome || '|' || coalesce(o.reason, ''), ' ' ORDER BY o.payment_id)
              FROM settlement_outcomes o")"
t_eq "payments: cancelled, paid, paid, pending" "1 canceled|2 paid|3 paid|4 pending" \
  "$(t_sql "SELECT string_agg(id || ' ' || status, '|' ORDER BY id) FROM payments")"
t_eq "two invoice requests" "2,3" "$(t_sql "SELECT string_agg(payment_id::text, ',' ORDER BY payment_id) FROM invoice_requests")"
t_no_dangling_refs

# 3. The reader connection is opened by the first file that needs it: a
# reconcile holds one connection until then (a night with nothing to
# reconcile, or card files only, never opens the second), two from there.
t_newdb
t_config "$T_TMP/lazy.conf"
t_sql "
INSERT INTO payments (id, order_id, method, amount_cents, bank_code, nosso_numero)
SELECT i, 'o' || i, 'boleto', 1000, '001', lpad(i::text, 17, '0') FROM generate_series(1, 2) i;
INSERT INTO return_files (id, name, size_bytes, sha256, format, bank_code, status)
SELECT i, 'lazy' || i || '.ret', 1, repeat(i::text, 64), 'cnab240', '001', 'ingested' FROM generate_series(1, 2) i;
INSERT INTO settlements (file_id, line, format, bank_code, kind, movement_code, paid, nosso_numero, amount_paid_cents, natural_key)
SELECT i, 3, 'cnab240', '001', 'boleto', '06', true, lpad(i::text, 17, '0'), 1000, 'l|' || i FROM generate_series(1, 2) i;" >/dev/null
conns() { t_sql "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'settle'"; }
for at in claimed:1:1 keys:2:2; do   # hook:connections:file
  IFS=: read -r hook want fid <<<"$at"
  SETTLE_CONFIG=$T_TMP/lazy.conf SETTLE_TEST_PAUSE_AT=reconcile:$hook SETTLE_TEST_PAUSE_FILE=$mark \
    SETTLE_TEST_PAUSE_MS=1500 "$SETTLE" reconcile --max-files 1 2>"$T_TMP/lazy.log" & pid=$!
  t_check "paused at reconcile:$hook" wait_mark
  t_eq "connections held at reconcile:$hook" "$want" "$(conns)"
  wait $pid; rc=$?
  t_eq "file $fid reconciled (exit 0)" "0 reconciled" "$rc $(t_sql "SELECT status FROM return_files WHERE id = $fid")"
done
t_done
