/* run_db.h - `settle run`'s data access: the run lock and the run log
 * (job_runs, job_run_steps). Statements in sql/queries/run_*.sql. */
#ifndef SETTLE_RUN_DB_H
#define SETTLE_RUN_DB_H

#include <stddef.h>

#include <libpq-fe.h>

#include "common/error.h"

/* Take the run lock without waiting: 1 held, 0 another session has it, -1 error. */
int run_db_try_lock(PGconn *db, err_t *e);

/* Who holds the run lock, for the exit-75 message (never fails: says what it knows). */
void run_db_describe_holder(PGconn *db, char *buf, size_t n);

/* Record a new run (marking a run left 'running' as killed): its id and
 * the id it resumes after ("" when none). 0 or -1. */
int run_db_begin(PGconn *db, const char *host, int pid, int dry, char run_id[24], char resumed[24], err_t *e);

/* A step starts / ends (counts_json: the step's counters as JSON). 0 or -1. */
int run_db_step_start(PGconn *db, const char *run_id, const char *step, err_t *e);
int run_db_step_end(PGconn *db, const char *run_id, const char *step, const char *status, int rc,
                    const char *counts_json, err_t *e);

/* The run ends. 0 or -1. */
int run_db_end(PGconn *db, const char *run_id, const char *status, int rc, const char *summary, err_t *e);

#endif
