-- export: both files of batch $1 are on [destination invoices].
UPDATE export_batches SET uploaded_at = now() WHERE id = $1::bigint
