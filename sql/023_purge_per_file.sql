-- 023_purge_per_file.sql - `settle purge` reads only the settlements of the
-- files it still has to mask, not the whole table every night.
--
-- 020's settle_mask_personal_data() walked settlements in id order from id 1
-- and stopped when a chunk found nothing: with nothing left to mask, the last
-- chunk still read every settlement (the masked ones, and the young ones
-- whose file is not old enough yet). At 480,000 settlements a night that
-- grows by the night, forever (6.8 s at 500,000 rows, about 40 minutes after
-- a year): the one nightly step that grew with history.
--
-- 1. return_files.personal_data_masked_at: when purge found none of the
--    file's settlements left with payer data (every one masked, none kept for
--    an open exception). A marked file is never read again by purge.
--    Settlements are written once, by the ingest of their file, so a marked
--    file stays done. Set only by settle_mask_personal_data() below (owner's
--    rights); settle_job has no grant on the column, finance and invoicing
--    read it. Existing files whose settlements were all masked by 020's
--    purges are marked here, once.
-- 2. settle_mask_personal_data(days, after_file, after_settlement,
--    after_exception, rows) replaces the 4-argument function: part a walks the
--    files that are old enough and not marked, in id order, and within a file
--    its settlements in id order, with a cursor (file, settlement) instead of
--    one settlement id (the id ranges of files ingested at the same time
--    interleave). A chunk masks up to `rows` settlements of ONE file (the
--    same rules as 020: not masked yet, no open exception, the exceptions'
--    and their history's texts with the words). A file in which a chunk finds
--    nothing left is marked when no settlement of it is left unmasked (a file
--    with a settlement kept for an open exception stays unmarked and is read
--    again on the next purge, that file only) and the walk goes on to the next
--    file in the same call, up to 1,000 files, so that a first purge over
--    years of files commits as it goes. Part b (exceptions without a
--    settlement left to mask) is 020's, unchanged. Never touched, as before:
--    an open exception, a settlement with one, any amount, key, status,
--    resolution, payment or batch; of a file only this column.
--    A file's settlements are read over its recorded id range (019:
--    settlements_from/to, as reconcile claims them; the min and max of its
--    settlements for files ingested before 019), so the primary key serves
--    each chunk and the check before the mark (a query over the file id
--    alone was planned as a scan of the whole table, 0.34 s at 500,000
--    settlements, for every file).
-- 3. Grants as in 020: settle_job may execute it; PUBLIC, finance and
--    invoicing may not.

ALTER TABLE return_files ADD COLUMN personal_data_masked_at timestamptz;

-- one pass over the settlements (a NOT EXISTS per file could be a scan of
-- the table per file)
UPDATE return_files f
   SET personal_data_masked_at = now()
  FROM (SELECT s.file_id FROM settlements s GROUP BY s.file_id
        HAVING bool_and(s.personal_data_masked_at IS NOT NULL)) d
 WHERE d.file_id = f.id;

DROP FUNCTION public.settle_mask_personal_data(integer, bigint, bigint, integer);

