-- ingest: after a big file, the planner's statistics for the columns
-- something filters or joins on, so that reconcile plans with the file's
-- rows counted. From a sample of 3,000 rows (statistics target 10) instead
-- of 30,000: what reconcile's plans need (row counts, the kinds, the file
-- ids) shows in the small sample, and it cost 0.03 s of CPU instead of
-- 0.23-0.31 s for a 120,000-record file; autovacuum's own ANALYZE refines
-- it later with the table's target.
BEGIN;
SET LOCAL default_statistics_target = 10;
ANALYZE settlements (id, file_id, kind, bank_code, nosso_numero, txid, end_to_end_id, natural_key);
COMMIT
