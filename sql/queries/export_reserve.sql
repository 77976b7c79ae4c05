-- export: reserve the next group of batches, their rows and their snapshots
-- in one statement (sql/004_export.sql): the oldest requests in no batch,
-- at most $2 batches of at most $1 requests each, in request id order, the
-- batch ids ascending with the requests. Returns the new batch ids in order
-- (no row: nothing to export).
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
   LIMIT $1::bigint * $2::bigint),
numbered AS MATERIALIZED (
  SELECT n.*, (row_number() OVER (ORDER BY n.request_id) - 1) / $1::bigint AS k FROM next n),
grp AS (
  SELECT k, count(*) AS record_count, sum(paid_cents) AS total_cents, min(request_id) AS first_request_id,
         max(request_id) AS last_request_id
    FROM numbered GROUP BY k),
b AS (INSERT INTO export_batches (schema_version, record_count, total_cents, first_request_id, last_request_id)
      SELECT 1, record_count, total_cents, first_request_id, last_request_id FROM grp ORDER BY k
      RETURNING id, first_request_id),
items AS (
  INSERT INTO export_batch_items (batch_id, request_id, payment_id, order_id, customer_doc, customer_name,
                                  method, amount_cents, paid_cents, paid_at, settlement_reference, bank_code)
  SELECT b.id, n.request_id, n.payment_id, n.order_id, n.customer_doc, n.customer_name,
         n.method, n.amount_cents, n.paid_cents, n.paid_at, n.settlement_reference, n.bank_code
    FROM numbered n JOIN grp g ON g.k = n.k JOIN b ON b.first_request_id = g.first_request_id
  RETURNING 1)
SELECT b.id, (SELECT count(*) FROM items) FROM b ORDER BY b.id
