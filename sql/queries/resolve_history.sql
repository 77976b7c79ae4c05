-- resolve_history: the resolutions of one exception, oldest first, for
-- `settle resolve --history ID`. $1 exception id.
SELECT r.resolved_at::timestamp(0)::text, r.resolution, r.resolved_by, coalesce(r.resolved_db_user, ''), r.note,
       coalesce(r.reopened_at::timestamp(0)::text, ''), coalesce(r.reopened_by, ''), coalesce(r.reopen_note, ''),
       coalesce(r.payment_id::text, ''), coalesce(r.invoice_request_id::text, ''), r.invoice_request_withdrawn
  FROM exception_resolutions r
 WHERE r.exception_id = $1::bigint
 ORDER BY r.id
