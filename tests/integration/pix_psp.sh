#!/usr/bin/env bash
# pix_psp.sh - a PSP's record-typed Pix statement with fees (Efí "Extrato de
# Conciliação", tests/fixtures/pix/psp/efi.csv) through settle parse, ingest
# and reconcile against a real PostgreSQL: the fees land on their Pix
# (fee_cents, amount_credited_cents), outgoing money and balances are only
# counted, and the payments seeded by txid are paid.
. "$(dirname "$0")/../lib.sh"
fx=$T_TOP/tests/fixtures/pix/psp

t_run out "$SETTLE" parse "$fx/efi.csv"
t_eq "statement parses, detected by its CA header" 0 "$out_rc"
t_contains "received Pix with its fee (TPR before it in the file)" \
  "efi.csv,4,pix-psp,364,pix,,1,,,PED000123TX0000000000000000001,E18236120202611281403aB3dE5fG7h9,0,15000,14881,0,0,0,119," "$out"
t_contains "a fee reversal of another day's Pix is a warning" "efi.csv:17:3: warning: fee reversal ETPR" "$out"
t_run out "$SETTLE" parse "$fx/bad/trailer-count.csv"
t_eq "trailer count mismatch exits 65" 65 "$out_rc"
t_contains "names file:line:col" "trailer-count.csv:4:3: expected the trailer's count of PR records to be 1" "$out"

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf
"$SETTLE" -q migrate >/dev/null || { t_fail "migrate"; t_done; }
t_sql "INSERT INTO payments (id, order_id, method, amount_cents, status, txid) VALUES
 (1, 'PED-123', 'pix', 15000, 'pending', 'PED000123TX0000000000000000001'),
 (2, 'PED-124', 'pix',   900, 'pending', 'TXIDB0000000000000000000000002'),
 (3, 'PED-125', 'pix',  2000, 'pending', 'TXIDC0000000000000000000000003')" >/dev/null

cp "$fx/efi.csv" "$T_TMP/efi-20261128.csv"
t_run out "$SETTLE" ingest "$T_TMP/efi-20261128.csv"
t_eq "ingest exits 0" 0 "$out_rc"
t_eq "file row: format, bank, statement date, records, skipped, warnings" "pix-psp 364 2026-11-29 4 14 1" \
  "$(t_sql "SELECT concat_ws(' ', format, bank_code, generated_on, records, skipped, warnings) FROM return_files")"
t_eq "settlements: kind, paid, amount, fee, credited" \
  "4 pix t 15000 119 14881
5 pix t 900 9 891
7 pix t 2000 0 2000
13 pix_refund f 1000 0 0" \
  "$(t_sql "SELECT concat_ws(' ', line, kind, paid, amount_paid_cents, fee_cents, amount_credited_cents) FROM settlements ORDER BY line")"
t_eq "refunds are settled (DEVOLVIDO) with their rtrId" \
  "D18236120202611281900aB3dE5fG7h9 DEVOLVIDO" \
  "$(t_sql "SELECT concat_ws(' ', refund_id, refund_status) FROM settlements WHERE kind = 'pix_refund' ORDER BY line")"
t_eq "alphanumeric CNPJ of a payer kept" "12ABC34501DE35" "$(t_sql "SELECT payer_doc FROM settlements WHERE line = 5")"
t_eq "decoded base64 message" "Pagamento do pedido 123 — obrigado" "$(t_sql "SELECT message FROM settlements WHERE line = 4")"

t_run out "$SETTLE" reconcile
t_eq "reconcile exits 0" 0 "$out_rc"
outcome() { t_sql "SELECT concat_ws(' ', o.outcome, o.rule, o.payment_id, o.reason) FROM settlement_outcomes o JOIN settlements s ON s.id = o.settlement_id WHERE s.line = $1"; }
t_eq "Pix with a fee paid by txid" "paid txid 1" "$(outcome 4)"
t_eq "Pix with an alphanumeric-CNPJ payer paid by txid" "paid txid 2" "$(outcome 5)"
t_eq "payments 1 and 2 paid at what the payer paid" "1 paid 15000
2 paid 900
3 pending" "$(t_sql "SELECT concat_ws(' ', id, status, paid_cents) FROM payments ORDER BY id")"
t_eq "the Pix without txid or reference is UNKNOWN_PAYMENT" "exception UNKNOWN_PAYMENT" "$(outcome 7)"
# Refunds go to the refund handling of reconcile (an exception for a person):
# the store's refund of payment 1 (PDE); a refund the store received (PDR) is
# the return of a Pix it sent: counted in skipped, not a settlement.
t_eq "the settled refund the store sent is a PIX_REFUND exception" "exception PIX_REFUND" "$(t_sql "SELECT concat_ws(' ', o.outcome, o.reason) FROM settlement_outcomes o JOIN settlements s ON s.id = o.settlement_id WHERE s.kind = 'pix_refund' ORDER BY s.line")"
t_done
