-- settle run, exit 75: the run that holds the lock, as job_runs knows it.
SELECT id, to_char(started_at, 'YYYY-MM-DD HH24:MI:SS"Z"'), host, pid
  FROM job_runs
 WHERE status = 'running'
 ORDER BY id DESC LIMIT 1
