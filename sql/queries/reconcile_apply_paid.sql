-- reconcile apply, 1: the file's 'paid' decisions through settle_mark_paid()
-- (sql/016_performance.sql, the one definition of "payment becomes paid and
-- queues its invoice request"). Returns one row: how many became paid.
-- $1 file id, $2 and $3 the file's first and last settlement ids (the
-- outcomes are read by primary key range).
SELECT public.settle_mark_paid(array_agg(o.payment_id), array_agg(o.settlement_id), array_agg(o.expected_cents),
                               array_agg(o.paid_cents), array_agg(o.paid_at), array_agg(o.interest_cents),
                               array_agg(o.discount_cents))
  FROM settlement_outcomes o
 WHERE o.settlement_id BETWEEN $2 AND $3 AND o.file_id = $1 AND o.outcome = 'paid'