CREATE FUNCTION public.settle_mask_personal_data(p_days integer, p_after_file bigint, p_after_settlement bigint,
                                                 p_after_exception bigint, p_rows integer,
                                                 OUT last_file bigint, OUT last_settlement bigint,
                                                 OUT last_exception bigint,
                                                 OUT settlements bigint, OUT exceptions bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    cutoff timestamptz;
    ids bigint[];
    n bigint;
    v_file bigint;
    v_after bigint;
    v_lo bigint;
    v_hi bigint;
    looked integer := 0;
BEGIN
    IF p_days IS NULL OR p_days < 1 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('personal data is masked after 1 day or more, not %s', coalesce(p_days::text, 'NULL'));
    END IF;
    IF p_rows IS NULL OR p_rows < 1 OR p_rows > 1000000 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('a chunk is 1 to 1000000 rows, not %s', coalesce(p_rows::text, 'NULL'));
    END IF;
    cutoff := pg_catalog.now() - pg_catalog.make_interval(days => p_days);
    settlements := 0;
    exceptions := 0;

    -- a. the settlements of the old files not marked yet, file by file
    IF p_after_file IS NOT NULL THEN
        v_file := p_after_file;
        v_after := coalesce(p_after_settlement, 0);
        LOOP
            SELECT f.id,
                   coalesce(f.settlements_from, (SELECT pg_catalog.min(s.id) FROM public.settlements s WHERE s.file_id = f.id), 0),
                   coalesce(f.settlements_to, (SELECT pg_catalog.max(s.id) FROM public.settlements s WHERE s.file_id = f.id), 0)
              INTO n, v_lo, v_hi
              FROM public.return_files f
             WHERE f.id >= v_file AND f.personal_data_masked_at IS NULL AND f.received_at < cutoff
             ORDER BY f.id
             LIMIT 1;
            IF NOT FOUND THEN
                last_file := NULL;
                last_settlement := NULL;
                EXIT;
            END IF;
            IF n <> v_file THEN
                v_file := n;
                v_after := 0;
            END IF;
            SELECT pg_catalog.array_agg(c.id ORDER BY c.id) INTO ids
              FROM (SELECT s.id
                      FROM public.settlements s
                     WHERE s.id > v_after AND s.id BETWEEN v_lo AND v_hi
                       AND s.file_id = v_file
                       AND s.personal_data_masked_at IS NULL
                       AND NOT EXISTS (SELECT 1 FROM public.exceptions e
                                        WHERE e.settlement_id = s.id AND e.status = 'open')
                     ORDER BY s.id
                     LIMIT p_rows
                       FOR UPDATE OF s) c;
            IF ids IS NOT NULL THEN
                last_file := v_file;
                last_settlement := ids[pg_catalog.array_length(ids, 1)];
                EXIT;
            END IF;
            -- nothing left to mask in this file: marked when no settlement of
            -- it keeps payer data (over its range, by the primary key: the
            -- file id alone let the planner scan the whole table)
            UPDATE public.return_files f
               SET personal_data_masked_at = pg_catalog.now()
             WHERE f.id = v_file
               AND NOT EXISTS (SELECT 1 FROM public.settlements s
                                WHERE s.id BETWEEN v_lo AND v_hi AND s.file_id = v_file
                                  AND s.personal_data_masked_at IS NULL);
            looked := looked + 1;
            v_file := v_file + 1;
            v_after := 0;
            IF looked >= 1000 THEN
                -- commit what was marked; the next call goes on from here
                last_file := v_file;
                last_settlement := 0;
                EXIT;
            END IF;
        END LOOP;
        IF ids IS NOT NULL THEN
            -- Lock their exceptions, then (a new snapshot) drop any settlement
            -- whose exception finance reopened meanwhile: it is kept, and the
            -- next purge looks at it again.
            PERFORM 1 FROM public.exceptions e WHERE e.settlement_id = ANY (ids) FOR UPDATE;
            SELECT pg_catalog.array_agg(i ORDER BY i) INTO ids
              FROM pg_catalog.unnest(ids) AS i
             WHERE NOT EXISTS (SELECT 1 FROM public.exceptions e WHERE e.settlement_id = i AND e.status = 'open');
        END IF;
        IF ids IS NOT NULL THEN
            -- one statement, one snapshot: the words are read before the
            -- settlements lose them
            WITH w AS (SELECT e.id, ARRAY[s.payer_name, s.payer_doc, p.customer_name, p.customer_doc] AS words
                         FROM public.exceptions e
                         JOIN public.settlements s ON s.id = e.settlement_id
                         LEFT JOIN public.payments p ON p.id = e.payment_id
                        WHERE e.settlement_id = ANY (ids) AND e.personal_data_masked_at IS NULL),
                 h AS (UPDATE public.exception_resolutions h
                          SET note = public.settle_mask_text(h.note, w.words),
                              reopen_note = public.settle_mask_text(h.reopen_note, w.words)
                         FROM w WHERE h.exception_id = w.id
                       RETURNING 1),
                 x AS (UPDATE public.exceptions e
                          SET detail = public.settle_mask_text(e.detail, w.words),
                              resolution_note = public.settle_mask_text(e.resolution_note, w.words),
                              personal_data_masked_at = pg_catalog.now()
                         FROM w WHERE e.id = w.id
                       RETURNING 1),
                 m AS (UPDATE public.settlements s
                          SET payer_doc = NULL, payer_name = NULL, message = NULL,
                              personal_data_masked_at = pg_catalog.now()
                        WHERE s.id = ANY (ids)
                       RETURNING 1)
            SELECT (SELECT pg_catalog.count(*) FROM m), (SELECT pg_catalog.count(*) FROM x)
              INTO settlements, exceptions;
        END IF;
    END IF;

    -- b. exceptions without a settlement left to mask, in id order (020)
    IF p_after_exception IS NOT NULL THEN
        ids := NULL;
        SELECT pg_catalog.array_agg(c.id ORDER BY c.id) INTO ids
          FROM (SELECT e.id
                  FROM public.exceptions e
                  LEFT JOIN public.settlements s ON s.id = e.settlement_id
                 WHERE e.id > p_after_exception
                   AND e.status = 'resolved' AND e.personal_data_masked_at IS NULL
                   AND e.created_at < cutoff
                   AND (e.settlement_id IS NULL OR s.personal_data_masked_at IS NOT NULL)
                 ORDER BY e.id
                 LIMIT p_rows
                   FOR UPDATE OF e) c;
        IF ids IS NOT NULL THEN
            last_exception := ids[pg_catalog.array_length(ids, 1)];
            WITH w AS (SELECT e.id, ARRAY[p.customer_name, p.customer_doc] AS words
                         FROM public.exceptions e LEFT JOIN public.payments p ON p.id = e.payment_id
                        WHERE e.id = ANY (ids)),
                 h AS (UPDATE public.exception_resolutions h
                          SET note = public.settle_mask_text(h.note, w.words),
                              reopen_note = public.settle_mask_text(h.reopen_note, w.words)
                         FROM w WHERE h.exception_id = w.id
                       RETURNING 1)
            UPDATE public.exceptions e
               SET detail = public.settle_mask_text(e.detail, w.words),
                   resolution_note = public.settle_mask_text(e.resolution_note, w.words),
                   personal_data_masked_at = pg_catalog.now()
              FROM w
             WHERE e.id = w.id;
            GET DIAGNOSTICS n = ROW_COUNT;
            exceptions := exceptions + n;
        END IF;
    END IF;
END
$$;
REVOKE ALL ON FUNCTION public.settle_mask_personal_data(integer, bigint, bigint, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.settle_mask_personal_data(integer, bigint, bigint, bigint, integer) TO settle_job;
