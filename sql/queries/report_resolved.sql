-- report_resolved: the exceptions resolved during day $1 (UTC): who, when,
-- how and why, so a resolved exception does not vanish from the report.
-- Columns: report/report.c, enum R_*.
SELECT e.id, e.reason, coalesce(e.resolved_by, ''), to_char(e.resolved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
       coalesce(e.resolution, ''), coalesce(e.resolution_note, ''), coalesce(e.payment_id::text, ''),
       coalesce(e.paid_cents, s.amount_paid_cents), f.name, e.line, to_char(e.created_at, 'YYYY-MM-DD')
  FROM exceptions e
  JOIN settlements s ON s.id = e.settlement_id
  JOIN return_files f ON f.id = e.file_id
 WHERE e.resolved_at >= $1::date AND e.resolved_at < $1::date + 1
 ORDER BY e.resolved_at, e.id
