-- API Pix pull: record the pulled file and its window in one statement.
-- $1 source, $2 remote name ("GET /pix inicio=.. fim=.."), $3 size,
-- $4 window end (epoch s; also the file's mtime), $5 sha256, $6 local name,
-- $7 window start (epoch s), $8 pages, $9 items.
WITH f AS (
    INSERT INTO fetched_files (source, remote_name, size_bytes, remote_mtime, sha256,
                               local_name, after_fetch, after_fetch_done)
    VALUES ($1, $2, $3, $4, $5, $6, 'keep', true)
    RETURNING id)
INSERT INTO pix_api_windows (source, window_start, window_end, file_id, local_name, pages, items)
SELECT $1, to_timestamp($7::bigint), to_timestamp($4::bigint), f.id, $6, $8, $9 FROM f
