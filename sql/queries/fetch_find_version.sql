-- fetch: has this remote version (source, name, size, mtime) been fetched?
-- $1 source, $2 remote name, $3 size in bytes, $4 remote mtime (epoch seconds).
SELECT id, after_fetch_done
  FROM fetched_files
 WHERE source = $1 AND remote_name = $2 AND size_bytes = $3 AND remote_mtime = $4
