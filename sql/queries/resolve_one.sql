-- resolve_one: close one exception through settle_resolve_exception()
-- (sql/006_roles.sql, 009_hardening.sql, 017_resolution_history.sql), the
-- only way to resolve. $1 exception id, $2 paid|refund|ignore, $3 note,
-- $4 payment id or NULL, $5 who ($SETTLE_USER), $6 accept a difference.
-- Returns the exception's reason; a refusal is SQLSTATE SR001.
SELECT settle_resolve_exception($1::bigint, $2, $3, $4::bigint, $5, $6::boolean)
