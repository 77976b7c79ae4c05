-- settle run: a step ended. $1 run id, $2 step, $3 status, $4 exit code,
-- $5 its counters (jsonb).
UPDATE job_run_steps
   SET finished_at = now(), status = $3, exit_code = $4::int, counts = $5::jsonb
 WHERE run_id = $1 AND step = $2
