-- 009_hardening.sql - issue 14, second round: what the roles of 006 may
-- change, enforced by the database.
--
-- 1. SECURITY DEFINER functions name every table with its schema and pin
--    search_path = pg_catalog, public, pg_temp. PostgreSQL searches pg_temp
--    FIRST when search_path does not list it, so with 006's
--    "pg_catalog, public" a caller's temporary tables called exceptions and
--    settlements were what settle_resolve_exception() read: a finance login
--    could pay any payment with a fabricated exception.
-- 2. settle_job gets column privileges: UPDATE only on the columns the
--    pipeline writes, INSERT without UPDATE on the tables whose rows never
--    change (settlements, outcomes, events, duplicates, batch items),
--    exceptions inserted with the columns reconcile writes only (so always
--    'open', never resolved). Triggers check the transitions the grants
--    cannot express, for logins with the privileges of settle_job, finance
--    or invoicing (not for superusers or the owner of settle's tables, which
--    run the migrations, nor inside settle_resolve_exception(), which runs as
--    that owner and makes its own checks):
--      payments          pending -> paid only, by an existing settlement that
--                        was paid with money (paid, amount > 0), paid_cents > 0
--      invoice_requests  inserted only for a payment paid by that settlement;
--                        batch_id set once, to the batch that holds the request
--      export_batches    reserved -> published once; then only uploaded_at,
--                        once; sha256 and file_name never change afterwards
--      return_files      ingested -> reconciled; a reconciled or rejected file
--                        never changes
--      fetched_files     sha256 never changes; after_fetch_done false -> true
--      job_runs, job_run_steps  a finished run or step never changes
-- 3. settle_resolve_exception() refuses 'paid' when no money arrived
--    (settlement not paid or amount 0, a Pix refund, a bank rejection or a
--    returned cheque) and, when the amount received differs from the
--    payment's, unless the caller accepts the difference explicitly
--    (`settle resolve --accept-difference`); the payment records the amount
--    received, never the amount expected.

-- Who the triggers restrict: a login that has the privileges of one of
-- settle's roles (USAGE: inherited membership; PostgreSQL 16 makes the role
-- that creates a role a member without them), unless it is a superuser or
-- has those of the role that owns settle's tables (the migrating role, the
-- definer of settle_resolve_exception: it could drop the triggers anyway).
CREATE FUNCTION settle_restricted() RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT NOT r.rolsuper
           AND NOT pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE')
           AND (pg_catalog.pg_has_role(current_user, 'settle_job', 'USAGE')
                OR pg_catalog.pg_has_role(current_user, 'finance', 'USAGE')
                OR pg_catalog.pg_has_role(current_user, 'invoicing', 'USAGE'))
      FROM pg_catalog.pg_roles r, pg_catalog.pg_class c
     WHERE r.rolname = current_user AND c.oid = 'public.exceptions'::pg_catalog.regclass
$$;

-- 1 + 3: the resolve function, replaced ---------------------------------------
DROP FUNCTION public.settle_resolve_exception(bigint, text, text, bigint, text);

