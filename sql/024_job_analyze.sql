-- 024_job_analyze.sql - ingest's ANALYZE of settlements, done with the
-- owner's rights.
--
-- Ingest refreshes the planner's statistics of settlements after a big file
-- (sql/queries/ingest_analyze.sql) so that reconcile, right after it, plans
-- with the file's rows counted. ANALYZE needs the table's owner (PostgreSQL
-- 15 and 16; the MAINTAIN privilege arrived in 17), and settle runs as a
-- LOGIN member of settle_job: there the statement only printed
--   WARNING:  skipping "settlements" --- only table or database owner can analyze it
-- on every night's log and refreshed nothing, so reconcile planned with
-- whatever autovacuum had last seen (found by scripts/bench/floor.sh with
-- AS_JOB=1, 2026-12-01). Tests ran settle as settle_test_job too, but
-- nothing looked at the warning.
--
-- settle_analyze_settlements(): that ANALYZE (the same columns, statistics
-- target 10 as before), SECURITY DEFINER with search_path pinned, executable
-- by settle_job only. It takes no argument: it can analyze that table and
-- those columns and nothing else.

CREATE FUNCTION public.settle_analyze_settlements() RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
SET default_statistics_target = 10
AS $$
BEGIN
    ANALYZE public.settlements (id, file_id, kind, bank_code, nosso_numero, txid, end_to_end_id, natural_key);
END
$$;
REVOKE ALL ON FUNCTION public.settle_analyze_settlements() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.settle_analyze_settlements() TO settle_job;
