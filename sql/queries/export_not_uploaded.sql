-- export: published batches not delivered to [destination invoices] yet.
SELECT id FROM export_batches WHERE status = 'published' AND uploaded_at IS NULL ORDER BY id
