-- status_check_batches: batches stuck for more than $1 minutes. Columns:
-- reserved (written, not published: a crashed export), published and not
-- uploaded (only a problem with a [destination invoices]), the oldest's id.
SELECT count(*) FILTER (WHERE status = 'reserved'),
       count(*) FILTER (WHERE status = 'published' AND uploaded_at IS NULL),
       coalesce(min(id) FILTER (WHERE status = 'published' AND uploaded_at IS NULL)::text, '')
  FROM export_batches
 WHERE (status = 'reserved' AND created_at < now() - make_interval(mins => $1::int))
    OR (status = 'published' AND uploaded_at IS NULL AND published_at < now() - make_interval(mins => $1::int))
