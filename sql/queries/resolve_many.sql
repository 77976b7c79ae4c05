-- resolve_many: the good rows of `settle resolve --from` in one round trip,
-- each through settle_resolve_exception() in its own subtransaction
-- (settle_resolve_many(), sql/017_resolution_history.sql). $1 ids, $2 hows,
-- $3 notes, $4 payments (array literals, NULL for none), $5 who, $6 accept
-- a difference on the paid rows. One row per element, in order: position,
-- reason when resolved, else the refusal's message and hint.
SELECT ord, coalesce(reason, ''), coalesce(error, ''), coalesce(hint, ''), error IS NOT NULL
  FROM settle_resolve_many($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5, $6::boolean)
 ORDER BY ord
