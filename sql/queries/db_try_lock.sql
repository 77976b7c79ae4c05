-- db_try_lock(db, name): one session-level advisory lock per job name
-- ("settle.fetch", "settle.export", ...), released when the session ends.
-- $1 = the name. Returns one row, one boolean: true when this session holds it.
SELECT pg_try_advisory_lock(hashtext($1))
