-- status_warned_files: files read with warnings in the last 30 days (a money
-- record that does not add up as its bank defines it points at a layout
-- mistake), the last 20.
SELECT id, source || '/' || name, coalesce(bank_code, ''), warnings, xcheck_mismatches,
       to_char(coalesce(ingested_at, received_at), 'YYYY-MM-DD')
  FROM return_files
 WHERE warnings > 0 AND status <> 'rejected'
   AND coalesce(ingested_at, received_at) > now() - interval '30 days'
 ORDER BY id DESC LIMIT 20
