-- ingest, fast path: the records a file repeated (a Pix end-to-end id twice
-- in one file), found while parsing and not copied, become duplicates of the
-- settlement their first copy made. $1 file id; $2, $3, $4 arrays of their
-- place in the file, line and natural key. Returns line, natural_key,
-- settlement_id (a key that made no settlement of this file returns nothing:
-- the caller compares the counts).
INSERT INTO settlement_duplicates (file_id, record, line, natural_key, settlement_id)
SELECT $1::bigint, r.ord, r.line, r.key, s.id
  FROM unnest($2::int[], $3::int[], $4::text[]) AS r (ord, line, key)
  JOIN settlements s ON s.natural_key = r.key AND s.file_id = $1::bigint
RETURNING line, natural_key, settlement_id
