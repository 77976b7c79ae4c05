#!/usr/bin/env bash
# reconcile_rules.sh - settle reconcile against a real PostgreSQL: one
# scenario per matching rule, amount rule, outcome and exception reason, then
# settle resolve. Settlements are inserted directly (ingest has its own tests).
# test: slow (scripts/run-tests starts it first, so it does not end the run alone)
. "$(dirname "$0")/../lib.sh"

t_newdb
t_config "$T_TMP/settle.conf" "[reconcile]" "pix_reference_pattern = PED-([0-9]+)"
export SETTLE_CONFIG=$T_TMP/settle.conf
"$SETTLE" -q migrate >/dev/null || { t_fail "migrate"; t_done; }

E2E3=E12345678202611281200abcdefghijk
t_sql "
INSERT INTO payments (id, order_id, method, amount_cents, status, bank_code, nosso_numero, txid) VALUES
 (1,  'o1',   'boleto', 10000, 'pending',  '341', '00012345', NULL),
 (2,  'o2',   'boleto', 20000, 'pending',  '033', '123456789012', NULL),
 (3,  'o3',   'pix',     5000, 'pending',  NULL,  NULL, 'TXID3AAAAAAAAAAAAAAAAAAAAAAAA'),
 (4,  '4444', 'boleto',  4000, 'pending',  '237', '99999', NULL),
 (5,  '5555', 'pix',     5500, 'pending',  NULL,  NULL, 'TXID5AAAAAAAAAAAAAAAAAAAAAAAA'),
 (6,  'o6',   'boleto', 10000, 'pending',  '341', '600', NULL),
 (7,  'o7',   'boleto', 10000, 'pending',  '341', '700', NULL),
 (8,  'o8',   'boleto', 10000, 'pending',  '341', '800', NULL),
 (9,  'o9',   'boleto', 10000, 'pending',  '341', '900', NULL),
 (10, 'o10',  'boleto', 10000, 'pending',  '341', '1000', NULL),
 (11, 'o11',  'boleto', 10000, 'canceled', '341', '1100', NULL),
 (12, 'o12',  'boleto', 10000, 'pending',  '104', '0777', NULL),
 (13, 'o13',  'boleto', 10000, 'pending',  '104', '777', NULL),
 (14, 'o14',  'boleto', 10000, 'pending',  '001', '1400', NULL),
 (15, 'o15',  'boleto', 10000, 'pending',  '001', '1500', NULL),
 (16, 'o16',  'boleto', 10000, 'pending',  '001', '1600', NULL),
 (17, 'o17',  'boleto', 10000, 'expired',  '341', '1700', NULL),
 (18, 'o18',  'boleto', 10000, 'pending',  '341', '1800', NULL);
INSERT INTO return_files (id, source, name, size_bytes, sha256, format, status)
 VALUES (1, 'local', 'rules.ret', 1, repeat('a', 64), 'cnab240', 'ingested');
