-- reconcile: claim the oldest ingested file, so several processes share the
-- work; a crash (or ROLLBACK) just releases the claim.
-- Returns id, name, format ('' when unknown), records, and the range of its
-- settlement ids (settlements_from/to, recorded by ingest since sql/019;
-- for a file ingested before, min/max over its rows; 0, 0 when it has none).
-- No row when nothing is claimable.
SELECT f.id, f.name, coalesce(f.format, ''), coalesce(f.records, 0),
       coalesce(f.settlements_from, (SELECT min(s.id) FROM settlements s WHERE s.file_id = f.id), 0),
       coalesce(f.settlements_to, (SELECT max(s.id) FROM settlements s WHERE s.file_id = f.id), 0)
  FROM return_files f WHERE f.status = 'ingested'
 ORDER BY f.id LIMIT 1 FOR UPDATE OF f SKIP LOCKED
