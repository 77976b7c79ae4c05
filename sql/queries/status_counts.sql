-- status_counts: what is waiting, one row. Columns: return files not
-- reconciled, their settlements, invoice requests not exported, batches
-- reserved (written, not published), open exceptions, cents received with
-- them, batches published and not uploaded.
SELECT (SELECT count(*) FROM return_files WHERE status = 'ingested'),
       (SELECT count(*) FROM return_files f JOIN settlements s ON s.file_id = f.id WHERE f.status = 'ingested'),
       (SELECT count(*) FROM invoice_requests WHERE batch_id IS NULL),
       (SELECT count(*) FROM export_batches WHERE status = 'reserved'),
       (SELECT count(*) FROM exceptions WHERE status = 'open'),
       (SELECT coalesce(sum(coalesce(e.paid_cents, s.amount_paid_cents)), 0)
          FROM exceptions e JOIN settlements s ON s.id = e.settlement_id WHERE e.status = 'open'),
       (SELECT count(*) FROM export_batches WHERE status = 'published' AND uploaded_at IS NULL)
