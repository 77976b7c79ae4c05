-- purge_keep_archive: the return files whose archived copy
-- (SPOOL/archive/SOURCE/NAME or NAME.~ID~) a later step or a person still
-- needs, whatever its age: not reconciled yet, or with an open exception
-- (finance may need the bank's own record). Columns: source, name, id.
SELECT f.source, f.name, f.id
  FROM return_files f
 WHERE f.status = 'ingested'
    OR EXISTS (SELECT 1 FROM exceptions e WHERE e.file_id = f.id AND e.status = 'open')
