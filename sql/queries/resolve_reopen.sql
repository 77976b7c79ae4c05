-- resolve_reopen: put a resolved exception back to open through
-- settle_reopen_exception() (sql/017_resolution_history.sql), keeping its
-- resolution in exception_resolutions. $1 exception id, $2 note, $3 who.
-- Returns what was undone; a refusal is SQLSTATE SR001.
SELECT settle_reopen_exception($1::bigint, $2, $3)
