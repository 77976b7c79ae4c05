-- ingest: record a rejection. The same file (source, name, content) rejected
-- before and parsed again updates that row instead of adding one.
-- $1 source, $2 name, $3 size, $4 sha256, $5 the error. Returns the row's id.
WITH again AS (UPDATE return_files SET error = $5, size_bytes = $3, received_at = now()
                WHERE id = (SELECT max(id) FROM return_files WHERE source = $1 AND name = $2
                             AND sha256 = $4 AND status = 'rejected') RETURNING id),
fresh AS (INSERT INTO return_files (source, name, size_bytes, sha256, status, error)
          SELECT $1, $2, $3, $4, 'rejected', $5 WHERE NOT EXISTS (SELECT 1 FROM again) RETURNING id)
SELECT id FROM again UNION ALL SELECT id FROM fresh
