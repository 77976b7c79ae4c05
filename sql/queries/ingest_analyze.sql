-- ingest: after a big file, the planner's statistics for the columns
-- something filters or joins on, so that reconcile plans with the file's
-- rows counted. From a sample of 3,000 rows (statistics target 10) instead
-- of 30,000: what reconcile's plans need (row counts, the kinds, the file
-- ids) shows in the small sample, and it cost 0.03 s of CPU instead of
-- 0.23-0.31 s for a 120,000-record file; autovacuum's own ANALYZE refines
-- it later with the table's target. Through settle_analyze_settlements()
-- (sql/024_job_analyze.sql): ANALYZE needs the table's owner, and settle
-- runs as a member of settle_job.
SELECT settle_analyze_settlements()
