-- export: a batch's snapshot, the CSV's columns in order. $1 batch id.
SELECT request_id, payment_id, order_id, customer_doc, customer_name, method,
       amount_cents, paid_cents, paid_at, settlement_reference, bank_code
  FROM export_batch_items WHERE batch_id = $1::bigint ORDER BY request_id
