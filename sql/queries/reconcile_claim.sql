-- reconcile: claim the oldest ingested file, so several processes share the
-- work; a crash (or ROLLBACK) just releases the claim.
-- Returns id, name; no row when nothing is claimable.
SELECT id, name FROM return_files WHERE status = 'ingested'
 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
