-- cards_apply_exceptions: the exceptions of card file $1: the decision's
-- reason, and FEE_MISMATCH (expected = the contracted fee, paid = the fee
-- charged) on a sale installment whose fee differs from the contract.
INSERT INTO exceptions (reason, settlement_id, payment_id, expected_cents, paid_cents, file_id, line, detail)
SELECT x.reason, x.settlement_id, x.payment_id, x.expected_cents, x.paid_cents, s.file_id, s.line, x.detail
  FROM (SELECT d.reason, d.settlement_id, d.payment_id, d.expected_cents, d.paid_cents, d.detail
          FROM card_dec d WHERE d.reason IS NOT NULL
        UNION ALL
        SELECT d.fee_reason, d.settlement_id, nullif(d.receivable_payment, 0), d.contract_fee_cents,
               abs(s2.fee_cents), d.fee_detail
          FROM card_dec d JOIN settlements s2 ON s2.id = d.settlement_id WHERE d.fee_reason IS NOT NULL) x
  JOIN settlements s ON s.id = x.settlement_id
 WHERE s.file_id = $1
 ORDER BY s.id, x.reason
