-- 018_cards_mark_paid.sql - issue 17: card sales mark their payments paid
-- through settle_mark_paid() too, so that it is the one database definition
-- of "a payment becomes paid and queues its invoice request" for every path:
-- bank and Pix files (reconcile_apply_paid.sql), card files
-- (cards_apply_paid.sql, over the outcomes cards_apply_outcomes.sql writes,
-- paid_at the capture time) and settle_resolve_exception_core() (016, 017).
--
-- The card path had its own UPDATE payments ... INSERT INTO
-- invoice_requests (the former body of sql/queries/cards_apply_paid.sql,
-- which now only calls settle_mark_paid()). It paid a pending payment only
-- when no settlement had paid it yet (paid_by_settlement IS NULL), and
-- settle_mark_paid() did not check that. It does now, so nothing the card
-- statement promised is lost and every path keeps it: a payment that names
-- the settlement that paid it is never paid again, even when its status was
-- set back to pending by hand. For settle_job, 009's trigger already
-- refuses that with an error; for the owner or a superuser it is now left
-- alone like any payment that is not payable, and the caller's count check
-- sees it (reconcile decides again with the payments locked, where such a
-- payment is a DUPLICATE_PAYMENT; resolve raises SR001).
--
-- Nothing else changes: same signature (reconcile_apply_paid.sql, the
-- resolve function and cards_apply_paid.sql call it unchanged), the
-- caller's rights (not SECURITY DEFINER, so 009's and 013's triggers still
-- judge what settle_job pays: a card payment only by its card_sale, with
-- the sale's receivables recorded for it in the same transaction),
-- search_path pinned, set-based.
-- Contract: docs/internals.md, "Marking payments paid".

CREATE OR REPLACE FUNCTION public.settle_mark_paid(p_payment bigint[], p_settlement bigint[], p_expected bigint[],
                                                   p_paid bigint[], p_paid_at timestamptz[], p_interest bigint[],
                                                   p_discount bigint[], p_honour_closed boolean DEFAULT false)
RETURNS bigint
LANGUAGE sql
VOLATILE
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH x AS (
        SELECT * FROM unnest(p_payment, p_settlement, p_expected, p_paid, p_paid_at, p_interest, p_discount)
                      AS x (payment_id, settlement_id, expected_cents, paid_cents, paid_at, interest_cents,
                            discount_cents)),
    paid AS (
        UPDATE public.payments p
           SET status = 'paid', paid_at = coalesce(x.paid_at, pg_catalog.now()), paid_cents = x.paid_cents,
               paid_by_settlement = x.settlement_id, interest_cents = x.interest_cents,
               discount_cents = x.discount_cents
          FROM x
         WHERE p.id = x.payment_id AND x.paid_cents > 0 AND p.paid_by_settlement IS NULL
           AND (p.status = 'pending' OR (p_honour_closed AND p.status IN ('canceled', 'expired')))
           AND (x.expected_cents IS NULL OR p.amount_cents = x.expected_cents)
        RETURNING p.id, x.settlement_id),
    queued AS (
        INSERT INTO public.invoice_requests (payment_id, settlement_id)
        SELECT id, settlement_id FROM paid
        RETURNING 1)
    SELECT count(*) FROM queued
$$;
REVOKE ALL ON FUNCTION public.settle_mark_paid(bigint[], bigint[], bigint[], bigint[], timestamptz[], bigint[], bigint[], boolean)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.settle_mark_paid(bigint[], bigint[], bigint[], bigint[], timestamptz[], bigint[], bigint[], boolean)
    TO settle_job;
