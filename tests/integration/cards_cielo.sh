#!/usr/bin/env bash
# cards_cielo.sh - a Cielo card payment from capture to its last installment
# paid, through settle ingest and settle reconcile against a real PostgreSQL,
# with a cancellation the store did not ask for, a chargeback and its
# reversal, a fee mismatch and the sales file sent again with a new header
# date and sequence (tests/fixtures/cards/ledger/mkledger.py).
. "$(dirname "$0")/../lib.sh"

F=$T_TOP/tests/fixtures/cards/ledger
t_newdb
# overdue_days is large so that the fixtures' fixed dates do not age into
# RECEIVABLE_OVERDUE (cards_ledger.sh tests that rule)
t_config "$T_TMP/settle.conf" "[cards]" "overdue_days = 3650" \
  "[card_fee visa-credit]" "acquirer = cielo" "brand = visa" "product = credit" "rate_basis_points = 248" \
  "[card_fee visa-installment]" "acquirer = cielo" "brand = visa" "product = installment" "rate_basis_points = 310"
export SETTLE_CONFIG=$T_TMP/settle.conf

t_sql "
INSERT INTO payments (id, order_id, method, amount_cents, status, card_acquirer, card_merchant, card_tid,
                      card_order_reference, card_nsu, card_authorization, card_brand, card_installments,
                      card_captured_cents, card_captured_at) VALUES
 (1, 'o1', 'card', 30000, 'pending', 'cielo', '1051583117', 'TIDCIELO000000000001', 'PED-5001', '101', '100001', 'visa', 3, 30000, '2026-11-20 18:01-03'),
 (2, 'o2', 'card', 17170, 'pending', 'cielo', '1051583117', NULL, 'PED-5002', '102', '100002', 'visa', 1, 17170, '2026-11-20 18:02-03'),
 (3, 'o3', 'card',  5000, 'pending', 'cielo', '1051583117', 'TIDCIELO000000000003', 'PED-5003', '103', '100003', 'visa', 1, 5000, '2026-11-20 18:03-03'),
 (4, 'o4', 'card', 10000, 'pending', 'cielo', '1051583117', 'TIDCIELO000000000004', 'PED-5004', '104', '100004', 'mastercard', 1, 10000, '2026-11-20 18:04-03')" >/dev/null

