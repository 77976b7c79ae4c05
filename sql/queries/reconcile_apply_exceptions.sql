-- reconcile apply, 2: one exception per 'exception' decision, in line order.
-- $1 file id, $2 and $3 the file's first and last settlement ids.
INSERT INTO exceptions (reason, settlement_id, payment_id, expected_cents, paid_cents, file_id, line, detail)
SELECT o.reason, o.settlement_id, o.payment_id, o.expected_cents, o.paid_cents, s.file_id, s.line, o.detail
  FROM settlement_outcomes o JOIN settlements s ON s.id = o.settlement_id
 WHERE o.settlement_id BETWEEN $2 AND $3 AND o.file_id = $1 AND o.outcome = 'exception'
 ORDER BY s.id
