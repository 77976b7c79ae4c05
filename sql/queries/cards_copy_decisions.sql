-- cards_copy_decisions: the file's card decisions, spilled by
-- reconcile/cards_db.c decide_and_copy(), loaded into the temporary table
-- card_dec (cards_decisions_table.sql) in the column order the spill writes.
COPY card_dec (settlement_id, outcome, reason, fee_reason, rule, payment_id,
               action, receivable_id, receivable_payment, contract_fee_cents, event,
               expected_cents, paid_cents, detail, fee_detail, acquirer, merchant, sale_key,
               nsu_key, installment, installments, acquirer_key) FROM STDIN
