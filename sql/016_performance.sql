-- 016_performance.sql - issue 18: the reconcile apply as cheap as the
-- database floor (/work/shared/bench), and issue 17's one definition of
-- "a payment becomes paid and queues its invoice request".
--
-- 1. The paid update can be HOT (heap-only: no new index entries):
--    - payments_pending (method) WHERE status = 'pending' is used by no
--      query of settle and its predicate names status, which the update
--      changes: dropped;
--    - payments_paid_by (unique on paid_by_settlement) made every paid
--      payment a new index entry. Its guarantee (one settlement pays one
--      payment at most) moves to invoice_requests.settlement_id, unique:
--      every payment becomes paid only through settle_mark_paid() below,
--      which queues exactly one invoice request with the settlement that
--      paid it, in the same statement (and 009's trigger makes settle_job
--      do the same);
--    - fillfactor 50 leaves room on each page for the paid version of each of
--      its rows (a payment is paid once; until VACUUM the old version stays
--      beside it, which a non-HOT update would need elsewhere anyway). Only
--      pages written from now on get it (existing rows move when a VACUUM
--      FULL or pg_repack rewrites the table; docs/scaling.md).
-- 2. Constraints that cost nothing per paid row: the four regular-expression
--    CHECKs of 001/011 (bank_code, nosso_numero, txid, customer_doc) were
--    evaluated again on every update of a payment, though the paid update
--    never changes those columns. They become one row trigger that runs only
--    on INSERT or on an UPDATE that names one of them, and reports the same
--    constraint names with SQLSTATE 23514 (check_violation).
-- 3. Foreign keys that earn their price:
--    - invoice_requests.batch_id: a per-row check on insert of a column that
--      is always NULL there; replaced by one statement-level check when
--      export sets batch_id (every batch id must exist);
--    - exceptions.settlement_id and exceptions.file_id: reconcile inserts
--      exceptions from a join with settlements (the settlement and its file
--      exist by construction), and settlements and return_files are never
--      deleted (no role has DELETE); replaced by one statement-level check of
--      the inserted rows. exceptions.payment_id keeps its foreign key;
--    - invoice_requests.payment_id: a per-row check (an SPI query and a
--      KEY SHARE lock) for a payment settle_mark_paid() has just updated, and
--      so locked, in the same statement. Replaced by one statement-level
--      check of the inserted rows, and, for the other direction, a
--      statement-level check when payments are deleted and a row trigger
--      that refuses changing the id of a payment with an invoice request.
--    - export_batch_items.request_id and .batch_id: export reserves a group
--      of batches in one statement that inserts the batch rows and selects
--      the requests it snapshots; replaced by one statement-level check.
--    The check functions run as the owner of settle's tables (SECURITY
--    DEFINER, search_path pinned as 009 does), as PostgreSQL's own
--    foreign-key checks do: whoever deletes a payment needs no privilege on
--    invoice_requests to be refused.
-- 5. export_batches.gzip_level: the level the batch's file is compressed
--    with. Batches published before keep 9 (so a replay gives their very
--    bytes); new ones get 6, gzip's own default: on 100,000 export rows level 9
--    took 2.3 times as long (2.11 s against 0.92 s) for a file that was not
--    even smaller (2,115,135 bytes against 2,112,325).
-- 4. settle_mark_paid(): the one definition of "payment becomes paid and
--    queues its invoice request", set-based (reconcile's apply passes a whole
--    file at once), also used by settle_resolve_exception() (redefined here
--    with the body of 009, the two statements replaced by the call).
--    Contract: docs/internals.md, "Marking payments paid".

-- 1 ---------------------------------------------------------------------------
DROP INDEX IF EXISTS payments_pending;
CREATE UNIQUE INDEX invoice_requests_settlement ON invoice_requests (settlement_id)
    WHERE settlement_id IS NOT NULL;
DROP INDEX IF EXISTS payments_paid_by;
ALTER TABLE payments SET (fillfactor = 50);

