-- 017_resolution_history.sql - issue 15 item 3: every resolution kept, and a
-- wrong one reopened (`settle resolve --reopen ID --note TEXT`).
--
-- exception_resolutions holds one row per resolution of an exception, written
-- by settle_resolve_exception() in the transaction that resolves. Reopening
-- (settle_reopen_exception() below) never deletes or rewrites that row's
-- resolution: it fills its reopened_* columns and puts the exception back to
-- open, so the next resolution is a new row and both stay readable
-- (docs/finance.md, "Reopening").
--
-- Reopening a 'paid' resolution (docs/reconciliation.md, "Reopening"):
--   * refused when its invoice request is in an invoice batch (reserved or
--     published): an invoice may already exist for it, and the payment stays
--     paid exactly once; the message says which batch.
--   * refused when the payment is no longer paid by the exception's
--     settlement, or when the resolution predates this migration (what the
--     payment was before is not recorded).
--   * otherwise the payment gets back the status, paid_at, paid_cents and
--     paid_by_settlement it had before (recorded in payment_before), and the
--     invoice request, not yet exported, leaves the outbox: its id and
--     creation time stay on the resolution row (invoice_request_withdrawn),
--     so the trail is kept and a later 'paid' queues a new one. The export
--     lock (settle.export) is taken for that, so no export is reading the
--     outbox meanwhile.
--
-- Both functions are SECURITY DEFINER with search_path pinned and every table
-- schema-qualified (as 009), executable by finance only. A paid resolution
-- of anything but a boleto or a Pix settlement (e.g. a card sale, whose
-- receivables the resolution also changed) is not reopened.

CREATE TABLE exception_resolutions (
    id                         bigserial PRIMARY KEY,
    exception_id               bigint NOT NULL REFERENCES exceptions (id),
    resolution                 text NOT NULL CHECK (resolution IN ('paid', 'refund', 'ignore')),
    note                       text NOT NULL,
    resolved_by                text NOT NULL,             -- the name given ($SETTLE_USER)
    resolved_db_user           text,                      -- the database login
    resolved_at                timestamptz NOT NULL,
    accepted_difference        boolean,                   -- NULL: resolved before 017
    exception_payment_before   bigint,                    -- exceptions.payment_id before a 'paid' named one
    payment_id                 bigint REFERENCES payments (id),   -- 'paid': the payment marked paid
    payment_before             jsonb,                     -- 'paid': status, paid_at, paid_cents, paid_by_settlement before; NULL before 017
    invoice_request_id         bigint,                    -- 'paid': the request queued (no FK: it may be withdrawn, the id stays)
    invoice_request_created_at timestamptz,
    invoice_request_withdrawn  boolean NOT NULL DEFAULT false,
    reopened_at                timestamptz,
    reopened_by                text,
    reopened_db_user           text,
    reopen_note                text,
    CHECK ((reopened_at IS NULL) = (reopened_by IS NULL)),
    CHECK (reopened_at IS NULL OR coalesce(reopen_note, '') <> ''),
    CHECK (NOT invoice_request_withdrawn OR reopened_at IS NOT NULL)
);
-- At most one resolution in force per exception.
CREATE UNIQUE INDEX exception_resolutions_current ON exception_resolutions (exception_id) WHERE reopened_at IS NULL;
CREATE INDEX exception_resolutions_when ON exception_resolutions (resolved_at);

-- The resolutions made before this migration.
INSERT INTO exception_resolutions (exception_id, resolution, note, resolved_by, resolved_db_user, resolved_at,
                                   payment_id, invoice_request_id, invoice_request_created_at)
SELECT e.id, e.resolution, coalesce(e.resolution_note, ''), e.resolved_by, e.resolved_db_user, e.resolved_at,
       CASE WHEN e.resolution = 'paid' THEN e.payment_id END, r.id, r.created_at
  FROM exceptions e
  LEFT JOIN invoice_requests r ON e.resolution = 'paid' AND r.payment_id = e.payment_id AND r.settlement_id = e.settlement_id
 WHERE e.status = 'resolved'
 ORDER BY e.id;