-- settle_resolve_exception(id, how, note, payment, by, accept_difference):
-- as in 006, plus: 'paid' needs money that arrived (refused with SR001
-- otherwise) and, when the amount received is not the payment's amount,
-- p_accept_difference = true. paid_cents is always the amount received.
CREATE FUNCTION public.settle_resolve_exception(p_id bigint, p_as text, p_note text,
                                                p_payment bigint DEFAULT NULL, p_by text DEFAULT NULL,
                                                p_accept_difference boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    x    record;
    pay  bigint;
    pst  text;
    pamt bigint;
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
    IF coalesce(p_accept_difference, false) AND p_as <> 'paid' THEN
        RAISE EXCEPTION USING ERRCODE = 'SR001', MESSAGE = 'accepting a difference goes with the resolution paid only';
    END IF;

    SELECT e.status, e.resolution, e.resolved_by, pg_catalog.to_char(e.resolved_at, 'YYYY-MM-DD HH24:MI') AS at,
           e.reason, e.payment_id, e.settlement_id, s.paid AS s_paid, s.kind,
           coalesce(e.paid_cents, s.amount_paid_cents) AS paid
      INTO x
      FROM public.exceptions e JOIN public.settlements s ON s.id = e.settlement_id
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
        -- No money, no payment: a rejection, a returned cheque, a refund (money
        -- that left) or a settlement that carried nothing is never 'paid'.
        IF x.reason IN ('BANK_REJECTED', 'CHEQUE_RETURNED', 'PIX_REFUND') OR x.kind = 'pix_refund'
           OR x.s_paid IS NOT TRUE OR coalesce(x.paid, 0) <= 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001',
                MESSAGE = format('exception #%s (%s): no money arrived with its settlement (paid %s, amount %s cents); it cannot make a payment paid',
                                 p_id, x.reason, CASE WHEN x.s_paid THEN 'yes' ELSE 'no' END, coalesce(x.paid, 0)),
                HINT = 'resolve as refund or ignore; a payment becomes paid only with money received';
        END IF;
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
        SELECT p.status, p.amount_cents INTO pst, pamt FROM public.payments p WHERE p.id = pay FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001', MESSAGE = format('payment #%s does not exist', pay);
        END IF;
        IF pst IN ('paid', 'refunded') THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001',
                MESSAGE = format('payment #%s is already %s; it cannot be paid twice', pay, pst),
                HINT = format('resolve exception #%s as refund or ignore', p_id);
        END IF;
        IF x.paid <> pamt AND NOT coalesce(p_accept_difference, false) THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001',
                MESSAGE = format('exception #%s: %s cents received, payment #%s is for %s cents', p_id, x.paid, pay, pamt),
                HINT = format('to mark it paid with the %s cents received, add --accept-difference and say why in --note', x.paid);
        END IF;
        UPDATE public.payments
           SET status = 'paid', paid_at = pg_catalog.now(), paid_cents = x.paid, paid_by_settlement = x.settlement_id
         WHERE id = pay;
        INSERT INTO public.invoice_requests (payment_id, settlement_id) VALUES (pay, x.settlement_id);
    END IF;

    UPDATE public.exceptions
       SET status = 'resolved', resolved_at = pg_catalog.now(), resolution = p_as, resolution_note = p_note,
           resolved_by = who, resolved_db_user = session_user::text,
           payment_id = CASE WHEN p_as = 'paid' THEN coalesce(payment_id, pay) ELSE payment_id END
     WHERE id = p_id;
    RETURN x.reason;
END
$$;

REVOKE ALL ON FUNCTION public.settle_resolve_exception(bigint, text, text, bigint, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.settle_resolve_exception(bigint, text, text, bigint, text, boolean) TO finance;

-- 2: settle_job's privileges, column by column --------------------------------
-- Revoking a table privilege drops its column privileges too, so revoke first.
REVOKE INSERT, UPDATE ON payments, exceptions, return_files, settlements, settlement_duplicates,
    settlement_outcomes, payment_events, invoice_requests, fetched_files, job_runs, job_run_steps,
    export_batches, export_batch_items FROM settle_job;

-- payments: reconcile marks paid (settle_resolve_exception runs as the owner).
-- SELECT ... FOR UPDATE needs UPDATE on one column, which this is.
GRANT UPDATE (status, paid_at, paid_cents, paid_by_settlement, interest_cents, discount_cents) ON payments TO settle_job;
-- written once, never changed
GRANT INSERT ON settlements, settlement_duplicates, settlement_outcomes, payment_events, export_batch_items
    TO settle_job;
-- exceptions: the columns reconcile writes; status, resolution and who stay
-- at their defaults (open, nobody)
GRANT INSERT (reason, settlement_id, payment_id, expected_cents, paid_cents, file_id, line, detail)
    ON exceptions TO settle_job;
-- ingest and reconcile
GRANT INSERT (source, name, size_bytes, sha256, status, error) ON return_files TO settle_job;
GRANT UPDATE (format, bank_code, generated_on, records, duplicates, warnings, xcheck_mismatches, ingested_at, status,
              reconciled_at, error, size_bytes, received_at)
    ON return_files TO settle_job;
-- reconcile queues, export marks exported
GRANT INSERT (payment_id, settlement_id) ON invoice_requests TO settle_job;
GRANT UPDATE (batch_id) ON invoice_requests TO settle_job;
-- fetch (its INSERT ... ON CONFLICT DO UPDATE SET sha256 = sha256 needs UPDATE on sha256;
-- the trigger below refuses a change)
GRANT INSERT (source, remote_name, size_bytes, remote_mtime, sha256, local_name, duplicate_of, after_fetch,
              after_fetch_done) ON fetched_files TO settle_job;
GRANT UPDATE (sha256, after_fetch_done) ON fetched_files TO settle_job;
-- run
GRANT INSERT (host, pid, dry_run, resumed_from) ON job_runs TO settle_job;
GRANT UPDATE (finished_at, status, exit_code, summary) ON job_runs TO settle_job;
GRANT INSERT (run_id, step) ON job_run_steps TO settle_job;
GRANT UPDATE (finished_at, status, exit_code, counts) ON job_run_steps TO settle_job;
-- export: reserve, publish, upload
GRANT INSERT (schema_version, record_count, total_cents, first_request_id, last_request_id)
    ON export_batches TO settle_job;
GRANT UPDATE (status, sha256, file_name, published_at, uploaded_at) ON export_batches TO settle_job;

-- 2: transitions ---------------------------------------------------------------
-- Bulk tables (payments, invoice_requests: hundreds of thousands of rows per
-- reconcile) are checked once per statement, with one join over the
-- statement's transition tables; the small ones row by row.

CREATE FUNCTION settle_check_payments() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE bad record;
BEGIN
    IF NOT public.settle_restricted() THEN
        RETURN NULL;
    END IF;
    -- The grants leave id unchangeable, so the old and new rows are the same
    -- payments: every old row pending, every new one paid by a settlement
    -- with money. Two scans, no join between the transition tables (which
    -- the planner cannot index: a join of them is quadratic).
    SELECT o.id, o.status AS was INTO bad
      FROM settle_old o
     WHERE o.status <> 'pending' OR o.paid_by_settlement IS NOT NULL
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('permission denied: payment #%s is %s; only a pending payment may be marked paid', bad.id, bad.was);
    END IF;
    SELECT n.id, n.status AS now, n.paid_by_settlement AS sid INTO bad
      FROM settle_new n
      LEFT JOIN public.settlements s ON s.id = n.paid_by_settlement
     WHERE NOT (n.status = 'paid' AND s.id IS NOT NULL AND s.paid AND s.amount_paid_cents > 0
                AND n.paid_cents > 0 AND n.paid_at IS NOT NULL)
           IS NOT FALSE
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('permission denied: payment #%s may only become paid by a settlement that brought money (now %s, settlement %s)',
                             bad.id, bad.now, coalesce(bad.sid::text, 'none'));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER payments_settle_only_paid AFTER UPDATE ON payments
    REFERENCING OLD TABLE AS settle_old NEW TABLE AS settle_new
    FOR EACH STATEMENT EXECUTE FUNCTION settle_check_payments();

CREATE FUNCTION settle_check_invoice_requests_insert() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE bad bigint;
BEGIN
    IF NOT public.settle_restricted() THEN
        RETURN NULL;
    END IF;
    SELECT n.payment_id INTO bad
      FROM settle_new n LEFT JOIN public.payments p ON p.id = n.payment_id
     WHERE NOT (p.status = 'paid' AND p.paid_by_settlement = n.settlement_id AND n.batch_id IS NULL) IS NOT FALSE
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('permission denied: an invoice request for payment #%s needs the payment paid by its settlement', bad);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER invoice_requests_for_paid AFTER INSERT ON invoice_requests
    REFERENCING NEW TABLE AS settle_new
    FOR EACH STATEMENT EXECUTE FUNCTION settle_check_invoice_requests_insert();

CREATE FUNCTION settle_check_invoice_requests_update() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE bad bigint;
BEGIN
    IF NOT public.settle_restricted() THEN
        RETURN NULL;
    END IF;
    -- as for payments: id cannot change, so two scans and no join
    SELECT o.id INTO bad FROM settle_old o WHERE o.batch_id IS NOT NULL LIMIT 1;
    IF NOT FOUND THEN
        SELECT n.id INTO bad
          FROM settle_new n LEFT JOIN public.export_batch_items i ON i.request_id = n.id
         WHERE NOT (n.batch_id = i.batch_id) IS NOT FALSE
         LIMIT 1;
    END IF;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('permission denied: invoice request #%s is exported once, to the batch that holds it', bad);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER invoice_requests_exported_once AFTER UPDATE ON invoice_requests
    REFERENCING OLD TABLE AS settle_old NEW TABLE AS settle_new
    FOR EACH STATEMENT EXECUTE FUNCTION settle_check_invoice_requests_update();

-- The small tables, row by row (BEFORE UPDATE; NEW returned when allowed).
CREATE FUNCTION settle_check_row() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE ok boolean;
BEGIN
    IF NOT public.settle_restricted() THEN
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'export_batches' THEN
        ok := (OLD.status = 'reserved' AND NEW.status = 'published' AND NEW.uploaded_at IS NULL)
           OR (OLD.status = 'published' AND NEW.status = 'published'
               AND NEW.sha256 = OLD.sha256 AND NEW.file_name = OLD.file_name AND NEW.published_at = OLD.published_at
               AND OLD.uploaded_at IS NULL);
    ELSIF TG_TABLE_NAME = 'return_files' THEN
        -- ingested -> reconciled; a rejected file parsed again and refused
        -- again keeps its row (ingest's reject(): a new error, size, time)
        ok := (OLD.status = 'ingested' AND NEW.status IN ('ingested', 'reconciled'))
           OR (OLD.status = 'rejected' AND NEW.status = 'rejected' AND NEW.sha256 = OLD.sha256
               AND NEW.source = OLD.source AND NEW.name = OLD.name);
    ELSIF TG_TABLE_NAME = 'fetched_files' THEN
        ok := NEW.sha256 = OLD.sha256 AND (NEW.after_fetch_done = OLD.after_fetch_done OR NOT OLD.after_fetch_done);
    ELSIF TG_TABLE_NAME IN ('job_runs', 'job_run_steps') THEN
        ok := OLD.finished_at IS NULL;
    END IF;
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('permission denied: %s row cannot change this way (%s)', TG_TABLE_NAME,
                             CASE TG_TABLE_NAME
                                 WHEN 'export_batches' THEN 'reserved -> published once, then uploaded_at once'
                                 WHEN 'return_files' THEN 'ingested -> reconciled; a rejected file stays rejected'
                                 WHEN 'fetched_files' THEN 'sha256 is fixed; after_fetch_done false -> true'
                                 ELSE 'a finished run or step is history' END);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER export_batches_transitions BEFORE UPDATE ON export_batches
    FOR EACH ROW EXECUTE FUNCTION settle_check_row();
CREATE TRIGGER return_files_transitions BEFORE UPDATE ON return_files
    FOR EACH ROW EXECUTE FUNCTION settle_check_row();
CREATE TRIGGER fetched_files_transitions BEFORE UPDATE ON fetched_files
    FOR EACH ROW EXECUTE FUNCTION settle_check_row();
CREATE TRIGGER job_runs_transitions BEFORE UPDATE ON job_runs
    FOR EACH ROW EXECUTE FUNCTION settle_check_row();
CREATE TRIGGER job_run_steps_transitions BEFORE UPDATE ON job_run_steps
    FOR EACH ROW EXECUTE FUNCTION settle_check_row();

-- The trigger functions and settle_restricted() keep PUBLIC's EXECUTE: a
-- trigger runs them as whoever updates the table (e.g. the payments service).
