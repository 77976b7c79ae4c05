-- ingest: did settle fetch place this file (source, local name, content)?
-- $1 source, $2 local name, $3 sha256. One row when it did.
SELECT 1 FROM fetched_files WHERE source = $1 AND local_name = $2 AND sha256 = $3
