-- 025_restricted_checks_cost.sql - the checks 009 and 013 run for settle_job
-- on every settle_mark_paid() (payments may only become paid by a settlement
-- that brought money; an invoice request needs its payment paid by its
-- settlement), at the cost of one range look-up instead of one index probe
-- per row.
--
-- Both asked "LIMIT 1" of a LEFT JOIN from the statement's transition table,
-- which the planner runs as a nested loop, one primary-key probe of
-- settlements (or payments) per paid payment (or request): measured on the
-- 480,000-title benchmark file as a LOGIN member of settle_job
-- (scripts/bench/floor.sh AS_JOB=1, auto_explain of the nested statements),
-- 0.11-0.39 s and 0.15-0.23 s per pipelined range, above a second in all,
-- and neither runs for the superuser the benchmark used before. As 022 did
-- for the payment check every role runs: read the range of the ids the
-- statement references first, join over that range (the planner may hash or
-- merge it), and count the failures instead of asking for the first. A
-- pipelined range pays settlements of one id range, so the settlements'
-- range holds about the rows probed; the payments' range is that of the
-- payments the range paid.
--
-- What is refused does not change: the same conditions on every row (a row
-- whose settlement or payment is outside the range cannot be, by the
-- range's definition), the same SQLSTATE 42501 and messages; the row named
-- is now the lowest failing id, not the first one found. Only for
-- settle_restricted() logins, as before (roles.sh, cards_ledger.sh).

CREATE OR REPLACE FUNCTION settle_check_payments() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE bad record; lo bigint; hi bigint; first_bad bigint;
BEGIN
    IF NOT public.settle_restricted() THEN
        RETURN NULL;
    END IF;
    SELECT o.id, o.status AS was INTO bad
      FROM settle_old o
     WHERE o.status <> 'pending' OR o.paid_by_settlement IS NOT NULL
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('permission denied: payment #%s is %s; only a pending payment may be marked paid', bad.id, bad.was);
    END IF;
    SELECT pg_catalog.min(n.paid_by_settlement), pg_catalog.max(n.paid_by_settlement) INTO lo, hi FROM settle_new n;
    SELECT pg_catalog.min(n.id) INTO first_bad
      FROM settle_new n
      LEFT JOIN public.settlements s ON s.id = n.paid_by_settlement AND s.id BETWEEN lo AND hi
     WHERE NOT (n.status = 'paid' AND s.id IS NOT NULL AND n.paid_cents > 0 AND n.paid_at IS NOT NULL
                AND ((s.kind NOT IN ('card_sale', 'card_settlement', 'card_adjustment') AND s.paid AND s.amount_paid_cents > 0)
                     OR (s.kind = 'card_sale' AND n.method = 'card' AND s.amount_face_cents > 0
                         AND EXISTS (SELECT 1 FROM public.card_receivables r
                                      WHERE r.sale_settlement_id = s.id AND r.payment_id = n.id))))
           IS NOT FALSE;
    IF first_bad IS NOT NULL THEN
        SELECT n.id, n.status AS now, n.paid_by_settlement AS sid, s.kind INTO bad
          FROM settle_new n LEFT JOIN public.settlements s ON s.id = n.paid_by_settlement
         WHERE n.id = first_bad
         LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('permission denied: payment #%s may only become paid by a settlement that brought money'
                             ' or, for a card payment, by the acquirer''s confirmed sale with its receivables'
                             ' (now %s, settlement %s, %s)',
                             bad.id, bad.now, coalesce(bad.sid::text, 'none'), coalesce(bad.kind, 'no settlement'));
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION settle_check_invoice_requests_insert() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE bad bigint; lo bigint; hi bigint;
BEGIN
    IF NOT public.settle_restricted() THEN
        RETURN NULL;
    END IF;
    SELECT pg_catalog.min(n.payment_id), pg_catalog.max(n.payment_id) INTO lo, hi FROM settle_new n;
    SELECT pg_catalog.min(n.payment_id) INTO bad
      FROM settle_new n
      LEFT JOIN public.payments p ON p.id = n.payment_id AND p.id BETWEEN lo AND hi
     WHERE NOT (p.status = 'paid' AND p.paid_by_settlement = n.settlement_id AND n.batch_id IS NULL) IS NOT FALSE;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('permission denied: an invoice request for payment #%s needs the payment paid by its settlement', bad);
    END IF;
    RETURN NULL;
END
$$;
