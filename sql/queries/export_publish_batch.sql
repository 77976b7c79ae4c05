-- export, publish: the batch's files are durably in the outbox. $1 batch id,
-- $2 sha256 of the data file, $3 its name. One row updated, or the batch was
-- not reserved any more.
UPDATE export_batches SET status = 'published', sha256 = $2, file_name = $3,
       published_at = date_trunc('second', now())
 WHERE id = $1::bigint AND status = 'reserved'
