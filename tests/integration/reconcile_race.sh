#!/usr/bin/env bash
# reconcile_race.sh - two settle reconcile processes racing over eight files
# whose records pay overlapping payments: every settlement is decided exactly
# once, every payment is paid at most once (the other record of it becomes
# DUPLICATE_PAYMENT), one invoice request per paid payment, no lost file.
. "$(dirname "$0")/../lib.sh"

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf
"$SETTLE" -q migrate >/dev/null || { t_fail "migrate"; t_done; }

# 8 files x 1500 titles; file k pays payments 1000k+1 .. 1000k+1500, so each
# file's last 500 titles pay the same payments as the next file's first 500
# (another movement code: a different record, not an ingest duplicate).
t_sql "
INSERT INTO payments (id, order_id, method, amount_cents, bank_code, nosso_numero)
SELECT i, 'o' || i, 'boleto', 1000 + i % 97, '001', lpad(i::text, 17, '0') FROM generate_series(1, 9500) i;
INSERT INTO return_files (id, name, size_bytes, sha256, format, bank_code, status)
SELECT k, 'race' || k || '.ret', 1, lpad(to_hex(k), 64, '0'), 'cnab240', '001', 'ingested' FROM generate_series(0, 7) k;
INSERT INTO settlements (file_id, line, format, bank_code, kind, movement_code, paid, nosso_numero, amount_paid_cents, natural_key)
SELECT k, 3 + 2 * j, 'cnab240', '001', 'boleto', CASE WHEN k % 2 = 0 THEN '06' ELSE '17' END, true,
       lpad((1000 * k + j)::text, 17, '0'), 1000 + (1000 * k + j) % 97, 'race|' || k || '|' || j
  FROM generate_series(0, 7) k, generate_series(1, 1500) j;
" >/dev/null

"$SETTLE" -q reconcile & a=$!
"$SETTLE" -q reconcile & b=$!
wait $a; ra=$?
wait $b; rb=$?
t_eq "both reconcile processes exit 0" "0 0" "$ra $rb"
t_eq "every file reconciled" "8" "$(t_sql "SELECT count(*) FROM return_files WHERE status = 'reconciled'")"
t_eq "every settlement decided exactly once" "12000 12000" \
  "$(t_sql "SELECT count(*) || ' ' || count(DISTINCT settlement_id) FROM settlement_outcomes")"
t_eq "payments paid: each title's payment once" "8500" "$(t_sql "SELECT count(*) FROM payments WHERE status = 'paid'")"
t_eq "one invoice request per paid payment" "8500 8500" \
  "$(t_sql "SELECT count(*) || ' ' || count(DISTINCT payment_id) FROM invoice_requests")"
t_eq "the other 3500 records: DUPLICATE_PAYMENT" "3500" "$(t_sql "SELECT count(*) FROM exceptions WHERE reason = 'DUPLICATE_PAYMENT'")"
t_eq "no other exception" "0" "$(t_sql "SELECT count(*) FROM exceptions WHERE reason <> 'DUPLICATE_PAYMENT'")"
t_eq "each paid payment points at a settlement that paid it" "0" \
  "$(t_sql "SELECT count(*) FROM payments p JOIN settlement_outcomes o ON o.settlement_id = p.paid_by_settlement
             WHERE o.outcome <> 'paid' OR o.payment_id <> p.id")"
t_eq "each duplicate names a payment paid by another settlement" "0" \
  "$(t_sql "SELECT count(*) FROM exceptions e JOIN payments p ON p.id = e.payment_id
             WHERE e.reason = 'DUPLICATE_PAYMENT' AND (p.status <> 'paid' OR p.paid_by_settlement = e.settlement_id)")"
t_no_dangling_refs
t_done
