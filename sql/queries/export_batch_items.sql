-- export: a batch's snapshot, the CSV's columns in order. $1 batch id. Read
-- by primary key over the batch's request range (sql/021_export_cost.sql).
SELECT i.request_id, i.payment_id, i.order_id, i.customer_doc, i.customer_name, i.method,
       i.amount_cents, i.paid_cents, i.paid_at, i.settlement_reference, i.bank_code
  FROM export_batches b
  JOIN export_batch_items i ON i.request_id BETWEEN b.first_request_id AND b.last_request_id AND i.batch_id = b.id
 WHERE b.id = $1::bigint
 ORDER BY i.request_id