-- 2 ---------------------------------------------------------------------------
CREATE FUNCTION settle_check_payment_keys() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE bad text;
BEGIN
    IF NEW.bank_code IS NOT NULL AND NEW.bank_code !~ '^[0-9]{3}$' THEN
        bad := 'payments_bank_code_check';
    ELSIF NEW.nosso_numero IS NOT NULL AND NEW.nosso_numero !~ '^[0-9]{1,20}$' THEN
        bad := 'payments_nosso_numero_check';
    ELSIF NEW.txid IS NOT NULL AND NEW.txid !~ '^[A-Za-z0-9]{1,35}$' THEN
        bad := 'payments_txid_check';
    ELSIF NEW.customer_doc IS NOT NULL AND NEW.customer_doc !~ '^([0-9]{11}|[0-9]{14}|[0-9A-Z]{12}[0-9]{2})$' THEN
        bad := 'payments_customer_doc_check';
    END IF;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = bad, TABLE = 'payments',
            MESSAGE = format('new row for relation "payments" violates check constraint "%s"', bad);
    END IF;
    RETURN NEW;
END
$$;
ALTER TABLE payments
    DROP CONSTRAINT payments_bank_code_check,
    DROP CONSTRAINT payments_nosso_numero_check,
    DROP CONSTRAINT payments_txid_check,
    DROP CONSTRAINT payments_customer_doc_check;
CREATE TRIGGER payments_keys_check BEFORE INSERT OR UPDATE OF bank_code, nosso_numero, txid, customer_doc
    ON payments FOR EACH ROW EXECUTE FUNCTION settle_check_payment_keys();