GRANT SELECT ON exception_resolutions TO finance, settle_job;   -- read by the report; written by the functions only

-- settle_resolve_exception(): the resolution as the migrations before this
-- one define it (006, 009, and any later one that replaced its body, e.g.
-- for new reasons) is kept whole, renamed settle_resolve_exception_core and
-- executable by nobody but its owner; the function of that name becomes a
-- wrapper (same signature, SECURITY DEFINER, so finance's grant and every
-- caller are unchanged) that records what the core cannot: the payment as
-- it was before a 'paid', then the history row with the invoice request the
-- core queued. An exception already resolved is refused here, with a hint
-- that says how to change it (reopen). A migration that changes the
-- resolution from now on replaces settle_resolve_exception_core, not this.
ALTER FUNCTION public.settle_resolve_exception(bigint, text, text, bigint, text, boolean)
    RENAME TO settle_resolve_exception_core;
REVOKE ALL ON FUNCTION public.settle_resolve_exception_core(bigint, text, text, bigint, text, boolean) FROM PUBLIC, finance;

CREATE FUNCTION public.settle_resolve_exception(p_id bigint, p_as text, p_note text,
                                                p_payment bigint DEFAULT NULL, p_by text DEFAULT NULL,
                                                p_accept_difference boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    x       record;
    pay     bigint;
    before  jsonb;
    req_id  bigint;
    req_at  timestamptz;
    reason  text;
    who     text := coalesce(nullif(p_by, ''), session_user::text);
BEGIN
    -- the exception first, then its payment: the core's lock order
    SELECT e.status, e.resolution, e.resolved_by, pg_catalog.to_char(e.resolved_at, 'YYYY-MM-DD HH24:MI') AS at,
           e.payment_id, e.settlement_id
      INTO x
      FROM public.exceptions e WHERE e.id = p_id FOR UPDATE;
    IF FOUND AND x.status = 'resolved' THEN
        RAISE EXCEPTION USING ERRCODE = 'SR001',
            MESSAGE = format('exception #%s was already resolved as %s by %s on %s', p_id, x.resolution, x.resolved_by, x.at),
            HINT = format('to change it, reopen it first: settle resolve --reopen %s --note TEXT', p_id);
    END IF;
    IF FOUND AND p_as = 'paid' THEN
        pay := coalesce(x.payment_id, p_payment);
        SELECT pg_catalog.jsonb_build_object('status', p.status, 'paid_at', p.paid_at, 'paid_cents', p.paid_cents,
                                             'paid_by_settlement', p.paid_by_settlement)
          INTO before
          FROM public.payments p WHERE p.id = pay FOR UPDATE;
    END IF;

    reason := public.settle_resolve_exception_core(p_id, p_as, p_note, p_payment, p_by, p_accept_difference);

    IF p_as = 'paid' THEN
        SELECT r.id, r.created_at INTO req_id, req_at
          FROM public.invoice_requests r WHERE r.payment_id = pay AND r.settlement_id = x.settlement_id;
    END IF;
    INSERT INTO public.exception_resolutions (exception_id, resolution, note, resolved_by, resolved_db_user, resolved_at,
                                              accepted_difference, exception_payment_before, payment_id, payment_before,
                                              invoice_request_id, invoice_request_created_at)
    VALUES (p_id, p_as, p_note, who, session_user::text, pg_catalog.now(), coalesce(p_accept_difference, false),
            x.payment_id, CASE WHEN p_as = 'paid' THEN pay END, CASE WHEN p_as = 'paid' THEN before END,
            req_id, req_at);
    RETURN reason;
END
$$;

REVOKE ALL ON FUNCTION public.settle_resolve_exception(bigint, text, text, bigint, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.settle_resolve_exception(bigint, text, text, bigint, text, boolean) TO finance;

-- settle_reopen_exception(id, note, by): put a resolved exception back to
-- open, keeping its resolution in exception_resolutions (reopened_at, by,
-- the database login, the note). Refuses with SQLSTATE 'SR001' an unknown or
-- open exception, a missing note, and a 'paid' that cannot be undone safely
-- (see the top of this file). Returns what was undone, for the operator.
CREATE FUNCTION public.settle_reopen_exception(p_id bigint, p_note text, p_by text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    x     record;
    h     record;
    p     record;
    b     record;
    done  text;
    who   text := coalesce(nullif(p_by, ''), session_user::text);
BEGIN
    IF p_note IS NULL OR p_note = '' THEN
        RAISE EXCEPTION USING ERRCODE = 'SR001', MESSAGE = 'a note is required: say why the resolution was wrong';
    END IF;
    SELECT e.status, e.reason, e.settlement_id INTO x FROM public.exceptions e WHERE e.id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SR001', MESSAGE = format('exception #%s does not exist', p_id);
    END IF;
    IF x.status <> 'resolved' THEN
        RAISE EXCEPTION USING ERRCODE = 'SR001', MESSAGE = format('exception #%s is open: there is no resolution to reopen', p_id);
    END IF;
    SELECT * INTO h FROM public.exception_resolutions r WHERE r.exception_id = p_id AND r.reopened_at IS NULL FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SR001',
            MESSAGE = format('exception #%s is resolved but has no resolution on record', p_id),
            HINT = 'resolved by hand outside settle_resolve_exception(); ask the database owner';
    END IF;
    done := h.resolution;

    IF h.resolution = 'paid' THEN
        IF h.invoice_request_id IS NOT NULL THEN
            SELECT bt.id, bt.status, pg_catalog.to_char(coalesce(bt.published_at, bt.created_at), 'YYYY-MM-DD HH24:MI') AS at
              INTO b
              FROM public.export_batch_items i JOIN public.export_batches bt ON bt.id = i.batch_id
             WHERE i.request_id = h.invoice_request_id;
            IF FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'SR001',
                    MESSAGE = format('exception #%s was resolved as paid and the invoice request #%s of payment #%s is in invoice batch #%s (%s %s): it cannot be reopened',
                                     p_id, h.invoice_request_id, h.payment_id, b.id, b.status, b.at),
                    HINT = 'an invoice may already exist: the payment stays paid; settle the money outside settle (e.g. a refund) and ask invoicing to cancel the invoice';
            END IF;
        END IF;
        IF (SELECT s.kind FROM public.settlements s WHERE s.id = x.settlement_id) IS DISTINCT FROM 'boleto'
           AND (SELECT s.kind FROM public.settlements s WHERE s.id = x.settlement_id) IS DISTINCT FROM 'pix' THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001',
                MESSAGE = format('exception #%s was resolved as paid for a settlement that is neither a boleto nor a Pix: reopening it is not supported', p_id),
                HINT = 'ask the database owner to correct it by hand';
        END IF;
        IF h.payment_before IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001',
                MESSAGE = format('exception #%s was resolved as paid before resolutions were recorded (migration 017): what payment #%s was before is not known; it cannot be reopened',
                                 p_id, h.payment_id),
                HINT = 'ask the database owner to correct it by hand';
        END IF;
        -- No export may read the outbox while a request leaves it (export
        -- holds this lock for its whole run: export/export.c).
        IF NOT pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('settle.export')) THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001',
                MESSAGE = format('exception #%s: settle export is running; its invoice request cannot leave the outbox now', p_id),
                HINT = 'try again when the export has finished';
        END IF;
        SELECT q.status, q.paid_by_settlement INTO p FROM public.payments q WHERE q.id = h.payment_id FOR UPDATE;
        IF NOT FOUND OR p.status <> 'paid' OR p.paid_by_settlement IS DISTINCT FROM x.settlement_id THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001',
                MESSAGE = format('exception #%s: payment #%s is no longer paid by this exception''s settlement (now %s); it cannot be reopened',
                                 p_id, h.payment_id, coalesce(p.status, 'missing')),
                HINT = 'ask the database owner to correct it by hand';
        END IF;
        IF h.invoice_request_id IS NOT NULL THEN
            -- locked and checked again: the export lock is held, so no batch can take it now
            PERFORM 1 FROM public.invoice_requests r WHERE r.id = h.invoice_request_id AND r.batch_id IS NULL FOR UPDATE;
            IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'SR001',
                    MESSAGE = format('exception #%s: invoice request #%s is no longer waiting in the outbox; it cannot be reopened',
                                     p_id, h.invoice_request_id);
            END IF;
            DELETE FROM public.invoice_requests WHERE id = h.invoice_request_id;
        END IF;
        UPDATE public.payments
           SET status = h.payment_before->>'status',
               paid_at = (h.payment_before->>'paid_at')::timestamptz,
               paid_cents = (h.payment_before->>'paid_cents')::bigint,
               paid_by_settlement = (h.payment_before->>'paid_by_settlement')::bigint
         WHERE id = h.payment_id;
        done := format('paid: payment #%s back to %s', h.payment_id, h.payment_before->>'status')
                || CASE WHEN h.invoice_request_id IS NOT NULL
                        THEN format(', invoice request #%s withdrawn before export', h.invoice_request_id) ELSE '' END;
    END IF;

    UPDATE public.exception_resolutions
       SET reopened_at = pg_catalog.now(), reopened_by = who, reopened_db_user = session_user::text, reopen_note = p_note,
           invoice_request_withdrawn = (h.resolution = 'paid' AND h.invoice_request_id IS NOT NULL)
     WHERE id = h.id;
    UPDATE public.exceptions
       SET status = 'open', resolved_at = NULL, resolution = NULL, resolution_note = NULL, resolved_by = NULL,
           resolved_db_user = NULL,
           payment_id = CASE WHEN h.resolution = 'paid' THEN h.exception_payment_before ELSE payment_id END
     WHERE id = p_id;
    RETURN done;
END
$$;

REVOKE ALL ON FUNCTION public.settle_reopen_exception(bigint, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.settle_reopen_exception(bigint, text, text) TO finance;

-- settle_resolve_many(ids, hows, notes, payments, by, accept_difference):
-- `settle resolve --from` in one round trip. Calls settle_resolve_exception()
-- for each element in order, each in its own subtransaction, and returns one
-- row per element: its position (1-based), and the reason when resolved or
-- the refusal (SQLSTATE SR001: message and hint) when not; any other error
-- ends the statement. It decides nothing itself: the caller commits only when
-- no row was refused (all or nothing). SECURITY INVOKER: it runs with the
-- caller's rights, so only a login that may execute settle_resolve_exception()
-- gets anywhere; executable by finance only. accept_difference applies to the
-- 'paid' elements.
CREATE FUNCTION public.settle_resolve_many(p_ids bigint[], p_as text[], p_notes text[], p_payments bigint[],
                                           p_by text DEFAULT NULL, p_accept_difference boolean DEFAULT false)
RETURNS TABLE (ord integer, reason text, error text, hint text)
LANGUAGE plpgsql
SECURITY INVOKER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    i    integer;
    n    integer := coalesce(pg_catalog.array_length(p_ids, 1), 0);
    msg  text;
    hnt  text;
BEGIN
    IF coalesce(pg_catalog.array_length(p_as, 1), 0) <> n OR coalesce(pg_catalog.array_length(p_notes, 1), 0) <> n
       OR coalesce(pg_catalog.array_length(p_payments, 1), 0) <> n THEN
        RAISE EXCEPTION 'settle_resolve_many: the four arrays must have the same length';
    END IF;
    FOR i IN 1 .. n LOOP
        ord := i;
        BEGIN
            reason := public.settle_resolve_exception(p_ids[i], p_as[i], p_notes[i], p_payments[i], p_by,
                                                      coalesce(p_accept_difference, false) AND p_as[i] = 'paid');
            error := NULL;
            hint := NULL;
        EXCEPTION WHEN SQLSTATE 'SR001' THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, hnt = PG_EXCEPTION_HINT;
            reason := NULL;
            error := msg;
            hint := nullif(hnt, '');
        END;
        RETURN NEXT;
    END LOOP;
END
$$;

REVOKE ALL ON FUNCTION public.settle_resolve_many(bigint[], text[], text[], bigint[], text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.settle_resolve_many(bigint[], text[], text[], bigint[], text, boolean) TO finance;
