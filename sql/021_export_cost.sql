-- 021_export_cost.sql - issue 18 item 2: the export's durable writes made
-- cheaper, with the same guarantees (docs/scaling.md, "Export").
--
-- Measured on 480,000 requests (scripts/bench/export.sh, statement log and
-- EXPLAIN (ANALYZE, BUFFERS, WAL) of the reserve statement): each group of
-- 64 batches spent about a quarter of its reserve statement in the
-- statement-level reference check of export_batch_items (two index probes
-- per row), and another quarter writing the snapshot, with two index entries
-- per row.
--
-- 1. export_batch_items_batch (batch_id, request_id) is dropped: a batch's
--    rows are read by primary key, request_id BETWEEN the batch's
--    first_request_id AND last_request_id, filtered on batch_id
--    (sql/queries/export_batch_items.sql, export_mark_exported.sql): one
--    index entry per snapshot row instead of two. A batch's requests are
--    always within its recorded range (the reserve statement computes the
--    range from them); a request of another batch inside the range (one
--    committed late, with a lower id) is filtered out by batch_id.
-- 2. settle_check_batch_items(): the same check (every item's request and
--    batch exist; SQLSTATE 23503 and the same message for the first bad
--    row), done as one range look-up of the requests and one probe per
--    distinct batch instead of two probes per row. A duplicate request_id is
--    refused by the primary key before this AFTER trigger runs, so counting
--    the requests found is exact.
-- 3. New batches are compressed at gzip level 4 (export_batches.gzip_level,
--    6 since 016). Each batch's CSV recompressed with zlib, 480 batches of
--    1,000 rows of the benchmark: level 6 10,464,921 bytes in 1.00 s of CPU,
--    level 4 9,845,113 bytes in 0.49 s, level 1 11,812,487 bytes (+13%) in
--    0.33 s. On 200 batches of varied rows (random names, documents,
--    amounts, references): level 6 10,363,902 bytes in 1.89 s, level 4
--    +5.4% in 1.03 s, level 1 +18.6% in 0.60 s. Level 4 takes about half of
--    level 6's time for at most a few percent more bytes; level 1's size
--    cost is not small. Batches recorded before keep their level, so
--    `settle export --replay` still gives their very bytes.

-- 1 ---------------------------------------------------------------------------
DROP INDEX IF EXISTS export_batch_items_batch;

-- 2 ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION settle_check_batch_items() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    bad record;
    lo bigint;
    hi bigint;
    n bigint;
    got bigint;
BEGIN
    SELECT min(request_id), max(request_id), count(*) INTO lo, hi, n FROM settle_new;
    SELECT count(*) INTO got FROM public.invoice_requests r
     WHERE r.id BETWEEN lo AND hi AND r.id IN (SELECT s.request_id FROM settle_new s);
    IF got = n AND NOT EXISTS (SELECT 1 FROM (SELECT DISTINCT s.batch_id FROM settle_new s) b
                                WHERE NOT EXISTS (SELECT 1 FROM public.export_batches x WHERE x.id = b.batch_id)) THEN
        RETURN NULL;
    END IF;
    SELECT s.request_id, s.batch_id INTO bad
      FROM settle_new s
     WHERE NOT EXISTS (SELECT 1 FROM public.invoice_requests r WHERE r.id = s.request_id)
        OR NOT EXISTS (SELECT 1 FROM public.export_batches b WHERE b.id = s.batch_id)
     LIMIT 1;
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', TABLE = 'export_batch_items',
        MESSAGE = format('a batch item needs an existing request and batch (request %s, batch %s)',
                         bad.request_id, bad.batch_id);
END
$$;

-- 3 ---------------------------------------------------------------------------
ALTER TABLE export_batches ALTER COLUMN gzip_level SET DEFAULT 4;
