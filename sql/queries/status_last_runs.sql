-- status_last_runs: the last run of `settle run` and, when that was a dry
-- run, the last real one too (newest first). Columns: id, started, finished
-- (UTC text), status, exit code, summary, steps, dry run (t/f), hours since
-- it finished (NULL while running), hours since it started.
(SELECT j.id, to_char(j.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
        coalesce(to_char(j.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '-'), j.status,
        coalesce(j.exit_code::text, '-'), coalesce(j.summary, ''),
        (SELECT string_agg(s.step || '=' || s.status, ' ' ORDER BY s.started_at)
           FROM job_run_steps s WHERE s.run_id = j.id),
        j.dry_run, floor(extract(epoch FROM now() - j.finished_at) / 3600)::bigint,
        floor(extract(epoch FROM now() - j.started_at) / 3600)::bigint
   FROM job_runs j ORDER BY j.id DESC LIMIT 1)
UNION ALL
(SELECT j.id, to_char(j.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
        coalesce(to_char(j.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '-'), j.status,
        coalesce(j.exit_code::text, '-'), coalesce(j.summary, ''),
        (SELECT string_agg(s.step || '=' || s.status, ' ' ORDER BY s.started_at)
           FROM job_run_steps s WHERE s.run_id = j.id),
        j.dry_run, floor(extract(epoch FROM now() - j.finished_at) / 3600)::bigint,
        floor(extract(epoch FROM now() - j.started_at) / 3600)::bigint
   FROM job_runs j WHERE NOT j.dry_run AND j.id < (SELECT max(id) FROM job_runs)
  ORDER BY j.id DESC LIMIT 1)
ORDER BY 1 DESC
