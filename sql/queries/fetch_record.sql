-- fetch: record a fetched remote version (idempotent on the version).
-- $1 source, $2 remote name, $3 size, $4 mtime, $5 sha256, $6 local name
-- (NULL for a duplicate), $7 duplicate_of id or NULL, $8 after_fetch,
-- $9 after_fetch_done.
INSERT INTO fetched_files (source, remote_name, size_bytes, remote_mtime, sha256,
                           local_name, duplicate_of, after_fetch, after_fetch_done)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (source, remote_name, size_bytes, remote_mtime)
DO UPDATE SET sha256 = fetched_files.sha256
RETURNING id
