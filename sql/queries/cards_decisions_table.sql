-- cards_decisions_table: the card decisions of the file being reconciled
-- (COPYed by reconcile/cards_db.c, read by the cards_apply_* statements).
CREATE TEMP TABLE IF NOT EXISTS card_dec (
    settlement_id bigint PRIMARY KEY, outcome text, reason text, fee_reason text, rule text, payment_id bigint,
    action text, receivable_id bigint, receivable_payment bigint, contract_fee_cents bigint, event text,
    expected_cents bigint, paid_cents bigint, detail text, fee_detail text,
    acquirer text, merchant text, sale_key text, nsu_key text, installment int, installments int, acquirer_key text
) ON COMMIT DELETE ROWS
