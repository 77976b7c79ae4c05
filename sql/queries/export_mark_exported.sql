-- export, publish: the requests of the batches $1::bigint[] are exported
-- (batch_id), in the same transaction as the batches' rows. $2 and $3: the
-- lowest first_request_id and the highest last_request_id of those batches,
-- so that both tables are read by primary key over that range and merged
-- (sql/021_export_cost.sql), not scanned whole.
UPDATE invoice_requests r SET batch_id = i.batch_id
  FROM export_batch_items i
 WHERE i.request_id BETWEEN $2::bigint AND $3::bigint AND i.batch_id = ANY ($1::bigint[])
   AND r.id BETWEEN $2::bigint AND $3::bigint AND r.id = i.request_id AND r.batch_id IS NULL
