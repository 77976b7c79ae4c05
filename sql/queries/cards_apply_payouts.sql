-- cards_apply_payouts: the receivables paid by the payout records of card
-- file $1 (what arrived, and when).
UPDATE card_receivables r
   SET status = 'paid', paid_by_settlement = d.settlement_id, paid_cents = d.paid_cents,
       paid_on = coalesce(s.credited_on, s.occurred_on)
  FROM card_dec d JOIN settlements s ON s.id = d.settlement_id
 WHERE d.action = 'receivable_paid' AND s.file_id = $1 AND r.id = d.receivable_id
   AND r.status IN ('expected', 'anticipated')
