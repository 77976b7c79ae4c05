-- reconcile: claim the oldest ingested file, so several processes share the
-- work; a crash (or ROLLBACK) just releases the claim.
-- Returns id, name, format ('' when unknown), records; no row when nothing
-- is claimable.
SELECT id, name, coalesce(format, ''), coalesce(records, 0) FROM return_files WHERE status = 'ingested'
 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
