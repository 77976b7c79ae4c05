-- reconcile: files still waiting ('ingested'): their count and up to ten
-- names, oldest first ("SOURCE/NAME (file #ID), ...").
SELECT (SELECT count(*) FROM return_files WHERE status = 'ingested'),
       coalesce((SELECT string_agg(source || '/' || name || ' (file #' || id || ')', ', ' ORDER BY id)
                   FROM (SELECT id, source, name FROM return_files WHERE status = 'ingested'
                          ORDER BY id LIMIT 10) f), '')
