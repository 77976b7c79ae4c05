-- cards_apply_paid: the payments of the card sales of file $1 decided paid
-- become paid and queue their invoice requests through settle_mark_paid()
-- (sql/016_performance.sql, 018: the one definition of "payment becomes paid
-- and queues its invoice request", which reconcile_apply_paid.sql and the
-- resolve function call too). Reads the file's 'paid' outcomes as
-- cards_apply_outcomes.sql wrote them: paid_at is the capture the store
-- recorded, else the sale date; expected_cents the payment's amount, locked
-- by cards_lock. Run after cards_apply_receivables (the payments trigger of
-- sql/013_cards.sql wants the sale's receivables). Returns one row: how many
-- became paid, which must equal the sales decided paid (reconcile/cards_db.c).
SELECT public.settle_mark_paid(array_agg(o.payment_id), array_agg(o.settlement_id), array_agg(o.expected_cents),
                               array_agg(o.paid_cents), array_agg(o.paid_at), array_agg(o.interest_cents),
                               array_agg(o.discount_cents))
  FROM settlement_outcomes o
 WHERE o.file_id = $1 AND o.outcome = 'paid'
