-- 020_retention.sql - issue 16 item 6: LGPD retention extended from
-- settlements (015) to the exceptions and their resolution history, done in
-- bounded chunks.
--
-- Where payer data lives in the database (checked for this migration):
--   settlements.payer_name, payer_doc, message   the bank's record (015 masks them)
--   exceptions.resolution_note, detail            free text: finance writes the payer's
--   exception_resolutions.note, reopen_note       name or CPF/CNPJ into notes (017)
--   payments.customer_name, customer_doc          the store's own table: settle never
--                                                 writes it; the store's retention
--   export_batch_items.customer_doc, customer_name  the invoice batch as written, kept so
--                                                 that `settle export --replay` rebuilds the
--                                                 same bytes (not masked here)
--   card_receivables, pix_api_windows, settlements' card columns: keys (TID, NSU,
--                                                 authorization, merchant), no name or document
--
-- 1. exceptions.personal_data_masked_at: when the payer's name and documents
--    were taken out of the exception's texts. The exception itself (reason,
--    amounts, payment, settlement, who resolved it, how and when) stays, as
--    does every exception_resolutions row: the audit trail.
-- 2. settle_mask_text(text, words): the text with each of the words (a payer
--    or customer name, a CPF/CNPJ with or without its punctuation) and every
--    formatted CPF (000.000.000-00) or CNPJ (00.000.000/0000-00, also the
--    alphanumeric one) replaced by '[removido]', case-insensitively, whole
--    words only; words shorter than 3 characters are ignored.
-- 3. settle_mask_personal_data(days, after_settlement, after_exception, rows):
--    ONE chunk of the masking, so that `settle purge` commits between chunks
--    and a first purge over millions of settlements never holds one giant
--    transaction (jobs/purge.c loops until both cursors are done):
--    a. the next `rows` settlements (ids above after_settlement; NULL: skip)
--       whose file arrived more than `days` days ago, not masked yet and with
--       no open exception: their exceptions (all resolved) and those
--       exceptions' resolution history are masked with the settlement's payer
--       name and document and the payment's customer name and document, then
--       the settlement's payer_name, payer_doc and message become NULL (015);
--    b. the next `rows` resolved exceptions (ids above after_exception; NULL:
--       skip) created more than `days` days ago and not masked, that have no
--       settlement (CARD_SALE_MISSING) or whose settlement was masked already
--       (an exception added or re-resolved after its settlement was masked):
--       masked with the payment's customer name and document.
--    Returns the last ids examined (NULL when that part found nothing: it is
--    done) and how many settlements and exceptions it masked.
--    Never touched: an open exception, a settlement with one, any amount,
--    key, status, resolution, payment, batch or file.
-- 4. Grants: settle_job masks through settle_mask_personal_data() only
--    (SECURITY DEFINER, search_path pinned, every table schema-qualified, as
--    009 and 017); its column UPDATE grant on settlements from 015 is
--    revoked, so it can no longer write those columns itself. finance and
--    invoicing may not call it. 015's trigger stays as a second line.

ALTER TABLE exceptions ADD COLUMN personal_data_masked_at timestamptz;
-- Part b's cursor: resolved exceptions not masked yet (reconcile inserts open
-- ones, so the bulk path never touches this index).
CREATE INDEX exceptions_unmasked ON exceptions (id) WHERE status = 'resolved' AND personal_data_masked_at IS NULL;

CREATE FUNCTION public.settle_mask_text(p_text text, p_words text[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    t text := p_text;
    w text;
    pat text;
BEGIN
    IF t IS NULL OR t = '' THEN
        RETURN t;
    END IF;
    FOREACH w IN ARRAY coalesce(p_words, '{}'::text[]) LOOP
        w := btrim(w);
        CONTINUE WHEN w IS NULL OR length(w) < 3;
        IF w ~ '^[0-9A-Za-z]{11,14}$' AND w ~ '[0-9]{2}$' THEN
            -- a CPF/CNPJ: also written with its dots, slash and dash
            pat := regexp_replace(w, '(.)(?=.)', '\1[-./ ]?', 'g');
        ELSE
            -- a name: its letters as they are, any run of blanks between words
            pat := regexp_replace(regexp_replace(w, '([^[:alnum:][:space:]])', '\\\1', 'g'), '[[:space:]]+', '[[:space:]]+', 'g');
        END IF;
        t := regexp_replace(t, '(^|[^[:alnum:]])' || pat || '(?![[:alnum:]])', '\1[removido]', 'gi');
    END LOOP;
    t := regexp_replace(t, '(^|[^[:alnum:]])[0-9]{3}\.[0-9]{3}\.[0-9]{3}-[0-9]{2}(?![[:alnum:]])', '\1[removido]', 'g');
    t := regexp_replace(t, '(^|[^[:alnum:]])[0-9A-Z]{2}\.[0-9A-Z]{3}\.[0-9A-Z]{3}/[0-9A-Z]{4}-[0-9]{2}(?![[:alnum:]])',
                        '\1[removido]', 'gi');
    RETURN t;
END
$$;
REVOKE ALL ON FUNCTION public.settle_mask_text(text, text[]) FROM PUBLIC;

CREATE FUNCTION public.settle_mask_personal_data(p_days integer, p_after_settlement bigint,
                                                 p_after_exception bigint, p_rows integer,
                                                 OUT last_settlement bigint, OUT last_exception bigint,
                                                 OUT settlements bigint, OUT exceptions bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    cutoff timestamptz;
    ids bigint[];
    n bigint;
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

    -- a. settlements, in id order from the cursor
    IF p_after_settlement IS NOT NULL THEN
        SELECT pg_catalog.array_agg(c.id ORDER BY c.id) INTO ids
          FROM (SELECT s.id
                  FROM public.settlements s JOIN public.return_files f ON f.id = s.file_id
                 WHERE s.id > p_after_settlement
                   AND s.personal_data_masked_at IS NULL
                   AND f.received_at < cutoff
                   AND NOT EXISTS (SELECT 1 FROM public.exceptions e
                                    WHERE e.settlement_id = s.id AND e.status = 'open')
                 ORDER BY s.id
                 LIMIT p_rows
                   FOR UPDATE OF s) c;
        IF ids IS NOT NULL THEN
            last_settlement := ids[pg_catalog.array_length(ids, 1)];
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

    -- b. exceptions without a settlement left to mask, in id order
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
REVOKE ALL ON FUNCTION public.settle_mask_personal_data(integer, bigint, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.settle_mask_personal_data(integer, bigint, bigint, integer) TO settle_job;

REVOKE UPDATE (payer_doc, payer_name, message, personal_data_masked_at) ON settlements FROM settle_job;