-- 3 ---------------------------------------------------------------------------
ALTER TABLE invoice_requests DROP CONSTRAINT invoice_requests_batch_fk;
CREATE FUNCTION settle_check_batch_ids() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE bad record;
BEGIN
    SELECT n.id, n.batch_id INTO bad
      FROM (SELECT DISTINCT batch_id, min(id) AS id FROM settle_new WHERE batch_id IS NOT NULL GROUP BY batch_id) n
     WHERE NOT EXISTS (SELECT 1 FROM public.export_batches b WHERE b.id = n.batch_id)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', TABLE = 'invoice_requests',
            MESSAGE = format('invoice request #%s: export batch %s does not exist', bad.id, bad.batch_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER invoice_requests_batch_exists AFTER UPDATE ON invoice_requests
    REFERENCING NEW TABLE AS settle_new
    FOR EACH STATEMENT EXECUTE FUNCTION settle_check_batch_ids();

ALTER TABLE exceptions DROP CONSTRAINT exceptions_settlement_id_fkey, DROP CONSTRAINT exceptions_file_id_fkey;
CREATE FUNCTION settle_check_exception_refs() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE bad record;
BEGIN
    SELECT n.settlement_id, n.file_id INTO bad
      FROM settle_new n
     WHERE (n.settlement_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.settlements s WHERE s.id = n.settlement_id))
        OR (n.file_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.return_files f WHERE f.id = n.file_id))
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', TABLE = 'exceptions',
            MESSAGE = format('an exception names a settlement or file that does not exist (settlement %s, file %s)',
                             bad.settlement_id, bad.file_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER exceptions_refs_exist AFTER INSERT ON exceptions
    REFERENCING NEW TABLE AS settle_new
    FOR EACH STATEMENT EXECUTE FUNCTION settle_check_exception_refs();

ALTER TABLE invoice_requests DROP CONSTRAINT invoice_requests_payment_id_fkey;
CREATE FUNCTION settle_check_request_payments() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE bad bigint;
BEGIN
    SELECT n.payment_id INTO bad
      FROM settle_new n
     WHERE NOT EXISTS (SELECT 1 FROM public.payments p WHERE p.id = n.payment_id)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', TABLE = 'invoice_requests',
            MESSAGE = format('an invoice request needs an existing payment (payment %s)', coalesce(bad::text, 'NULL'));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER invoice_requests_payment_exists AFTER INSERT ON invoice_requests
    REFERENCING NEW TABLE AS settle_new
    FOR EACH STATEMENT EXECUTE FUNCTION settle_check_request_payments();

CREATE FUNCTION settle_check_payments_referenced() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE bad bigint;
BEGIN
    IF TG_LEVEL = 'ROW' THEN
        IF NEW.id IS DISTINCT FROM OLD.id
           AND EXISTS (SELECT 1 FROM public.invoice_requests r WHERE r.payment_id = OLD.id) THEN
            bad := OLD.id;
        END IF;
    ELSE
        SELECT o.id INTO bad
          FROM settle_old o
         WHERE EXISTS (SELECT 1 FROM public.invoice_requests r WHERE r.payment_id = o.id)
         LIMIT 1;
    END IF;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', TABLE = 'payments',
            MESSAGE = format('payment #%s has an invoice request: it cannot be deleted or renumbered', bad);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER payments_requested_not_deleted AFTER DELETE ON payments
    REFERENCING OLD TABLE AS settle_old
    FOR EACH STATEMENT EXECUTE FUNCTION settle_check_payments_referenced();
CREATE TRIGGER payments_requested_not_renumbered AFTER UPDATE OF id ON payments
    FOR EACH ROW EXECUTE FUNCTION settle_check_payments_referenced();

ALTER TABLE export_batch_items DROP CONSTRAINT export_batch_items_request_id_fkey,
    DROP CONSTRAINT export_batch_items_batch_id_fkey;
CREATE FUNCTION settle_check_batch_items() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE bad record;
BEGIN
    SELECT n.request_id, n.batch_id INTO bad
      FROM settle_new n
     WHERE NOT EXISTS (SELECT 1 FROM public.invoice_requests r WHERE r.id = n.request_id)
        OR NOT EXISTS (SELECT 1 FROM public.export_batches b WHERE b.id = n.batch_id)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', TABLE = 'export_batch_items',
            MESSAGE = format('a batch item needs an existing request and batch (request %s, batch %s)',
                             bad.request_id, bad.batch_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER export_batch_items_refs_exist AFTER INSERT ON export_batch_items
    REFERENCING NEW TABLE AS settle_new
    FOR EACH STATEMENT EXECUTE FUNCTION settle_check_batch_items();

-- 5 ---------------------------------------------------------------------------
ALTER TABLE export_batches ADD COLUMN gzip_level smallint NOT NULL DEFAULT 9 CHECK (gzip_level BETWEEN 1 AND 9);
ALTER TABLE export_batches ALTER COLUMN gzip_level SET DEFAULT 6;

-- 4 ---------------------------------------------------------------------------
-- settle_mark_paid(payment[], settlement[], expected[], paid[], paid_at[],
--                  interest[], discount[], honour_closed): element i says
-- "settlement[i] paid payment[i] with paid[i] cents at paid_at[i] (NULL:
-- now())". Each payment that is still pending (or, with honour_closed,
-- canceled or expired: finance honouring a PAYMENT_NOT_PENDING; never a paid
-- or refunded one), at amount expected[i] when that is not NULL, with
-- paid[i] > 0, becomes paid (paid_cents, paid_at,
-- paid_by_settlement, interest_cents, discount_cents) and gets ONE invoice
-- request (payment, settlement), in one statement. Others are left alone.
-- Returns how many became paid: the caller compares it with what it asked
-- for (reconcile: a difference means a payment changed meanwhile). Runs with
-- the caller's rights: 009's triggers still refuse settle_job a payment paid
-- without money; a settlement that would pay a second payment violates
-- invoice_requests_settlement. Callers lock nothing first; the UPDATE
-- locks the rows it pays.
CREATE FUNCTION public.settle_mark_paid(p_payment bigint[], p_settlement bigint[], p_expected bigint[],
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
         WHERE p.id = x.payment_id AND x.paid_cents > 0
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

-- settle_resolve_exception(): 013's (009's with the card rules), with the
-- paid transition through settle_mark_paid(). Its own checks (money arrived, payment pending and
-- locked, amount accepted) come first, so the call must pay exactly one;
-- it honours a canceled or expired payment, as 009 did.
CREATE OR REPLACE FUNCTION public.settle_resolve_exception(p_id bigint, p_as text, p_note text,
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
    pmet text;
    card boolean;
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
           e.reason, e.payment_id, e.settlement_id, s.paid AS s_paid, s.kind, s.amount_face_cents AS face,
           CASE WHEN s.kind = 'card_sale' THEN e.paid_cents ELSE coalesce(e.paid_cents, s.amount_paid_cents) END AS paid
      INTO x
      FROM public.exceptions e LEFT JOIN public.settlements s ON s.id = e.settlement_id
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
    card := x.kind = 'card_sale';
    IF p_as = 'paid' THEN
        -- No money, no payment: a rejection, a returned cheque, a refund, a
        -- card reason about money that did not come or went back, or a
        -- settlement that carried nothing is never 'paid'. A card sale
        -- counts as money: the acquirer confirmed it (docs/reconciliation.md).
        IF x.reason IN ('BANK_REJECTED', 'CHEQUE_RETURNED', 'PIX_REFUND', 'PIX_REFUND_MED', 'CARD_SALE_MISSING',
                        'FEE_MISMATCH', 'RECEIVABLE_OVERDUE', 'PAYOUT_MISMATCH', 'CARD_CANCELED', 'CHARGEBACK',
                        'CHARGEBACK_REVERSED')
           OR x.kind IS DISTINCT FROM 'boleto' AND x.kind IS DISTINCT FROM 'pix' AND NOT coalesce(card, false)
           OR (NOT card AND x.s_paid IS NOT TRUE) OR (card AND coalesce(x.face, 0) <= 0)
           OR coalesce(x.paid, 0) <= 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001',
                MESSAGE = format('exception #%s (%s): no money arrived with its settlement (paid %s, amount %s cents); it cannot make a payment paid',
                                 p_id, x.reason, CASE WHEN x.s_paid OR card THEN 'yes' ELSE 'no' END, coalesce(x.paid, 0)),
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
        SELECT p.status, p.amount_cents, p.method INTO pst, pamt, pmet FROM public.payments p WHERE p.id = pay FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001', MESSAGE = format('payment #%s does not exist', pay);
        END IF;
        IF card AND pmet <> 'card' THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001',
                MESSAGE = format('exception #%s is a card sale; payment #%s is a %s payment', p_id, pay, pmet);
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
        IF card THEN
            -- the sale's receivables belong to the payment from now on
            UPDATE public.card_receivables r SET payment_id = pay
             WHERE r.payment_id IS NULL
               AND (r.acquirer, r.merchant, r.sale_key) IN (SELECT acquirer, merchant, sale_key FROM public.card_receivables
                                                             WHERE sale_settlement_id = x.settlement_id);
        END IF;
        IF public.settle_mark_paid(ARRAY[pay], ARRAY[x.settlement_id], ARRAY[NULL::bigint], ARRAY[x.paid::bigint],
                                   ARRAY[pg_catalog.now()], ARRAY[NULL::bigint], ARRAY[NULL::bigint], true) <> 1 THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001',
                MESSAGE = format('payment #%s (status %s) could not be marked paid by exception #%s', pay, pst, p_id),
                HINT = 'only a pending payment becomes paid; resolve as refund or ignore';
        END IF;
    END IF;

    UPDATE public.exceptions
       SET status = 'resolved', resolved_at = pg_catalog.now(), resolution = p_as, resolution_note = p_note,
           resolved_by = who, resolved_db_user = session_user::text,
           payment_id = CASE WHEN p_as = 'paid' THEN coalesce(payment_id, pay) ELSE payment_id END
     WHERE id = p_id;
    RETURN x.reason;
END
$$;
