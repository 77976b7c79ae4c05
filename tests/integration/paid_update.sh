#!/usr/bin/env bash
# paid_update.sh - what keeps reconcile's apply near the database floor
# (sql/016_performance.sql, sql/019_apply_cost.sql), checked on the schema
# as migrated, so that a later migration cannot undo it unnoticed:
#   - the paid update is heap-only (HOT): no index of payments names a
#     column settle_mark_paid() changes, in its key, expression or predicate
#     (013's payments_card_captured named status in its predicate: no paid
#     update could be HOT), and pages keep room for the paid version
#     (fillfactor 50: when every payment of a page is paid at once, as here
#     and in the benchmark, some do not fit: one in sixteen in the
#     benchmark, 6 of 40 with these shorter rows);
#   - no BEFORE UPDATE row trigger on payments: PostgreSQL locks every
#     updated row for one (a Heap LOCK WAL record per paid payment), whatever
#     the trigger's column list;
#   - the key checks that became a trigger still refuse a bad value, on
#     INSERT and on an UPDATE of the key, and let the paid update through;
#   - ingest records the range of a file's settlement ids, and reconcile
#     still reconciles a file that has none (ingested before 019);
#   - 022: settle_mark_paid() unnests its arrays as a stream (no Function
#     Scan materialising them) with the same rows, and the invoice
#     requests' payment check (a statement trigger standing in for a
#     foreign key) still refuses a request for a payment that does not
#     exist, alone or among many, below, inside or above the range of the
#     others, as the owner too.
. "$(dirname "$0")/../lib.sh"

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf

paid_cols="status|paid_at|paid_cents|paid_by_settlement|interest_cents|discount_cents"
t_eq "no index of payments names a column the paid update changes" "" \
  "$(t_sql "SELECT string_agg(c.relname, ', ')
              FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE i.indrelid = 'payments'::regclass
               AND (EXISTS (SELECT 1 FROM unnest(i.indkey) k JOIN pg_attribute a
                              ON a.attrelid = i.indrelid AND a.attnum = k
                             WHERE a.attname ~ '^($paid_cols)\$')
                    OR coalesce(pg_get_expr(i.indexprs, i.indrelid), '') ~ '\\m($paid_cols)\\M'
                    OR coalesce(pg_get_expr(i.indpred, i.indrelid), '') ~ '\\m($paid_cols)\\M')")"
# tgtype: bit 0 row, bit 1 before, bit 4 update
t_eq "no BEFORE UPDATE row trigger on payments" "" \
  "$(t_sql "SELECT string_agg(tgname, ', ') FROM pg_trigger
             WHERE tgrelid = 'payments'::regclass AND NOT tgisinternal
               AND tgtype & 1 = 1 AND tgtype & 2 = 2 AND tgtype & 16 = 16")"

t_sql "INSERT INTO payments (id, order_id, method, amount_cents, bank_code, nosso_numero)
       SELECT i, 'ORD' || i, 'boleto', 1000 + (i * 7919) % 100000, '001', '1234567' || lpad(i::text, 10, '0')
         FROM generate_series(1, 40) i" >/dev/null
# A file of 40 titles paying payments 1..40, ingested and reconciled as
# settle_job: every paid update heap-only, within the reconcile transaction.
"${BUILD:-$T_TOP/build}/tests/tools/gencnab240" --titles 40 --out "$T_TMP/forty.ret" >/dev/null
t_run out "$SETTLE" ingest "$T_TMP/forty.ret"
t_eq "ingest: exit 0" 0 "$out_rc"
t_eq "the file's settlement ids lie in its recorded range" "40|0|t" \
  "$(t_sql "SELECT count(*), count(*) FILTER (WHERE s.id NOT BETWEEN f.settlements_from AND f.settlements_to),
                   min(s.id) >= f.settlements_from AND max(s.id) <= f.settlements_to
              FROM settlements s JOIN return_files f ON f.id = s.file_id GROUP BY f.settlements_from, f.settlements_to")"
t_sql "SELECT pg_stat_reset()" >/dev/null
t_run out "$SETTLE" reconcile
t_eq "reconcile: exit 0" 0 "$out_rc"
t_eq "40 payments paid, 40 invoice requests" "40|40" \
  "$(t_sql "SELECT (SELECT count(*) FROM payments WHERE status = 'paid'), (SELECT count(*) FROM invoice_requests)")"
# the statistics collector's counts of the reconcile's transaction
hot=""
for _ in $(seq 50); do
  hot=$(t_sql "SELECT pg_stat_get_tuples_updated('payments'::regclass) || '|' || pg_stat_get_tuples_hot_updated('payments'::regclass)")
  [ "${hot%%|*}" = 40 ] && break
  sleep 0.1
done
t_check "at least 30 of the 40 paid updates heap-only, none before 019 (updated|HOT: $hot)" test "${hot%%|*}" = 40 -a "${hot#*|}" -ge 30

# A file ingested before 019 has no recorded range: reconcile finds its
# settlements all the same.
"${BUILD:-$T_TOP/build}/tests/tools/gencnab240" --titles 3 --first 41 --out "$T_TMP/three.ret" >/dev/null
t_sql "INSERT INTO payments (id, order_id, method, amount_cents, bank_code, nosso_numero)
       SELECT i, 'ORD' || i, 'boleto', 1000 + (i * 7919) % 100000, '001', '1234567' || lpad(i::text, 10, '0')
         FROM generate_series(41, 43) i" >/dev/null
