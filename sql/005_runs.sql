-- 005_runs.sql - the record of nightly runs (`settle run`).
CREATE TABLE job_runs (
    id           bigserial PRIMARY KEY,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    host         text NOT NULL,
    pid          integer NOT NULL,
    status       text NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'killed')),
    exit_code    integer,
    dry_run      boolean NOT NULL DEFAULT false,
    resumed_from bigint REFERENCES job_runs (id),   -- the failed or killed run this one picked up after
    summary      text
);

CREATE TABLE job_run_steps (
    run_id      bigint NOT NULL REFERENCES job_runs (id),
    step        text NOT NULL CHECK (step IN ('fetch', 'ingest', 'reconcile', 'export', 'report')),
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'partial', 'failed', 'skipped')),
    exit_code   integer,
    counts      jsonb,
    PRIMARY KEY (run_id, step)
);
