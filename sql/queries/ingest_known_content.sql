-- ingest: what the database knows about this content (not rejected), oldest
-- first: id, status, same source and name, the day ingested, the error.
-- $1 sha256, $2 source, $3 name.
SELECT id, status, source = $2 AND name = $3,
       to_char(coalesce(ingested_at, received_at), 'YYYY-MM-DD'), coalesce(error, '')
  FROM return_files WHERE sha256 = $1 AND status <> 'rejected' ORDER BY id
