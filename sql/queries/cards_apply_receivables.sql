-- cards_apply_receivables: one receivable per sale installment decided
-- receivable_new in card file $1: its expected net and payment date, the
-- contracted fee, and the payment it belongs to (NULL for a sale the store
-- does not know). Written before the payments are marked paid: the
-- payments trigger (sql/013_cards.sql) wants the sale's receivable.
-- A record of a whole sale (installment 0 of 2 or more: Rede's CV) gives
-- one receivable per installment: gross, fee and net divided evenly, the
-- first installment taking the remainder (the acquirers' rule), the first
-- expected on the record's credit date and each next one 30 days later.
INSERT INTO card_receivables (acquirer, merchant, sale_key, nsu_key, installment, installments, payment_id,
                              sale_settlement_id, brand, sale_on, gross_cents, fee_cents, net_cents,
                              contract_fee_cents, expected_on, acquirer_key)
SELECT d.acquirer, d.merchant, d.sale_key, nullif(d.nsu_key, ''), i.n, d.installments,
       nullif(d.receivable_payment, 0), d.settlement_id, s.card_brand, s.occurred_on,
       s.amount_face_cents / i.of + CASE WHEN i.n = i.first THEN s.amount_face_cents % i.of ELSE 0 END,
       abs(s.fee_cents) / i.of + CASE WHEN i.n = i.first THEN abs(s.fee_cents) % i.of ELSE 0 END,
       s.amount_credited_cents / i.of + CASE WHEN i.n = i.first THEN s.amount_credited_cents % i.of ELSE 0 END,
       d.contract_fee_cents / i.of + CASE WHEN i.n = i.first THEN d.contract_fee_cents % i.of ELSE 0 END,
       s.credited_on + 30 * (i.n - i.first), s.acquirer_key
  FROM card_dec d JOIN settlements s ON s.id = d.settlement_id
  CROSS JOIN LATERAL (
       SELECT n, CASE WHEN d.installment = 0 AND d.installments > 1 THEN d.installments ELSE 1 END AS of,
              CASE WHEN d.installment = 0 AND d.installments > 1 THEN 1 ELSE greatest(d.installment, 1) END AS first
         FROM generate_series(CASE WHEN d.installment = 0 AND d.installments > 1 THEN 1 ELSE greatest(d.installment, 1) END,
                              CASE WHEN d.installment = 0 AND d.installments > 1 THEN d.installments
                                   ELSE greatest(d.installment, 1) END) AS n) i
 WHERE d.action = 'receivable_new' AND s.file_id = $1
 ORDER BY d.settlement_id, i.n
