-- 015_ops.sql - issue 16 items 5 and 6: retention of personal data (LGPD)
-- and the purge step of the nightly run.
--
-- 1. settlements.personal_data_masked_at: when `settle purge` set the
--    payer's name, CPF/CNPJ and message of a settlement to NULL
--    ([retention] personal_data_days). Amounts, keys (natural_key, nosso
--    numero, txid, end-to-end id), outcomes, exceptions and their
--    resolutions are kept: the audit trail of who was paid what stays.
-- 2. settle_job may UPDATE exactly those four columns of settlements (the
--    rows stay INSERT-only otherwise: 009), and a statement trigger refuses,
--    for logins restricted by 009 (settle_restricted()), any update that is
--    not a masking: every new row must have the three personal columns NULL
--    and personal_data_masked_at set, every old row must not have been
--    masked already, and no masked settlement may have an open exception
--    (finance still needs the payer to resolve it). Writing a name, a
--    document or a message, unmasking, or masking twice is refused.
-- 3. job_run_steps.step accepts 'purge': `settle run` ends with it.

ALTER TABLE settlements ADD COLUMN personal_data_masked_at timestamptz;

GRANT UPDATE (payer_doc, payer_name, message, personal_data_masked_at) ON settlements TO settle_job;

CREATE FUNCTION settle_check_settlements_mask() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE bad bigint;
BEGIN
    IF NOT public.settle_restricted() THEN
        RETURN NULL;
    END IF;
    -- Column grants leave id unchangeable: old and new rows are the same
    -- settlements, so two scans and no join between the transition tables.
    SELECT o.id INTO bad FROM settle_old o WHERE o.personal_data_masked_at IS NOT NULL LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('permission denied: settlement #%s was masked already; masked data is never written again', bad);
    END IF;
    SELECT n.id INTO bad
      FROM settle_new n
     WHERE NOT (n.payer_doc IS NULL AND n.payer_name IS NULL AND n.message IS NULL
                AND n.personal_data_masked_at IS NOT NULL) IS NOT FALSE
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('permission denied: settlement #%s: only masking (payer_doc, payer_name, message set to NULL with personal_data_masked_at) is allowed', bad);
    END IF;
    SELECT n.id INTO bad
      FROM settle_new n JOIN public.exceptions e ON e.settlement_id = n.id
     WHERE e.status = 'open'
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('permission denied: settlement #%s has an open exception; its payer data is kept until it is resolved', bad);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER settlements_mask_only AFTER UPDATE ON settlements
    REFERENCING OLD TABLE AS settle_old NEW TABLE AS settle_new
    FOR EACH STATEMENT EXECUTE FUNCTION settle_check_settlements_mask();

ALTER TABLE job_run_steps DROP CONSTRAINT job_run_steps_step_check;
ALTER TABLE job_run_steps ADD CONSTRAINT job_run_steps_step_check
    CHECK (step IN ('fetch', 'ingest', 'reconcile', 'export', 'report', 'purge'));
