-- export: a batch's row. $1 batch id. Returns schema_version, created_at
-- (ISO 8601 UTC), its day (YYYYMMDD), record_count, total_cents,
-- first_request_id, last_request_id, status, sha256 ('' when not published),
-- gzip_level.
SELECT schema_version, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
       to_char(created_at AT TIME ZONE 'UTC', 'YYYYMMDD'), record_count, total_cents,
       first_request_id, last_request_id, status, coalesce(sha256, ''), gzip_level
  FROM export_batches WHERE id = $1::bigint
