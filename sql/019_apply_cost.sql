-- 019_apply_cost.sql - issue 18: what was left between reconcile's apply and
-- the database floor (/work/shared/bench), found with the statement log,
-- auto_explain (WAL, buffers) and pg_walinspect on the 120,000-title
-- benchmark (docs/scaling.md, "What 019 changed").
--
-- 1. No tuple lock per paid payment. 016 turned the regular-expression
--    CHECKs into a BEFORE INSERT OR UPDATE OF bank_code, nosso_numero, txid,
--    customer_doc row trigger. But PostgreSQL fetches and LOCKS the old row
--    for every BEFORE UPDATE row trigger of a table before it looks at the
--    trigger's column list: every payment settle_mark_paid() paid wrote a
--    Heap LOCK record (EXCL_LOCK, LOCK_ONLY) and took a row lock besides its
--    update, whatever the columns. The check is the same function, run
--    BEFORE INSERT (where the row can still be refused before it is
--    written) and AFTER UPDATE OF those four columns (an AFTER row trigger
--    is queued only when one of its columns is in the UPDATE, and raising
--    there rolls the statement back just the same). Same constraint names,
--    same SQLSTATE 23514.
-- 2. The paid update is HOT again. 013 added payments_card_captured
--    (card_captured_at) WHERE method = 'card' AND status = 'pending': a
--    predicate that names status makes status an indexed column for
--    PostgreSQL, so no update that changes status could be heap-only any
--    more (016's fillfactor 50 bought nothing) and each paid payment added
--    entries to payments_pkey, payments_boleto_match and payments_order_id.
--    The index keeps its column and drops status from its predicate; the
--    card sweep (sql/queries/cards_sweep_missing.sql, once a night) checks
--    status on the rows the index gives, i.e. on every card payment captured
--    before its cut-off, paid or not, instead of the pending ones only.
--    That grows with the card payments kept (docs/scaling.md: old paid
--    payments move to an archive), against three index entries saved per
--    paid payment every night.

-- 1 ---------------------------------------------------------------------------
DROP TRIGGER payments_keys_check ON payments;
CREATE TRIGGER payments_keys_check BEFORE INSERT ON payments
    FOR EACH ROW EXECUTE FUNCTION settle_check_payment_keys();
CREATE TRIGGER payments_keys_check_update AFTER UPDATE OF bank_code, nosso_numero, txid, customer_doc ON payments
    FOR EACH ROW EXECUTE FUNCTION settle_check_payment_keys();

-- 2 ---------------------------------------------------------------------------
DROP INDEX payments_card_captured;
CREATE INDEX payments_card_captured ON payments (card_captured_at) WHERE method = 'card';

-- 3 ---------------------------------------------------------------------------
-- The ids of a file's settlements, recorded by ingest: every settlement of
-- file F has an id in [settlements_from, settlements_to] (other files' ids
-- may fall between them when two ingests run at once). Ingest draws
-- settlements_from with nextval() when it registers the file (the
-- settlements it then inserts in that session get higher ids) and records
-- currval() when the file is done. Reconcile read the range with one more
-- pass over the file's pages (min/max id of file_id = F, through the BRIN
-- index) before reading them again by primary key; a file ingested before
-- 019 has NULLs and still gets it that way.
ALTER TABLE return_files ADD COLUMN settlements_from bigint, ADD COLUMN settlements_to bigint;
GRANT INSERT (settlements_from), UPDATE (settlements_to) ON return_files TO settle_job;
