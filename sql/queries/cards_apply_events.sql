-- cards_apply_events: the card records of file $1 that are events
-- (installment scheduled or paid, anticipation, a cancellation the store
-- asked for, ...), kept on their payment.
INSERT INTO payment_events (payment_id, settlement_id, event, movement_code, occurred_on)
SELECT d.payment_id, d.settlement_id, d.event, s.movement_code, coalesce(s.credited_on, s.occurred_on)
  FROM card_dec d JOIN settlements s ON s.id = d.settlement_id
 WHERE d.outcome = 'event' AND s.file_id = $1
 ORDER BY d.settlement_id
