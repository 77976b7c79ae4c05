-- export_batches_to_write: how many batches `settle export` is about to
-- write, for its progress line (n of N): the reserved ones a previous run
-- left, plus the invoice requests not exported yet in batches of $1.
SELECT (SELECT count(*) FROM export_batches WHERE status = 'reserved')
       + ceil((SELECT count(*) FROM invoice_requests WHERE batch_id IS NULL)::numeric / $1::int)::bigint
