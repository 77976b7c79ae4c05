-- status_exceptions_by_age: open exceptions per reason, by age in days
-- (0-1, 2-7, 8-30, more), with the oldest's age and the cents received.
SELECT e.reason, count(*),
       count(*) FILTER (WHERE current_date - e.created_at::date <= 1),
       count(*) FILTER (WHERE current_date - e.created_at::date BETWEEN 2 AND 7),
       count(*) FILTER (WHERE current_date - e.created_at::date BETWEEN 8 AND 30),
       count(*) FILTER (WHERE current_date - e.created_at::date > 30),
       max(current_date - e.created_at::date),
       coalesce(sum(coalesce(e.paid_cents, s.amount_paid_cents)), 0)
  FROM exceptions e JOIN settlements s ON s.id = e.settlement_id
 WHERE e.status = 'open'
 GROUP BY e.reason ORDER BY e.reason