SELECT setval('return_files_id_seq', 10);
" >/dev/null
# st LINE KIND MOVEMENT PAID BANK NN SEU TXID E2E PAID_CENTS INTEREST DISCOUNT REBATE MESSAGE [FILE]
st() {
  t_sql "INSERT INTO settlements (file_id, line, format, bank_code, kind, movement_code, paid, nosso_numero, seu_numero,
           txid, end_to_end_id, amount_paid_cents, interest_cents, discount_cents, rebate_cents, message, occurred_on, natural_key)
         VALUES (${15:-1}, $1, CASE WHEN '$2' = 'boleto' THEN 'cnab240' ELSE 'pix-csv' END, NULLIF('$5', ''), '$2', NULLIF('$3', ''), $4,
           NULLIF('$6', ''), NULLIF('$7', ''), NULLIF('$8', ''), NULLIF('$9', ''), ${10}, ${11}, ${12}, ${13}, NULLIF('${14}', ''),
           DATE '2026-11-27', 'k${15:-1}-$1')" >/dev/null
}
st 1  boleto 06 true  341 0000000000012345 ''    '' '' 10000 0 0 0 ''        # nn_exact
st 2  boleto 06 true  033 1234567890123    ''    '' '' 20000 0 0 0 ''        # nn_dv: Santander DV 3 printed
st 3  pix    '' true  ''  ''               ''    TXID3AAAAAAAAAAAAAAAAAAAAAAAA $E2E3 5000 0 0 0 ''   # txid
st 4  boleto 06 true  237 000000000001     00004444 '' '' 4000 0 0 0 ''      # seu_ref
st 5  pix    '' true  ''  ''               ''    '' E12345678202611281200bbbbbbbbbbb 5500 0 0 0 'pedido PED-5555 obrigado'  # pix_ref
st 6  boleto 06 true  341 600 '' '' '' 10250 250 0 0 ''                       # interest
st 7  boleto 06 true  341 700 '' '' '' 9900 0 60 40 ''                        # discount + rebate
st 8  boleto 06 true  341 800 '' '' '' 9000 0 0 0 ''                          # UNDERPAID
st 9  boleto 06 true  341 900 '' '' '' 11000 0 0 0 ''                         # OVERPAID
st 10 boleto 06 true  341 1000 '' '' '' 10000 0 0 0 ''                        # paid ...
st 11 boleto 17 true  341 01000 '' '' '' 10000 0 0 0 ''                       # ... DUPLICATE_PAYMENT (same file)
st 12 boleto 06 true  341 1100 '' '' '' 10000 0 0 0 ''                        # PAYMENT_NOT_PENDING (canceled)
st 13 boleto 06 true  104 777 '' '' '' 10000 0 0 0 ''                         # AMBIGUOUS_MATCH
st 14 boleto 06 true  341 424242 '' '' '' 10000 0 0 0 ''                      # UNKNOWN_PAYMENT
st 15 boleto 03 false 001 1400 '' '' '' 0 0 0 0 ''                            # BANK_REJECTED
st 16 boleto 44 false 001 1500 '' '' '' 10000 0 0 0 ''                        # CHEQUE_RETURNED
st 17 boleto 02 false 001 1600 '' '' '' 0 0 0 0 ''                            # event entry_confirmed
st 18 boleto 06 true  341 1700 '' '' '' 10000 0 0 0 ''                        # PAYMENT_NOT_PENDING (expired)
st 19 boleto 09 false 341 9191 '' '' '' 0 0 0 0 ''                            # event with no payment

t_run out "$SETTLE" reconcile
t_eq "reconcile exits 0" 0 "$out_rc"
t_contains "logs the file" "reconciled file" "$out"

outcome() { t_sql "SELECT concat_ws(' ', o.outcome, o.rule, o.payment_id, o.reason, o.event) FROM settlement_outcomes o JOIN settlements s ON s.id = o.settlement_id WHERE s.file_id = ${2:-1} AND s.line = $1"; }
t_eq "nn_exact: leading zeros ignored" "paid nn_exact 1" "$(outcome 1)"
t_eq "nn_dv: Santander number printed with its DV" "paid nn_dv 2" "$(outcome 2)"
t_eq "txid" "paid txid 3" "$(outcome 3)"
t_eq "seu_ref: boleto_reference_pattern on seu numero" "paid seu_ref 4" "$(outcome 4)"
t_eq "pix_ref: pix_reference_pattern on the message" "paid pix_ref 5" "$(outcome 5)"
t_eq "paid more by the declared interest" "paid nn_exact 6" "$(outcome 6)"
t_eq "interest recorded" "10250 250" "$(t_sql "SELECT concat_ws(' ', paid_cents, interest_cents) FROM payments WHERE id = 6")"
t_eq "paid less by discount + rebate" "paid nn_exact 7" "$(outcome 7)"
t_eq "discount recorded" "9900 100" "$(t_sql "SELECT concat_ws(' ', paid_cents, discount_cents) FROM payments WHERE id = 7")"
t_eq "UNDERPAID" "exception nn_exact 8 UNDERPAID" "$(outcome 8)"
t_eq "OVERPAID" "exception nn_exact 9 OVERPAID" "$(outcome 9)"
t_eq "first record of a payment pays it" "paid nn_exact 10" "$(outcome 10)"
t_eq "second record of the same payment: DUPLICATE_PAYMENT" "exception nn_exact 10 DUPLICATE_PAYMENT" "$(outcome 11)"
t_eq "canceled payment: PAYMENT_NOT_PENDING" "exception nn_exact 11 PAYMENT_NOT_PENDING" "$(outcome 12)"
t_eq "two candidates: AMBIGUOUS_MATCH, no payment" "exception nn_exact AMBIGUOUS_MATCH" "$(outcome 13)"
t_contains "ambiguous lists the candidates" "12, 13" "$(t_sql "SELECT detail FROM exceptions WHERE reason = 'AMBIGUOUS_MATCH'")"
t_eq "UNKNOWN_PAYMENT" "exception UNKNOWN_PAYMENT" "$(outcome 14)"
t_eq "entry rejected: BANK_REJECTED" "exception nn_exact 14 BANK_REJECTED entry_rejected" "$(outcome 15)"
t_eq "code 44: CHEQUE_RETURNED" "exception nn_exact 15 CHEQUE_RETURNED cheque_returned" "$(outcome 16)"
t_eq "entry confirmed: an event" "event nn_exact 16 entry_confirmed" "$(outcome 17)"
t_eq "expired payment: PAYMENT_NOT_PENDING" "exception nn_exact 17 PAYMENT_NOT_PENDING" "$(outcome 18)"
t_eq "event without a payment kept" "event baixa" "$(outcome 19)"
t_eq "payment event row" "16 entry_confirmed 02" "$(t_sql "SELECT concat_ws(' ', payment_id, event, movement_code) FROM payment_events WHERE payment_id = 16")"

