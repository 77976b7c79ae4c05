-- ingest: what the parse found, on the file's row. $1 id, $2 format, $3 bank,
-- $4 generated on, $5 records, $6 duplicates, $7 warnings, $8 money
-- mismatches, $9 skipped entries, $10/$11 the CNAB 240 batch trailers' titles and
-- cents (NULL when the file has none). settlements_to: the last settlement id
-- this session drew, so the file's settlements are in [settlements_from,
-- settlements_to] (sql/019).
UPDATE return_files SET format = $2, bank_code = $3, generated_on = $4, records = $5, duplicates = $6,
       warnings = $7, xcheck_mismatches = $8, skipped = $9,
       trailer_titles = $10, trailer_cents = $11, ingested_at = now(),
       settlements_to = currval('settlements_id_seq')
 WHERE id = $1
