-- 006_roles.sql - least privilege: the roles that use the payments database.
--
--   settle_job  the nightly pipeline (fetch, ingest, reconcile, export, report,
--               status, run): reads and updates payments but never inserts,
--               deletes or truncates them; appends to the pipeline's tables;
--               cannot touch an exception once written (finance resolves).
--   finance     reads exceptions and what the exception report shows; closes
--               an exception ONLY through settle_resolve_exception() below.
--   invoicing   reads the published invoice request batches.
--
-- All three are NOLOGIN: the DBA creates one login per person or service and
-- grants it the role (docs/operations.md, "Database roles"), e.g.
--   CREATE ROLE settle_nightly LOGIN PASSWORD '...' IN ROLE settle_job;
-- Roles are cluster-wide and this migration runs once per database, so they
-- are created only when missing (a DBA may create them beforehand, and then
-- the migrating role needs no CREATEROLE); the grants are per database.
-- Nothing here is granted to PUBLIC; PostgreSQL 15 already gives PUBLIC no
-- CREATE on schema public, so none of these roles can create tables.

DO $$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['settle_job', 'finance', 'invoicing'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;   -- created meanwhile by a migration of another database
            END;
        END IF;
    END LOOP;
END
$$;

-- settle_job ------------------------------------------------------------------
GRANT SELECT, UPDATE ON payments TO settle_job;      -- no INSERT, DELETE, TRUNCATE
GRANT SELECT ON schema_migrations TO settle_job;     -- `settle migrate --status`, version checks
GRANT SELECT, INSERT, UPDATE ON
    return_files, settlements, settlement_duplicates, settlement_outcomes,
    payment_events, invoice_requests, fetched_files, job_runs, job_run_steps,
    export_batches, export_batch_items
    TO settle_job;
GRANT SELECT, INSERT ON exceptions TO settle_job;     -- written by reconcile, never changed by it
GRANT SELECT ON settlement_status TO settle_job;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO settle_job;

-- finance: read-only, plus the one function below ------------------------------
GRANT SELECT ON exceptions, settlements, settlement_outcomes, settlement_status, return_files,
                payments, payment_events, invoice_requests, export_batches, job_runs, job_run_steps
    TO finance;

-- invoicing: the batches and what is in them, not the payments table -----------
GRANT SELECT ON export_batches, export_batch_items, invoice_requests TO invoicing;

-- Who resolved, as the database authenticated them (resolved_by is the name
-- the caller gave, e.g. $SETTLE_USER of a shared finance login).
ALTER TABLE exceptions ADD COLUMN resolved_db_user text;

-- settle_resolve_exception(id, how, note, payment, by): the only way to close
-- an exception (`settle resolve` calls it). Locks the exception and, for
-- 'paid', the payment; refuses with SQLSTATE 'SR001' (message and hint meant
-- for the operator) an unknown or already resolved exception, a missing or
-- unpayable payment. 'paid' marks the payment paid with the exception's
-- settlement and amount and queues its invoice request, in the caller's
-- transaction. Returns the exception's reason.
CREATE FUNCTION settle_resolve_exception(p_id bigint, p_as text, p_note text,
                                         p_payment bigint DEFAULT NULL, p_by text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    x    record;
    pay  bigint;
    pst  text;
    who  text := coalesce(nullif(p_by, ''), session_user::text);
BEGIN
    IF p_as IS NULL OR p_as NOT IN ('paid', 'refund', 'ignore') THEN
        RAISE EXCEPTION USING ERRCODE = 'SR001',
            MESSAGE = format('resolution: expected paid, refund or ignore, found %s', coalesce(p_as, 'nothing'));
    END IF;
    IF p_note IS NULL OR p_note = '' THEN
        RAISE EXCEPTION USING ERRCODE = 'SR001', MESSAGE = 'a note is required: say why';
    END IF;
    IF p_payment IS NOT NULL AND p_as <> 'paid' THEN
        RAISE EXCEPTION USING ERRCODE = 'SR001', MESSAGE = 'a payment goes with the resolution paid only';
    END IF;

    SELECT e.status, e.resolution, e.resolved_by, to_char(e.resolved_at, 'YYYY-MM-DD HH24:MI') AS at,
           e.reason, e.payment_id, e.settlement_id, coalesce(e.paid_cents, s.amount_paid_cents) AS paid
      INTO x
      FROM exceptions e JOIN settlements s ON s.id = e.settlement_id
     WHERE e.id = p_id FOR UPDATE OF e;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SR001', MESSAGE = format('exception #%s does not exist', p_id);
    END IF;
    IF x.status = 'resolved' THEN
        RAISE EXCEPTION USING ERRCODE = 'SR001',
            MESSAGE = format('exception #%s was already resolved as %s by %s on %s', p_id, x.resolution, x.resolved_by, x.at),
            HINT = 'a resolution is final; open a new one by hand if it was wrong';
    END IF;

    pay := x.payment_id;
    IF p_as = 'paid' THEN
        IF p_payment IS NOT NULL THEN
            IF pay IS NOT NULL AND pay <> p_payment THEN
                RAISE EXCEPTION USING ERRCODE = 'SR001',
                    MESSAGE = format('exception #%s belongs to payment #%s, not #%s', p_id, pay, p_payment);
            END IF;
            pay := p_payment;
        END IF;
        IF pay IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001',
                MESSAGE = format('exception #%s (%s) has no payment to mark paid', p_id, x.reason),
                HINT = 'name it with --payment ID, or resolve as refund or ignore';
        END IF;
        SELECT status INTO pst FROM payments WHERE id = pay FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001', MESSAGE = format('payment #%s does not exist', pay);
        END IF;
        IF pst IN ('paid', 'refunded') THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001',
                MESSAGE = format('payment #%s is already %s; it cannot be paid twice', pay, pst),
                HINT = format('resolve exception #%s as refund or ignore', p_id);
        END IF;
        UPDATE payments SET status = 'paid', paid_at = now(), paid_cents = x.paid, paid_by_settlement = x.settlement_id
         WHERE id = pay;
        INSERT INTO invoice_requests (payment_id, settlement_id) VALUES (pay, x.settlement_id);
    END IF;

    UPDATE exceptions
       SET status = 'resolved', resolved_at = now(), resolution = p_as, resolution_note = p_note,
           resolved_by = who, resolved_db_user = session_user::text,
           payment_id = CASE WHEN p_as = 'paid' THEN coalesce(payment_id, pay) ELSE payment_id END
     WHERE id = p_id;
    RETURN x.reason;
END
$$;

REVOKE ALL ON FUNCTION settle_resolve_exception(bigint, text, text, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION settle_resolve_exception(bigint, text, text, bigint, text) TO finance;