t_eq "payments paid" "1,2,3,4,5,6,7,10" "$(t_sql "SELECT string_agg(id::text, ',' ORDER BY id) FROM payments WHERE status = 'paid'")"
t_eq "each paid payment records its settlement" "0" "$(t_sql "SELECT count(*) FROM payments p LEFT JOIN settlements s ON s.id = p.paid_by_settlement WHERE p.status = 'paid' AND s.id IS NULL")"
t_eq "one invoice request per paid payment" "1,2,3,4,5,6,7,10" "$(t_sql "SELECT string_agg(payment_id::text, ',' ORDER BY payment_id) FROM invoice_requests")"
t_eq "every exception reason seen once or more" "AMBIGUOUS_MATCH BANK_REJECTED CHEQUE_RETURNED DUPLICATE_PAYMENT OVERPAID PAYMENT_NOT_PENDING UNDERPAID UNKNOWN_PAYMENT" \
  "$(t_sql "SELECT string_agg(DISTINCT reason, ' ') FROM exceptions")"
t_eq "exception carries file, line and amounts" "1 8 10000 9000 open" "$(t_sql "SELECT concat_ws(' ', file_id, line, expected_cents, paid_cents, status) FROM exceptions WHERE reason = 'UNDERPAID'")"
t_eq "file marked reconciled" "reconciled" "$(t_sql "SELECT status FROM return_files WHERE id = 1")"

# A second file: the same payment again (DUPLICATE across files), a Pix
# refund and a re-delivered Pix.
t_sql "INSERT INTO return_files (id, source, name, size_bytes, sha256, format, status)
       VALUES (2, 'local', 'second.csv', 1, repeat('b', 64), 'pix-csv', 'ingested')" >/dev/null
st 1 boleto 06 true 341 12345 '' '' '' 10000 0 0 0 '' 2
t_sql "INSERT INTO settlements (file_id, line, format, kind, paid, end_to_end_id, refund_id, amount_paid_cents, natural_key)
       VALUES (2, 2, 'pix-csv', 'pix_refund', false, '$E2E3', 'D12345678202611281300zzzzzzzzzzz', 5000, 'refund-2'),
              (2, 3, 'pix-csv', 'pix', true, '$E2E3', NULL, 5000, 'redelivered-3')" >/dev/null
t_run out "$SETTLE" reconcile
t_eq "second reconcile exits 0" 0 "$out_rc"
t_eq "already paid payment: DUPLICATE_PAYMENT" "exception nn_exact 1 DUPLICATE_PAYMENT" "$(outcome 1 2)"
t_eq "Pix refund: PIX_REFUND on the refunded payment" "exception e2e 3 PIX_REFUND" "$(outcome 2 2)"
t_eq "same end-to-end id again: redelivery, not a payment" "redelivery e2e 3" "$(outcome 3 2)"
t_eq "still one invoice request per payment" "8" "$(t_sql "SELECT count(*) FROM invoice_requests")"

t_run out "$SETTLE" reconcile
t_eq "nothing left: reconcile exits 0" 0 "$out_rc"
t_eq "no outcome twice" "0" "$(t_sql "SELECT count(*) - count(DISTINCT settlement_id) FROM settlement_outcomes")"
t_eq "every settlement decided" "0" "$(t_sql "SELECT count(*) FROM settlements s WHERE NOT EXISTS (SELECT 1 FROM settlement_outcomes o WHERE o.settlement_id = s.id)")"

