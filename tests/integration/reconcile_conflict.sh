#!/usr/bin/env bash
# reconcile_conflict.sh - payments that change while reconcile decides a file.
#
# reconcile reads a file's candidate payments without locking them, decides,
# and its apply pays only payments still pending at the amount it decided on
# (reconcile/engine.c). Here another session changes three payments while
# reconcile is paused between deciding and applying: one is cancelled, one's
# amount changes, one is paid by someone else. The apply must notice, roll the
# file back and decide it again with the payments locked, ending exactly as a
# run after those changes would: PAYMENT_NOT_PENDING, UNDERPAID,
# DUPLICATE_PAYMENT, and the untouched payment paid once. During the second,
# locked pass a write to a candidate payment must wait.
. "$(dirname "$0")/../lib.sh"

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf

# load_file ID FIRST: a file of four records paying payments FIRST..FIRST+3,
# 1000 cents each
load_file() {
  t_sql "
INSERT INTO payments (id, order_id, method, amount_cents, bank_code, nosso_numero)
SELECT i, 'o' || i, 'boleto', 1000, '001', lpad(i::text, 17, '0') FROM generate_series($2, $2 + 3) i;
INSERT INTO return_files (id, name, size_bytes, sha256, format, bank_code, status)
VALUES ($1, 'conflict$1.ret', 1, lpad(to_hex($1), 64, '0'), 'cnab240', '001', 'ingested');
INSERT INTO settlements (file_id, line, format, bank_code, kind, movement_code, paid, nosso_numero, amount_paid_cents, natural_key)
SELECT $1, 3 + j - $2, 'cnab240', '001', 'boleto', '06', true, lpad(j::text, 17, '0'), 1000, 'conflict|$1|' || j
  FROM generate_series($2, $2 + 3) j;" >/dev/null
}
load_file 1 1
# payment 5 is in no file
t_sql "INSERT INTO payments (id, order_id, method, amount_cents, bank_code, nosso_numero)
       VALUES (5, 'o5', 'boleto', 1000, '001', lpad('5', 17, '0'))" >/dev/null

mark=$T_TMP/paused
wait_mark() { t_wait_file "$mark" 20 && rm -f "$mark"; }
SETTLE_TEST_PAUSE_AT=reconcile:decided SETTLE_TEST_PAUSE_FILE=$mark SETTLE_TEST_PAUSE_MS=3000 \
  "$SETTLE" reconcile 2>"$T_TMP/reconcile.log" & pid=$!

t_check "first pass reaches the point between deciding and applying" wait_mark
# Nothing is locked in the first pass: these writes go through at once.
t_run changed psql "$T_CONN" -qtAX -v ON_ERROR_STOP=1 -c "SET lock_timeout = '1s'" \
  -c "UPDATE payments SET status = 'canceled' WHERE id = 1" \
  -c "UPDATE payments SET amount_cents = 1500 WHERE id = 2" \
  -c "UPDATE payments SET status = 'paid', paid_at = now(), paid_cents = 1000 WHERE id = 3"
t_eq "first pass holds no payment lock (3 payments changed meanwhile)" "0" "$changed_rc"

t_check "second pass reaches the same point" wait_mark
t_run locked psql "$T_CONN" -qtAX -v ON_ERROR_STOP=1 -c "SET lock_timeout = '300ms'" \
  -c "UPDATE payments SET customer_name = 'x' WHERE id = 4"
t_contains "second pass: a candidate payment is locked while decided" "lock timeout" "$locked"
t_run other psql "$T_CONN" -qtAX -v ON_ERROR_STOP=1 -c "SET lock_timeout = '300ms'" \
  -c "UPDATE payments SET customer_name = 'x' WHERE id = 5"
t_eq "second pass: a payment of no candidate is not locked" "0" "$other_rc"

wait $pid; rc=$?
t_eq "reconcile exits 0" "0" "$rc"
t_contains "the conflict is logged" "deciding it again with the payments locked" "$(cat "$T_TMP/reconcile.log")"
# each of the three changes alone stops its payment from being paid
t_contains "first pass: 4 decided paid, 1 still payable" "decided_paid=4 applied=1" "$(cat "$T_TMP/reconcile.log")"
t_eq "file reconciled" "reconciled" "$(t_sql "SELECT status FROM return_files WHERE id = 1")"
t_eq "each record decided once, as after the changes" \
  "1|exception|PAYMENT_NOT_PENDING 2|exception|UNDERPAID 3|exception|DUPLICATE_PAYMENT 4|paid|" \
  "$(t_sql "SELECT string_agg(o.payment_id || '|' || o.outcome || '|' || coalesce(o.reason, ''), ' ' ORDER BY o.payment_id)
              FROM settlement_outcomes o")"
t_eq "payments: cancelled, pending (underpaid), paid by the other, paid by the file" \
  "1 canceled|2 pending|3 paid|4 paid" \
  "$(t_sql "SELECT string_agg(id || ' ' || status, '|' ORDER BY id) FROM payments WHERE id <= 4")"
t_eq "one invoice request: the file's payment" "4" "$(t_sql "SELECT string_agg(payment_id::text, ',') FROM invoice_requests")"
t_eq "payment 4 paid by its record" "1" \
  "$(t_sql "SELECT count(*) FROM payments p JOIN settlements s ON s.id = p.paid_by_settlement WHERE p.id = 4 AND s.line = 6")"

# Without a concurrent change there is one pass only.
load_file 2 11
t_run quiet "$SETTLE" reconcile
t_eq "quiet file: exit 0" "0" "$quiet_rc"
t_not_contains "quiet file: no second pass" "deciding it again" "$quiet"
t_eq "quiet file: four payments paid" "4" "$(t_sql "SELECT count(*) FROM payments WHERE id > 10 AND status = 'paid'")"
t_no_dangling_refs
t_done