t_run out "$SETTLE" ingest "$T_TMP/three.ret"
t_sql "UPDATE return_files SET settlements_from = NULL, settlements_to = NULL WHERE name = 'three.ret'" >/dev/null
t_run out "$SETTLE" reconcile
t_eq "a file without a recorded range: reconciled" "0|reconciled|3" \
  "$(t_sql "SELECT $out_rc, status, (SELECT count(*) FROM payments WHERE id > 40 AND status = 'paid')
              FROM return_files WHERE name = 'three.ret'")"
# key checks, as the owner (after the files: a refused update leaves a dead row version on
# the page)
refused() { # WHAT CONNINFO SQL CONSTRAINT
  local out
  out=$(psql "$2" -qtAX -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -c "$3" 2>&1)
  t_check "$1: refused ($4)" grep -q "ERROR:  23514: .*\"$4\"" <<<"$out"
}
refused "a payment with a bank code of letters" "$T_CONN" \
  "INSERT INTO payments (id, order_id, method, amount_cents, bank_code, nosso_numero) VALUES (99, 'x', 'boleto', 1, 'abc', '1')" \
  payments_bank_code_check
refused "a nosso número changed to letters" "$T_CONN" "UPDATE payments SET nosso_numero = 'x1' WHERE id = 1" \
  payments_nosso_numero_check
refused "a txid with a space" "$T_CONN" "UPDATE payments SET txid = 'a b' WHERE id = 2" payments_txid_check
t_eq "the refused changes left the payments alone" "43|0" \
  "$(t_sql "SELECT count(*), count(*) FILTER (WHERE nosso_numero !~ '^[0-9]+\$' OR txid IS NOT NULL) FROM payments")"
t_sql "UPDATE payments SET customer_doc = '12345678909' WHERE id = 3" >/dev/null
t_eq "a good key goes through" "12345678909" "$(t_sql "SELECT customer_doc FROM payments WHERE id = 3")"


# 022: the payment check of invoice requests, as the owner (the trigger
# runs for every role). SQLSTATE 23503 and the missing payment named.
missing() { # WHAT SQL PAYMENT
  local out
  out=$(psql "$T_CONN" -qtAX -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -c "$2" 2>&1)
  t_check "$1: refused (23503, payment $3)" grep -q "ERROR:  23503: an invoice request needs an existing payment (payment $3)" <<<"$out"
}
t_sql "INSERT INTO payments (id, order_id, method, amount_cents, bank_code, nosso_numero, status, paid_at, paid_cents)
       SELECT i, 'ORD' || i, 'boleto', 1000, '001', '9' || lpad(i::text, 9, '0'), 'paid', now(), 1000
         FROM generate_series(1001, 1100) i" >/dev/null
missing "an invoice request for a payment that does not exist" \
  "INSERT INTO invoice_requests (payment_id) VALUES (999999)" 999999
missing "one missing payment among 100, inside their range" \
  "INSERT INTO invoice_requests (payment_id) SELECT CASE WHEN i = 1050 THEN 500 ELSE i END FROM generate_series(1001, 1100) i" 500
missing "one missing payment among 100, above their range" \
  "INSERT INTO invoice_requests (payment_id) SELECT i FROM generate_series(1001, 1101) i" 1101
missing "one missing payment among 100, below their range" \
  "INSERT INTO invoice_requests (payment_id) SELECT i FROM generate_series(1000, 1100) i" 1000
t_eq "the refused requests left nothing behind" "43" "$(t_sql "SELECT count(*) FROM invoice_requests")"
t_sql "INSERT INTO invoice_requests (payment_id) SELECT i FROM generate_series(1001, 1100) i" >/dev/null
t_eq "requests for 100 existing payments go through" "143" "$(t_sql "SELECT count(*) FROM invoice_requests")"

# 022: settle_mark_paid() streams its arrays; the rows are the same: arrays
# of different lengths padded with NULLs (a NULL paid amount pays nothing),
# the expected amount and the pending status still checked.
"${BUILD:-$T_TOP/build}/tests/tools/gencnab240" --titles 4 --first 2001 --out "$T_TMP/four.ret" >/dev/null
t_run out "$SETTLE" ingest "$T_TMP/four.ret"
sids=$(t_sql "SELECT array_agg(s.id ORDER BY s.id) FROM settlements s JOIN return_files f ON f.id = s.file_id WHERE f.name = 'four.ret'")
t_sql "INSERT INTO payments (id, order_id, method, amount_cents, bank_code, nosso_numero)
       SELECT i, 'ORD' || i, 'boleto', 500, '001', '8' || lpad(i::text, 9, '0') FROM generate_series(2001, 2004) i" >/dev/null
t_eq "settle_mark_paid(): of 4 payments, the 2 with money, pending and at the expected amount" "2|2001,2003" \
  "$(t_sql "SELECT public.settle_mark_paid(ARRAY[2001, 2002, 2003, 2004, 41]::bigint[], '$sids'::bigint[],
                                           ARRAY[500, 499, NULL, 500]::bigint[], ARRAY[500, 500, 700]::bigint[],
                                           ARRAY[]::timestamptz[], ARRAY[]::bigint[], ARRAY[]::bigint[])")|$(
     t_sql "SELECT string_agg(id::text, ',' ORDER BY id) FROM payments WHERE id > 2000 AND status = 'paid'")"
t_eq "their invoice requests name the settlements that paid them (1st and 3rd of $sids)" \
  "$(t_sql "SELECT '2001:' || s[1] || ',2003:' || s[3] FROM (SELECT '$sids'::bigint[] AS s) x")" \
  "$(t_sql "SELECT string_agg(payment_id || ':' || settlement_id, ',' ORDER BY payment_id) FROM invoice_requests WHERE payment_id > 2000")"

t_no_dangling_refs
t_done