# settle resolve, as finance would run it: a login with the finance role,
# which can resolve only through settle_resolve_exception (sql/006_roles.sql).
T_CONFIG_CONN=$T_FINANCE_CONN t_config "$T_TMP/finance.conf"
export SETTLE_CONFIG=$T_TMP/finance.conf
ex() { t_sql "SELECT id FROM exceptions WHERE reason = '$1' ORDER BY id LIMIT 1"; }
under=$(ex UNDERPAID)
t_run out env SETTLE_USER=ana.finance "$SETTLE" resolve "$under" --as paid --note "customer paid the rest by transfer"
t_eq "resolve --as paid of 9000 received for 10000 exits 65" 65 "$out_rc"
t_contains "and says both amounts" "9000 cents received, payment #8 is for 10000 cents" "$out"
t_run out env SETTLE_USER=ana.finance "$SETTLE" resolve "$under" --as paid --accept-difference --note "customer paid the rest by transfer"
t_eq "resolve --as paid --accept-difference exits 0" 0 "$out_rc"
t_eq "payment 8 paid by the resolution" "paid 9000" "$(t_sql "SELECT concat_ws(' ', status, paid_cents) FROM payments WHERE id = 8")"
t_eq "its invoice request queued" "1" "$(t_sql "SELECT count(*) FROM invoice_requests WHERE payment_id = 8")"
t_eq "who, how and why recorded" "resolved paid ana.finance customer paid the rest by transfer t" \
  "$(t_sql "SELECT concat_ws(' ', status, resolution, resolved_by, resolution_note, resolved_at IS NOT NULL) FROM exceptions WHERE id = $under")"
t_run out "$SETTLE" resolve "$under" --as ignore --note again
t_eq "resolving twice exits 65" 65 "$out_rc"
t_contains "resolving twice says by whom" "already resolved as paid by ana.finance" "$out"
dup=$(ex DUPLICATE_PAYMENT)
t_run out "$SETTLE" resolve "$dup" --as paid --note x
t_eq "paying an already paid payment exits 65" 65 "$out_rc"
t_contains "and says why" "is already paid; it cannot be paid twice" "$out"
t_eq "refused resolution leaves it open" "open" "$(t_sql "SELECT status FROM exceptions WHERE id = $dup")"
t_run out "$SETTLE" resolve "$dup" --as refund --note "returned to the payer"
t_eq "resolve --as refund exits 0" 0 "$out_rc"
unk=$(ex UNKNOWN_PAYMENT)
t_run out "$SETTLE" resolve "$unk" --as paid --note x
t_eq "paid without a payment exits 65" 65 "$out_rc"
t_contains "hint names --payment" "name it with --payment ID" "$out"
t_run out "$SETTLE" resolve "$unk" --as paid --payment 18 --note "customer wrote the wrong number"
t_eq "resolve --as paid --payment exits 0" 0 "$out_rc"
t_eq "named payment paid" "paid" "$(t_sql "SELECT status FROM payments WHERE id = 18")"
t_eq "exception now names the payment" "18" "$(t_sql "SELECT payment_id FROM exceptions WHERE id = $unk")"
t_run out "$SETTLE" resolve 999999 --as ignore --note x
t_eq "unknown exception exits 65" 65 "$out_rc"
t_contains "unknown exception named" "exception #999999 does not exist" "$out"
t_run out "$SETTLE" resolve "$unk" --as maybe --note x
t_eq "bad --as exits 64" 64 "$out_rc"
t_run out "$SETTLE" resolve "$unk" --as ignore
t_eq "missing --note exits 64" 64 "$out_rc"
t_eq "the database login is recorded too" "settle_test_finance" "$(t_sql "SELECT resolved_db_user FROM exceptions WHERE id = $under")"
export SETTLE_CONFIG=$T_TMP/settle.conf

t_no_dangling_refs
# tolerance_cents
t_newdb
t_config "$T_TMP/tol.conf" "[reconcile]" "tolerance_cents = 5"
export SETTLE_CONFIG=$T_TMP/tol.conf
"$SETTLE" -q migrate >/dev/null
t_sql "INSERT INTO payments (id, order_id, method, amount_cents, bank_code, nosso_numero) VALUES (1, 'a', 'boleto', 10000, '341', '1'), (2, 'b', 'boleto', 10000, '341', '2');
       INSERT INTO return_files (id, name, size_bytes, sha256, status) VALUES (1, 't', 1, repeat('c', 64), 'ingested')" >/dev/null
st 1 boleto 06 true 341 1 '' '' '' 9995 0 0 0 ''
st 2 boleto 06 true 341 2 '' '' '' 9994 0 0 0 ''
"$SETTLE" -q reconcile
t_eq "within tolerance_cents: paid" "paid nn_exact 1" "$(outcome 1)"
t_eq "beyond tolerance_cents: UNDERPAID" "exception nn_exact 2 UNDERPAID" "$(outcome 2)"

t_done
