-- export: reserve the next batch, its row and its snapshot in one statement
-- (sql/004_export.sql): the oldest requests in no batch, at most $1. Returns
-- the batch id once per request (no row: nothing to export).
WITH next AS (
  SELECT r.id AS request_id, p.id AS payment_id, p.order_id,
         coalesce(p.customer_doc, '') AS customer_doc, coalesce(p.customer_name, '') AS customer_name,
         p.method, p.amount_cents,
         coalesce(p.paid_cents, s.amount_paid_cents, 0) AS paid_cents,
         coalesce(to_char(coalesce(p.paid_at, s.settled_at) AT TIME ZONE 'UTC',
                          'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'), '') AS paid_at,
         coalesce(CASE WHEN s.kind IN ('pix', 'pix_refund') THEN s.end_to_end_id
                       WHEN s.id IS NOT NULL THEN s.nosso_numero
                       WHEN p.method = 'boleto' THEN p.nosso_numero END, '') AS settlement_reference,
         coalesce(s.bank_code, p.bank_code, '') AS bank_code
    FROM invoice_requests r
    JOIN payments p ON p.id = r.payment_id
    LEFT JOIN settlements s ON s.id = r.settlement_id
   WHERE r.batch_id IS NULL
     AND NOT EXISTS (SELECT 1 FROM export_batch_items i WHERE i.request_id = r.id)
   ORDER BY r.id
   LIMIT $1::bigint),
b AS (INSERT INTO export_batches (schema_version, record_count, total_cents, first_request_id, last_request_id)
      SELECT 1, count(*), sum(paid_cents), min(request_id), max(request_id) FROM next
      HAVING count(*) > 0 RETURNING id)
INSERT INTO export_batch_items (batch_id, request_id, payment_id, order_id, customer_doc, customer_name,
                                method, amount_cents, paid_cents, paid_at, settlement_reference, bank_code)
SELECT b.id, n.request_id, n.payment_id, n.order_id, n.customer_doc, n.customer_name,
       n.method, n.amount_cents, n.paid_cents, n.paid_at, n.settlement_reference, n.bank_code
  FROM next n CROSS JOIN b
RETURNING batch_id
