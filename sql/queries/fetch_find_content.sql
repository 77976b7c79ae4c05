-- fetch: the first fetched file holding this content. $1 SHA-256 (hex).
SELECT id FROM fetched_files WHERE sha256 = $1 AND duplicate_of IS NULL ORDER BY id LIMIT 1
