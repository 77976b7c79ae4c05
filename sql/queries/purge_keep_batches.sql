-- purge_keep_batches: the export batches whose files in SPOOL/outbox/ must
-- stay: not published yet, or not uploaded when $1 (a [destination
-- invoices] is configured). Column: id.
SELECT id
  FROM export_batches
 WHERE status = 'reserved' OR (uploaded_at IS NULL AND $1::boolean)
