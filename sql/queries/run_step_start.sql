-- settle run: a step starts. $1 run id, $2 step name.
INSERT INTO job_run_steps (run_id, step) VALUES ($1, $2)
