-- ingest: register the file being ingested. $1 source, $2 name, $3 size,
-- $4 sha256. Returns its id. return_files_content refuses content already
-- ingested.
INSERT INTO return_files (source, name, size_bytes, sha256, status)
VALUES ($1, $2, $3, $4, 'ingested') RETURNING id
