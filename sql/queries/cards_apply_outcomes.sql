-- cards_apply_outcomes: the decisions of card file $1 as settlement outcomes
-- (one per record, as for every other file). A card sale's payment is paid
-- as of the capture the store recorded, else the sale date.
INSERT INTO settlement_outcomes (settlement_id, file_id, outcome, rule, payment_id, reason, event, expected_cents,
                                 paid_cents, detail, paid_at)
SELECT d.settlement_id, $1, d.outcome, d.rule, d.payment_id, d.reason, d.event, d.expected_cents, d.paid_cents,
       d.detail,
       CASE WHEN d.outcome = 'paid'
            THEN coalesce((SELECT p.card_captured_at FROM payments p WHERE p.id = d.payment_id),
                          s.occurred_on::timestamptz, now()) END
  FROM card_dec d JOIN settlements s ON s.id = d.settlement_id
 ORDER BY d.settlement_id