step() {  # step FILE: ingest it and reconcile
  t_run out "$SETTLE" ingest "$F/$1"
  t_eq "$1: ingest exits 0" 0 "$out_rc"
  t_run out "$SETTLE" reconcile
  t_eq "$1: reconcile exits 0" 0 "$out_rc"
}
outcomes() { t_sql "SELECT string_agg(concat_ws(' ', s.line, o.outcome, o.rule, o.payment_id, o.reason, o.event), '|' ORDER BY s.line)
                    FROM settlement_outcomes o JOIN settlements s ON s.id = o.settlement_id JOIN return_files f ON f.id = s.file_id
                   WHERE f.name = '$1'"; }
receivables() { t_sql "SELECT string_agg(concat_ws(' ', payment_id, installment || '/' || installments, net_cents, status, paid_cents), '|' ORDER BY id) FROM card_receivables"; }

# 1. the sales file (03): every sale confirmed, P2's fee 4.00 % against 2.48 %
step cielo-1-sales.txt
t_eq "format recorded" "cielo" "$(t_sql "SELECT format FROM return_files WHERE name = 'cielo-1-sales.txt'")"
t_eq "sales: outcomes" \
  "2 paid card_tid 1|3 event card_tid 1 installment_scheduled|4 event card_tid 1 installment_scheduled|5 paid card_order_ref 2|6 paid card_tid 3|7 paid card_tid 4" \
  "$(outcomes cielo-1-sales.txt)"
t_eq "paid once each, by the confirmed sale, with one invoice request" "1 30000 1|2 17170 1|3 5000 1|4 10000 1" \
  "$(t_sql "SELECT string_agg(p.id || ' ' || p.paid_cents || ' ' || (SELECT count(*) FROM invoice_requests i WHERE i.payment_id = p.id), '|' ORDER BY p.id) FROM payments p WHERE p.status = 'paid'")"
t_eq "one receivable per installment" "1 1/3 9690 expected|1 2/3 9690 expected|1 3/3 9690 expected|2 1/1 16483 expected|3 1/1 4876 expected|4 1/1 9752 expected" \
  "$(receivables)"
t_eq "fee mismatch: P2, 687 charged, 426 contracted" "FEE_MISMATCH 2 426 687" \
  "$(t_sql "SELECT string_agg(concat_ws(' ', reason, payment_id, expected_cents, paid_cents), '|') FROM exceptions")"
t_eq "card columns stored" "TIDCIELO000000000001 101 100001 visa 1 3 PED-5001" \
  "$(t_sql "SELECT concat_ws(' ', card_tid, ltrim(card_nsu, '0'), card_authorization, card_brand, installment, installments, order_reference) FROM settlements WHERE line = 2 AND file_id = (SELECT id FROM return_files WHERE name = 'cielo-1-sales.txt')")"

# 2. the same sales sent again with a new header date and sequence
t_run out "$SETTLE" ingest "$F/cielo-2-sales-resent.txt"
t_eq "re-sent file ingested" 0 "$out_rc"
t_eq "its records are re-deliveries (duplicates), never new sales" "6 6" \
  "$(t_sql "SELECT records || ' ' || duplicates FROM return_files WHERE name = 'cielo-2-sales-resent.txt'")"
t_run out "$SETTLE" reconcile
t_eq "nothing new: 6 receivables, 4 invoice requests" "6 4" \
  "$(t_sql "SELECT (SELECT count(*) FROM card_receivables) || ' ' || (SELECT count(*) FROM invoice_requests)")"

# 3. Cielo cancels P3 (the store did not): CARD_CANCELED, receivable canceled
step cielo-3-cancel.txt
t_eq "cancel: outcomes" "2 event payout|3 exception 3 CARD_CANCELED" "$(outcomes cielo-3-cancel.txt)"

# 4. first payout: P1 installment 1, P2, P4
step cielo-4-payout.txt
t_eq "payout 1: outcomes" \
  "2 event payout|3 event 1 installment_paid|4 event payout|5 event 2 installment_paid|6 event payout|7 event 4 installment_paid" \
  "$(outcomes cielo-4-payout.txt)"

# 5. P4 charged back; 6. installment 2 paid and the chargeback reversed
step cielo-5-chargeback.txt
t_eq "chargeback" "2 event payout|3 exception 4 CHARGEBACK" "$(outcomes cielo-5-chargeback.txt)"
step cielo-6-payout.txt
t_eq "payout 2 and the reversal" "2 event payout|3 event 1 installment_paid|4 event payout|5 exception 4 CHARGEBACK_REVERSED" \
  "$(outcomes cielo-6-payout.txt)"

# 7. the last installment
step cielo-7-payout.txt
t_eq "receivables at the end: every installment of P1 paid, P3 canceled" \
  "1 1/3 9690 paid 9690|1 2/3 9690 paid 9690|1 3/3 9690 paid 9690|2 1/1 16483 paid 16483|3 1/1 4876 canceled|4 1/1 9752 paid 9752" \
  "$(receivables)"
t_eq "the exceptions finance sees" "CARD_CANCELED 3|CHARGEBACK 4|CHARGEBACK_REVERSED 4|FEE_MISMATCH 2" \
  "$(t_sql "SELECT string_agg(reason || ' ' || payment_id, '|' ORDER BY reason) FROM exceptions")"
t_eq "still one invoice request per payment" "4 4" \
  "$(t_sql "SELECT count(*) || ' ' || count(DISTINCT payment_id) FROM invoice_requests")"
t_eq "every settlement decided once" "0 0" \
  "$(t_sql "SELECT (SELECT count(*) FROM settlements s WHERE NOT EXISTS (SELECT 1 FROM settlement_outcomes o WHERE o.settlement_id = s.id)) || ' ' || (SELECT count(*) - count(DISTINCT settlement_id) FROM settlement_outcomes)")"

# the finance report's card section: receivables, fees against the contract, chargebacks
D=$(date -u +%Y-%m-%d)
t_run out "$SETTLE" report --date "$D" --locale C --output "$T_TMP/report"
t_eq "report exits 0" 0 "$out_rc"
html=$(cat "$T_TMP/report/exceptions-${D//-/}.html" 2>/dev/null)
t_contains "card section" "<h2>Cartões: recebíveis, taxas e chargebacks</h2>" "$html"
t_contains "installments paid" "Parcelas pagas</td><td class=\"n\" data-l=\"Quantidade\">5</td><td class=\"n\" data-l=\"Valor (R$)\">553.05</td>" "$html"
t_contains "fees charged against the contract" "Taxas cobradas (parcelas com taxa contratada)</td><td class=\"n\" data-l=\"Quantidade\">5</td><td class=\"n\" data-l=\"Valor (R$)\">17.41</td>" "$html"
t_contains "contracted fees" "Taxas contratadas das mesmas parcelas</td><td class=\"n\" data-l=\"Quantidade\">5</td><td class=\"n\" data-l=\"Valor (R$)\">14.80</td>" "$html"
t_contains "the open chargeback" "Chargebacks em aberto</td><td class=\"n\" data-l=\"Quantidade\">1</td><td class=\"n\" data-l=\"Valor (R$)\">100.00</td>" "$html"

# a run of the whole pipeline on the same files changes nothing
t_run out "$SETTLE" ingest "$F/cielo-4-payout.txt"
t_run out "$SETTLE" reconcile
t_eq "payout file again: nothing paid twice" "6" "$(t_sql "SELECT count(*) FROM card_receivables WHERE status IN ('paid', 'canceled')")"
t_done
