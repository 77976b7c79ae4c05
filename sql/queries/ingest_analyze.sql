-- ingest: after a big file, the planner's statistics for the columns
-- something filters or joins on (0.21 s instead of 0.34-0.54 s for the
-- 480,000-record benchmark file; autovacuum does the rest).
ANALYZE settlements (id, file_id, kind, bank_code, nosso_numero, txid, end_to_end_id, natural_key)
