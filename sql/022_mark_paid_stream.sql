-- 022_mark_paid_stream.sql - issue 18: settle_mark_paid() reads its arrays
-- as a stream.
--
-- 018's body read the seven arrays with unnest(a, b, ...) in FROM, which
-- PostgreSQL runs as a Function Scan that materialises every element of
-- every array in a tuplestore before the UPDATE sees the first row. For a
-- file of 480,000 titles that was 1.1 s before the first payment was
-- touched and 1.7 s in all (auto_explain, probe of 2026-12-01); the same
-- arrays unnested in the select list (a ProjectSet node, one row at a time,
-- no tuplestore) took 0.31 s, and reading the outcomes from their table
-- 0.22 s. Arrays of different lengths are padded with NULLs either way
-- (PostgreSQL >= 10), so the rows are the same; a row with a NULL paid
-- amount or payment pays nothing, as before.
--
-- The invoice requests' payment check (016's settle_check_request_payments,
-- the statement-level stand-in for a foreign key) asked "LIMIT 1" of an
-- anti-join, which the planner runs as a nested loop, one probe of
-- payments_pkey per new request: 1.27 s of the 480,000-title apply. The
-- same check now reads the range of the new requests' payment ids first and
-- counts the missing ones in it, so the planner may hash (or merge) the
-- range of the primary key instead: 0.40-0.52 s against 0.78-1.31 s on the
-- same rows (server CPU, log_statement_stats, three rounds each, shared
-- machine). Same error, SQLSTATE and message.
--
-- settle_mark_paid(): nothing else changes: same signature, caller's rights (not SECURITY
-- DEFINER: 009's and 013's triggers still judge what settle_job pays),
-- 018's guard (a payment a settlement has paid is never paid again),
-- search_path pinned, grants restated.
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
        SELECT pg_catalog.unnest(p_payment) AS payment_id, pg_catalog.unnest(p_settlement) AS settlement_id,
               pg_catalog.unnest(p_expected) AS expected_cents, pg_catalog.unnest(p_paid) AS paid_cents,
               pg_catalog.unnest(p_paid_at) AS paid_at, pg_catalog.unnest(p_interest) AS interest_cents,
               pg_catalog.unnest(p_discount) AS discount_cents),
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

CREATE OR REPLACE FUNCTION settle_check_request_payments() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE lo bigint; hi bigint; bad bigint;
BEGIN
    SELECT min(n.payment_id), max(n.payment_id) INTO lo, hi FROM settle_new n;
    SELECT min(n.payment_id) INTO bad
      FROM settle_new n
     WHERE NOT EXISTS (SELECT 1 FROM public.payments p WHERE p.id = n.payment_id AND p.id BETWEEN lo AND hi);
    IF bad IS NOT NULL THEN  -- payment_id is NOT NULL
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', TABLE = 'invoice_requests',
            MESSAGE = format('an invoice request needs an existing payment (payment %s)', coalesce(bad::text, 'NULL'));
    END IF;
    RETURN NULL;
END
$$;
