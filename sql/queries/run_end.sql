-- settle run: the run ended. $1 run id, $2 status, $3 exit code, $4 summary.
UPDATE job_runs
   SET finished_at = now(), status = $2, exit_code = $3::int, summary = $4
 WHERE id = $1
