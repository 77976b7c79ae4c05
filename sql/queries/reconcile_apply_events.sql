-- reconcile apply, 3: one payment event per 'event' decision, in line order.
-- $1 file id, $2 and $3 the file's first and last settlement ids.
INSERT INTO payment_events (payment_id, settlement_id, event, movement_code, occurred_on)
SELECT o.payment_id, o.settlement_id, o.event, s.movement_code, s.occurred_on
  FROM settlement_outcomes o JOIN settlements s ON s.id = o.settlement_id
 WHERE o.settlement_id BETWEEN $2 AND $3 AND o.file_id = $1 AND o.outcome = 'event'
 ORDER BY s.id
