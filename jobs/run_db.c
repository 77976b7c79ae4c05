/* run_db.c - `settle run`'s data access (jobs/run_db.h). */
#include "jobs/run_db.h"

#include <stdio.h>
#include <string.h>

#include "common/db.h"

SQL_QUERY(run_begin);
SQL_QUERY(run_step_start);
SQL_QUERY(run_step_end);
SQL_QUERY(run_end);
SQL_QUERY(run_holder_run);
SQL_QUERY(run_holder_session);

/* The run lock's key: an arbitrary constant that is settle's alone (a
 * number, not db_try_lock's hashed name, so that older runs still exclude
 * newer ones). */
#define RUN_LOCK_KEY "6190878"

static int exec(PGconn *db, const char *sql, int n, const char *const *p, err_t *e)
{
    PGresult *r = db_query(db, e, sql, n, p);
    PQclear(r);
    return r ? 0 : -1;
}

int run_db_try_lock(PGconn *db, err_t *e)
{
    const char *p[] = { RUN_LOCK_KEY };
    PGresult *r = db_query(db, e, "SELECT pg_try_advisory_lock($1::bigint)", 1, p);
    if (!r)
        return -1;
    int got = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return got;
}

void run_db_describe_holder(PGconn *db, char *buf, size_t n)
{
    err_t e = { 0 };
    PGresult *r = db_query(db, &e, sqlq_run_holder_run, 0, NULL);
    if (r && PQntuples(r) == 1)
        snprintf(buf, n, "run #%s started %s on host %s (pid %s)", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
                 PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3));
    else
        snprintf(buf, n, "a session that holds advisory lock " RUN_LOCK_KEY);
    PQclear(r);
    const char *p[] = { RUN_LOCK_KEY };
    r = db_query(db, &e, sqlq_run_holder_session, 1, p);
    if (r && PQntuples(r) == 1) {
        size_t used = strlen(buf);
        snprintf(buf + used, n - used, "; database backend pid %s from %s (%s)", PQgetvalue(r, 0, 0),
                 PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2));
    }
    PQclear(r);
}

int run_db_begin(PGconn *db, const char *host, int pid, int dry, char run_id[24], char resumed[24], err_t *e)
{
    char pid_s[16];
    snprintf(pid_s, sizeof pid_s, "%d", pid);
    const char *p[] = { host, pid_s, dry ? "t" : "f" };
    PGresult *r = db_query(db, e, sqlq_run_begin, 3, p);
    if (!r)
        return -1;
    snprintf(run_id, 24, "%s", PQgetvalue(r, 0, 0));
    snprintf(resumed, 24, "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    return 0;
}

int run_db_step_start(PGconn *db, const char *run_id, const char *step, err_t *e)
{
    const char *p[] = { run_id, step };
    return exec(db, sqlq_run_step_start, 2, p, e);
}

int run_db_step_end(PGconn *db, const char *run_id, const char *step, const char *status, int rc,
                    const char *counts_json, err_t *e)
{
    char rc_s[16];
    snprintf(rc_s, sizeof rc_s, "%d", rc);
    const char *p[] = { run_id, step, status, rc_s, counts_json };
    return exec(db, sqlq_run_step_end, 5, p, e);
}

int run_db_end(PGconn *db, const char *run_id, const char *status, int rc, const char *summary, err_t *e)
{
    char rc_s[16];
    snprintf(rc_s, sizeof rc_s, "%d", rc);
    const char *p[] = { run_id, status, rc_s, summary };
    return exec(db, sqlq_run_end, 4, p, e);
}
