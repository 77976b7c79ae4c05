-- ingest: register the file being ingested. $1 source, $2 name, $3 size,
-- $4 sha256. Returns its id. return_files_content refuses content already
-- ingested. settlements_from: a settlement id drawn now, so that every
-- settlement this session inserts for the file is above it (sql/019).
INSERT INTO return_files (source, name, size_bytes, sha256, status, settlements_from)
VALUES ($1, $2, $3, $4, 'ingested', nextval('settlements_id_seq') + 1) RETURNING id
