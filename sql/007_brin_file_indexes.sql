-- 007_brin_file_indexes.sql - the file_id indexes of the two bulk tables
-- become BRIN.
--
-- settlements and settlement_outcomes receive a whole file at a time (one
-- COPY per file, hundreds of thousands of rows) and are read back by file.
-- Their rows for one file sit together in the heap, which is what a BRIN
-- index summarises: a few pages instead of a B-tree entry per row, and next
-- to nothing to maintain while the COPY runs. Measured with the
-- 480,000-title benchmark file: ingest 2.83-2.88 s with the B-tree on
-- settlements.file_id, 2.60-2.76 s with BRIN.
DROP INDEX settlements_file;
CREATE INDEX settlements_file ON settlements USING brin (file_id);
DROP INDEX settlement_outcomes_file;
CREATE INDEX settlement_outcomes_file ON settlement_outcomes USING brin (file_id);
