-- cards_apply_receivables: one receivable per sale installment decided
-- receivable_new in card file $1: its expected net and payment date, the
-- contracted fee, and the payment it belongs to (NULL for a sale the store
-- does not know). Written before the payments are marked paid: the
-- payments trigger (sql/013_cards.sql) wants the sale's receivable.
INSERT INTO card_receivables (acquirer, merchant, sale_key, nsu_key, installment, installments, payment_id,
                              sale_settlement_id, brand, sale_on, gross_cents, fee_cents, net_cents,
                              contract_fee_cents, expected_on, acquirer_key)
SELECT d.acquirer, d.merchant, d.sale_key, nullif(d.nsu_key, ''), d.installment, d.installments,
       nullif(d.receivable_payment, 0), d.settlement_id, s.card_brand, s.occurred_on, s.amount_face_cents,
       abs(s.fee_cents), s.amount_credited_cents, d.contract_fee_cents, s.credited_on, s.acquirer_key
  FROM card_dec d JOIN settlements s ON s.id = d.settlement_id
 WHERE d.action = 'receivable_new' AND s.file_id = $1
 ORDER BY d.settlement_id
