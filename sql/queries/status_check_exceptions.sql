-- status_check_exceptions: open exceptions older than $1 days. Columns:
-- how many, the oldest's age in days.
SELECT count(*), coalesce(max(current_date - created_at::date), 0)
  FROM exceptions
 WHERE status = 'open' AND created_at < now() - make_interval(days => $1::int)
