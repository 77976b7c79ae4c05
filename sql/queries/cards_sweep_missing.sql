-- cards_sweep_missing: CARD_SALE_MISSING for every card payment still
-- pending whose capture is more than $1 days old and that no acquirer
-- sales file reported (no receivable belongs to it); once per payment.
INSERT INTO exceptions (reason, payment_id, expected_cents, detail)
SELECT 'CARD_SALE_MISSING', p.id, p.amount_cents,
       format('captured at %s (%s, TID %s, order reference %s); no acquirer sales file reported it after %s days',
              p.card_captured_at, coalesce(p.card_acquirer, 'acquirer?'), coalesce(p.card_tid, '-'),
              coalesce(p.card_order_reference, '-'), $1::int)
  FROM payments p
 WHERE p.method = 'card' AND p.status = 'pending' AND p.card_captured_at < now() - make_interval(days => $1::int)
   AND NOT EXISTS (SELECT 1 FROM card_receivables r WHERE r.payment_id = p.id)
 ORDER BY p.id
ON CONFLICT (payment_id) WHERE reason = 'CARD_SALE_MISSING' DO NOTHING
