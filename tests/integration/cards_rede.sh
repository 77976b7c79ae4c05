#!/usr/bin/env bash
# cards_rede.sh - Rede card payments from capture to their last installment
# paid, through settle ingest and settle reconcile against a real
# PostgreSQL: EEVC sales (a cash RV and a 3-installment RV), EEFI credits by
# RV and installment, a cancellation the store did not ask for, a chargeback
# and a fee mismatch (tests/fixtures/cards/ledger/mkledger.py).
. "$(dirname "$0")/../lib.sh"

F=$T_TOP/tests/fixtures/cards/ledger
t_newdb
t_config "$T_TMP/settle.conf" "[cards]" "overdue_days = 3650" \
  "[card_fee rede]" "acquirer = rede" "rate_basis_points = 250"
export SETTLE_CONFIG=$T_TMP/settle.conf

t_sql "
INSERT INTO payments (id, order_id, method, amount_cents, status, card_acquirer, card_merchant, card_tid,
                      card_order_reference, card_installments, card_captured_cents, card_captured_at) VALUES
 (5, 'o5', 'card', 15000, 'pending', 'rede', '012345678', 'TIDREDE0000000000005', 'PED-6005', 1, 15000, '2026-02-28 10:05-03'),
 (6, 'o6', 'card', 30000, 'pending', 'rede', '012345678', 'TIDREDE0000000000006', 'PED-6006', 3, 30000, '2026-02-28 10:06-03'),
 (7, 'o7', 'card', 10000, 'pending', 'rede', '012345678', 'TIDREDE0000000000007', 'PED-6007', 1, 10000, '2026-02-28 10:07-03')" >/dev/null

step() {
  t_run out "$SETTLE" ingest "$F/$1"
  t_eq "$1: ingest exits 0" 0 "$out_rc"
  t_run out "$SETTLE" reconcile
  t_eq "$1: reconcile exits 0" 0 "$out_rc"
}
outcomes() { t_sql "SELECT string_agg(concat_ws(' ', s.line, o.outcome, o.rule, o.payment_id, o.reason, o.event), '|' ORDER BY s.line)
                    FROM settlement_outcomes o JOIN settlements s ON s.id = o.settlement_id JOIN return_files f ON f.id = s.file_id
                   WHERE f.name = '$1'"; }
receivables() { t_sql "SELECT string_agg(concat_ws(' ', payment_id, installment || '/' || installments, net_cents, expected_on, status, paid_cents), '|' ORDER BY id) FROM card_receivables"; }

# 1. EEVC: three sales; P6 is one CV of 3 installments (Rede reports the whole sale)
step rede-1-eevc.txt
t_eq "format recorded" "rede" "$(t_sql "SELECT format FROM return_files WHERE name = 'rede-1-eevc.txt'")"
t_eq "sales: outcomes" "4 paid card_tid 5|6 paid card_tid 7|9 paid card_tid 6" "$(outcomes rede-1-eevc.txt)"
t_eq "P6's sale is three receivables, 30 days apart" \
  "5 1/1 14400 2026-12-21 expected|7 1/1 9750 2026-12-21 expected|6 1/3 9750 2026-12-21 expected|6 2/3 9750 2027-01-20 expected|6 3/3 9750 2027-02-19 expected" \
  "$(receivables)"
t_eq "fee mismatch: P5, 600 charged, 375 contracted" "FEE_MISMATCH 5 375 600" \
  "$(t_sql "SELECT string_agg(concat_ws(' ', reason, payment_id, expected_cents, paid_cents), '|') FROM exceptions")"
t_eq "each paid payment queued one invoice request" "5,6,7" \
  "$(t_sql "SELECT string_agg(payment_id::text, ',' ORDER BY payment_id) FROM invoice_requests")"

# 2. Rede cancels P7 (the store did not)
step rede-2-eefi-cancel.txt
t_eq "cancellation" "3 exception 7 CARD_CANCELED" "$(outcomes rede-2-eefi-cancel.txt)"

# 3. credits: the cash RV (P5 only: P7 is canceled) and installment 1 of P6's RV
step rede-3-eefi-credits.txt
t_eq "credits: outcomes" "3 event 5 installment_paid|4 event 6 installment_paid" "$(outcomes rede-3-eefi-credits.txt)"

# 4. P5 charged back
step rede-4-eefi-chargeback.txt
t_eq "chargeback" "3 exception 5 CHARGEBACK" "$(outcomes rede-4-eefi-chargeback.txt)"

# 5, 6. installments 2 and 3 of P6
step rede-5-eefi-credit.txt
step rede-6-eefi-credit.txt
t_eq "receivables at the end: P6 paid to its last installment, P7 canceled" \
  "5 1/1 14400 2026-12-21 paid 14400|7 1/1 9750 2026-12-21 canceled|6 1/3 9750 2026-12-21 paid 9750|6 2/3 9750 2027-01-20 paid 9750|6 3/3 9750 2027-02-19 paid 9750" \
  "$(receivables)"
t_eq "the exceptions finance sees" "CARD_CANCELED 7|CHARGEBACK 5|FEE_MISMATCH 5" \
  "$(t_sql "SELECT string_agg(reason || ' ' || payment_id, '|' ORDER BY reason) FROM exceptions")"
t_eq "one invoice request per payment" "3 3" "$(t_sql "SELECT count(*) || ' ' || count(DISTINCT payment_id) FROM invoice_requests")"

# The last credit file sent again with a new header date: its record is a
# re-delivery, never a second payment.
sed '1s/^03030032026/03031032026/' "$F/rede-6-eefi-credit.txt" >"$T_TMP/rede-6-again.txt"
t_check "the header date changed" test "$(head -c 11 "$T_TMP/rede-6-again.txt")" = 03031032026
t_run out "$SETTLE" ingest "$T_TMP/rede-6-again.txt"
t_eq "the same credit file again: duplicates" "1 1" \
  "$(t_sql "SELECT records || ' ' || duplicates FROM return_files WHERE name = 'rede-6-again.txt'")"
t_run out "$SETTLE" reconcile
t_eq "nothing paid twice" "4 paid" "$(t_sql "SELECT count(*) || ' paid' FROM card_receivables WHERE status = 'paid'")"
t_done
