-- 014_finance_report.sql - the files' own trailer totals, for the daily
-- tie-out with the banks (issue 15; docs/report.md, "The tie-out").
--
-- return_files.trailer_titles, trailer_cents: what the file's trailers say
--   it holds, summed over its batches: CNAB 240 batch trailers 24-29 (titles
--   in cobrança simples) and 30-46 (their total face value), FEBRABAN
--   C070/C071. NULL when the file's layout has no such totals or every
--   batch left them zero ("not reported"). The reader compares them with
--   what it read (a difference is a warning: a batch may mix carteiras); the
--   tie-out shows them beside the records read so finance can match them.
ALTER TABLE return_files
    ADD COLUMN trailer_titles integer,
    ADD COLUMN trailer_cents bigint;

-- settle ingest writes them with the rest of the file's row (sql/009_hardening.sql).
GRANT UPDATE (trailer_titles, trailer_cents) ON return_files TO settle_job;
