-- settle run, under the run lock: a run row still 'running' belongs to a
-- run that was killed; mark it so, and record the new run as resuming
-- after it (or after the last run when that one failed).
-- $1 host, $2 pid, $3 dry run. Returns the new run's id and the id it
-- resumes from ('' when none).
WITH killed AS (
    UPDATE job_runs
       SET status = 'killed', finished_at = now(),
           summary = coalesce(summary, 'process ended without finishing')
     WHERE status = 'running'
 RETURNING id),
prev AS (SELECT id, status FROM job_runs ORDER BY id DESC LIMIT 1)
INSERT INTO job_runs (host, pid, dry_run, resumed_from)
SELECT $1, $2::int, $3::boolean,
       (SELECT CASE WHEN (SELECT max(id) FROM killed) IS NOT NULL THEN (SELECT max(id) FROM killed)
                    WHEN prev.status IN ('failed', 'killed') THEN prev.id END
          FROM (SELECT 1) one LEFT JOIN prev ON true)
RETURNING id, coalesce(resumed_from::text, '')
