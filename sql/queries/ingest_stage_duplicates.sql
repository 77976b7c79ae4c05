-- ingest, staged path: every staged record but the one kept is a duplicate.
-- The kept one is the first of its key in this file, when its settlement is
-- this file's (the key was new); a key already known from another file
-- makes every copy here a duplicate. Returns line, natural_key, settlement_id.
INSERT INTO settlement_duplicates (file_id, record, line, natural_key, settlement_id)
SELECT g.file_id, g.ord, g.line, g.natural_key, s.id
  FROM (SELECT file_id, ord, line, natural_key,
               ord = min(ord) OVER (PARTITION BY natural_key) AS first
          FROM ingest_stage) g
  JOIN settlements s ON s.natural_key = g.natural_key
 WHERE NOT (s.file_id = g.file_id AND g.first)
RETURNING line, natural_key, settlement_id
