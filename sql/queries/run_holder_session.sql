-- settle run, exit 75: the database session holding the run lock.
-- $1 the lock key (a bigint below 2^31: classid 0, objid the key).
-- Advisory locks belong to a database: a settle run on another database of
-- the same cluster holds the same key in its own, and is not the holder.
SELECT a.pid, coalesce(a.client_addr::text, 'local'), a.application_name
  FROM pg_locks l
  JOIN pg_stat_activity a ON a.pid = l.pid
 WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = $1::bigint::oid AND l.granted
   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
 LIMIT 1
