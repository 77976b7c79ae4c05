-- export, publish: the requests of the batches $1::bigint[] are exported
-- (batch_id), in the same transaction as the batches' rows.
UPDATE invoice_requests r SET batch_id = i.batch_id FROM export_batch_items i
 WHERE i.batch_id = ANY ($1::bigint[]) AND r.id = i.request_id AND r.batch_id IS NULL
