-- cards_apply_payouts: the receivables paid by the payout records of card
-- file $1 (what arrived, and when): an item pays its receivable; a group
-- payout without items (Rede's credit of an RV installment) pays every open
-- receivable of its acquirer_key (and installment), each with its own net.
UPDATE card_receivables r
   SET status = 'paid', paid_by_settlement = d.settlement_id,
       paid_cents = CASE WHEN d.receivable_id IS NULL THEN r.net_cents ELSE d.paid_cents END,
       paid_on = coalesce(s.credited_on, s.occurred_on)
  FROM card_dec d JOIN settlements s ON s.id = d.settlement_id
 WHERE d.action = 'receivable_paid' AND s.file_id = $1 AND r.status IN ('expected', 'anticipated')
   AND (r.id = d.receivable_id
        OR (d.receivable_id IS NULL AND d.sale_key = '' AND r.acquirer = d.acquirer AND r.merchant = d.merchant
            AND r.acquirer_key = d.acquirer_key AND (d.installment = 0 OR r.installment = d.installment)))
