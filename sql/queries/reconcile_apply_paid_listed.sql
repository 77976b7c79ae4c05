-- reconcile apply, 1b: the 'paid' decisions of the settlements listed, through
-- settle_mark_paid() as in reconcile_apply_paid.sql. The pipelined apply
-- (reconcile/engine.c) pays a file's decisions range by range while the
-- candidates still stream; a settlement that waited for its fallback
-- candidates is decided after its range was paid, and is paid here.
-- Returns one row: how many became paid.
-- $1 file id, $2 the settlement ids (bigint[] literal), read by primary key.
SELECT public.settle_mark_paid(array_agg(o.payment_id), array_agg(o.settlement_id), array_agg(o.expected_cents),
                               array_agg(o.paid_cents), array_agg(o.paid_at), array_agg(o.interest_cents),
                               array_agg(o.discount_cents))
  FROM settlement_outcomes o
 WHERE o.settlement_id = ANY ($2::bigint[]) AND o.file_id = $1
   AND o.outcome = 'paid'
