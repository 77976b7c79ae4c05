-- cards_apply_paid: the payments of the card sales of file $1 decided paid
-- become paid (by the sale's first record) and queue their invoice request,
-- in one statement. THE place where a card sale marks a payment paid and
-- inserts its invoice_requests row (to route through the one definition of
-- "payment becomes paid" when there is one). Only a pending payment not
-- paid yet; the count must equal the decisions (reconcile/cards_db.c).
WITH paid AS (
    UPDATE payments p
       SET status = 'paid', paid_at = coalesce(p.card_captured_at, s.occurred_on::timestamptz, now()),
           paid_cents = d.paid_cents, paid_by_settlement = d.settlement_id
      FROM card_dec d JOIN settlements s ON s.id = d.settlement_id
     WHERE d.outcome = 'paid' AND s.file_id = $1 AND p.id = d.payment_id
       AND p.status = 'pending' AND p.paid_by_settlement IS NULL
    RETURNING p.id, d.settlement_id)
INSERT INTO invoice_requests (payment_id, settlement_id) SELECT id, settlement_id FROM paid
