/* run.c - `settle run`: the nightly job.
 *
 * fetch, ingest, reconcile, export, report, purge, in that order, in this process,
 * under a PostgreSQL advisory lock so two runs never overlap (on one host or
 * several). Each step is idempotent, so a run after a failed or killed one
 * simply does what is left; the run record says it resumed. Per-file and
 * per-source errors do not stop the run: the steps go on and the exit code
 * says what happened (0 clean, 65 some input rejected, 69 a source or the
 * database unavailable, 70 internal error, 75 another run holds the lock or
 * ingested files remain unreconciled). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/db.h"
#include "common/log.h"
#include "common/metrics.h"
#include "export/export.h"
#include "fetch/fetch.h"
#include "ingest/ingest.h"
#include "jobs/jobs.h"
#include "reconcile/engine.h"
#include "report/report.h"

const char usage_run[] =
    "usage: settle run [--dry-run]\n\n"
    "The nightly job: fetch, ingest, reconcile, export, report and purge, in order,\n"
    "under a database advisory lock (a second run exits 75 and names the holder).\n"
    "Each step goes on past per-file and per-source errors; the run and each step\n"
    "are recorded in job_runs / job_run_steps; a one-screen summary ends on stdout.\n"
    "The last step is `settle purge` (the [retention] policy). When [metrics]\n"
    "emf_output is set, CloudWatch EMF lines are written per step and one for the\n"
    "run (step=run: ExitCode, Duration, Success).\n\n"
    "  --dry-run   fetch --dry-run and purge --dry-run (list what they would do)\n"
    "              and `settle status`; change nothing else; recorded as a dry run\n"
    "              (job_runs.dry_run), which `settle status --check` ignores\n\n"
    "Exit: 0 clean, 65 some input rejected, 69 a source or the database unavailable,\n"
    "70 internal error, 74 a local file could not be written, 75 another run holds\n"
    "the lock, or ingested files remain unreconciled (held by another session past\n"
    "[reconcile] wait_locked_seconds; the summary names them).\n";

/* The advisory lock key: an arbitrary constant that is settle's alone. */
#define RUN_LOCK_KEY "6190878"

/* Each step is its stage's entry point (fetch/, ingest/, reconcile/,
 * export/, report/): the same functions the commands call. */
static int fetch_step(const config *cfg, int dry)
{
    fetch_opts o = { .dry_run = dry };
    return fetch_run_all(cfg, &o);
}
static int ingest_step(const config *cfg, int dry) { (void)dry; return ingest_run(cfg, NULL); }
static int reconcile_step(const config *cfg, int dry) { (void)dry; return reconcile_run(cfg, NULL); }
static int export_step(const config *cfg, int dry) { (void)dry; return export_run(cfg, NULL); }
static int report_step(const config *cfg, int dry) { (void)dry; return report_run(cfg, NULL); }
static int purge_step(const config *cfg, int dry) { return purge_run(cfg, dry, NULL); }

typedef struct step_def {
    const char *name;
    int in_dry_run;        /* 0: skipped by --dry-run */
    int (*stage)(const config *cfg, int dry);
} step_def;

static const step_def steps[] = {
    { "fetch", 1, fetch_step },
    { "ingest", 0, ingest_step },
    { "reconcile", 0, reconcile_step },
    { "export", 0, export_step },
    { "report", 0, report_step },
    { "purge", 1, purge_step },     /* --dry-run: purge --dry-run */
};
#define N_STEPS (sizeof steps / sizeof steps[0])

typedef struct step_result {
    const char *status;
    int rc;
    double seconds;
    char counts[512];
} step_result;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long long wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static const char *step_status(int rc)
{
    return rc == 0 ? "ok" : rc == EX_DATAERR ? "partial" : "failed";
}

/* The EMF destination ([metrics] emf_output), opened for one write and
 * closed again (emf_close), so that `settle purge` may rewrite the file
 * between steps. NULL when metrics are off or the file cannot be opened
 * (logged once per call). */
static FILE *emf_open(const config *cfg)
{
    const char *to = cfg->metrics_emf;
    if (!to || !*to)
        return NULL;
    if (!strcmp(to, "stdout"))
        return stdout;
    FILE *f = fopen(to, "a");
    if (!f)
        log_msg(LOG_WARN, "run", KV(KV_S("file", to)), "cannot open the EMF metrics file: %s; no metrics this time",
                strerror(errno));
    return f;
}

static void emf_close(FILE *f)
{
    if (f && f != stdout)
        fclose(f);
}

/* Describe who holds the run lock, for the exit-75 message. */
static void describe_holder(PGconn *db, char *buf, size_t n)
{
    err_t e = { 0 };
    PGresult *r = db_query(db, &e,
                           "SELECT id, to_char(started_at, 'YYYY-MM-DD HH24:MI:SS\"Z\"'), host, pid FROM job_runs "
                           "WHERE status = 'running' ORDER BY id DESC LIMIT 1",
                           0, NULL);
    if (r && PQntuples(r) == 1)
        snprintf(buf, n, "run #%s started %s on host %s (pid %s)", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
                 PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3));
    else
        snprintf(buf, n, "a session that holds advisory lock " RUN_LOCK_KEY);
    PQclear(r);
    r = db_query(db, &e,
                 "SELECT a.pid, coalesce(a.client_addr::text, 'local'), a.application_name FROM pg_locks l "
                 "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.classid = 0 "
                 "AND l.objid = " RUN_LOCK_KEY " AND l.granted LIMIT 1",
                 0, NULL);
    if (r && PQntuples(r) == 1) {
        size_t used = strlen(buf);
        snprintf(buf + used, n - used, "; database backend pid %s from %s (%s)", PQgetvalue(r, 0, 0),
                 PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2));
    }
    PQclear(r);
}

int cmd_run(settle_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = { { "dry-run", no_argument, NULL, 'n' }, { NULL, 0, NULL, 0 } };
    int dry = 0, opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == 'n')
            dry = 1;
        else
            return job_usage_error("run", "unknown option");
    }
    if (optind < argc)
        return job_usage_error("run", "unexpected argument '%s'", argv[optind]);

    err_t e = { 0 };
    PGconn *db = db_connect(ctx->cfg, &e);
    if (!db) {
        log_msg(LOG_ERROR, "run", NULL, "%s", e.msg);
        return e.code;
    }
    PGresult *r = db_query(db, &e, "SELECT pg_try_advisory_lock(" RUN_LOCK_KEY ")", 0, NULL);
    if (!r) {
        log_msg(LOG_ERROR, "run", NULL, "%s", e.msg);
        PQfinish(db);
        return e.code;
    }
    int locked = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!locked) {
        char who[512];
        describe_holder(db, who, sizeof who);
        log_msg(LOG_ERROR, "run", NULL,
                "another settle run holds the lock: %s\nHINT: wait for it to finish; if that process is gone, its "
                "database session ends and the lock with it",
                who);
        PQfinish(db);
        return EX_TEMPFAIL;
    }

    /* A run row still 'running' while we hold the lock belongs to a run that
     * was killed: say so, and record that this run resumes after it. */
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    char pid[16], dry_s[2] = { dry ? 't' : 'f', 0 };
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    const char *p_run[] = { host, pid, dry_s };
    r = db_query(db, &e,
                 "WITH killed AS (UPDATE job_runs SET status = 'killed', finished_at = now(), "
                 "                summary = coalesce(summary, 'process ended without finishing') "
                 "                WHERE status = 'running' RETURNING id), "
                 "prev AS (SELECT id, status FROM job_runs ORDER BY id DESC LIMIT 1) "
                 "INSERT INTO job_runs (host, pid, dry_run, resumed_from) "
                 "SELECT $1, $2::int, $3::boolean, "
                 "       (SELECT CASE WHEN (SELECT max(id) FROM killed) IS NOT NULL THEN (SELECT max(id) FROM killed) "
                 "                    WHEN prev.status IN ('failed', 'killed') THEN prev.id END "
                 "          FROM (SELECT 1) one LEFT JOIN prev ON true) "
                 "RETURNING id, coalesce(resumed_from::text, '')",
                 3, p_run);
    if (!r) {
        log_msg(LOG_ERROR, "run", NULL, "cannot record the run: %s\nHINT: run `settle migrate`", e.msg);
        PQfinish(db);
        return e.code;
    }
    char run_id[24], resumed[24];
    snprintf(run_id, sizeof run_id, "%s", PQgetvalue(r, 0, 0));
    snprintf(resumed, sizeof resumed, "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    log_msg(LOG_INFO, "run", KV(KV_S("run", run_id), KV_S("resumed_from", resumed), KV_I("dry_run", dry)),
            "nightly run started");

    double run_t0 = now_s();
    step_result res[N_STEPS];
    int worst = 0;
    for (size_t i = 0; i < N_STEPS; i++) {
        step_result *sr = &res[i];
        memset(sr, 0, sizeof *sr);
        if (dry && !steps[i].in_dry_run) {
            sr->status = "skipped";
            continue;
        }
        const char *p_step[] = { run_id, steps[i].name };
        PQclear(db_query(db, &e, "INSERT INTO job_run_steps (run_id, step) VALUES ($1, $2)", 2, p_step));

        metrics_reset();
        log_msg(LOG_INFO, "run", KV(KV_S("step", steps[i].name)), "step started");
        double t0 = now_s();
        sr->rc = steps[i].stage(ctx->cfg, dry);
        sr->seconds = now_s() - t0;
        sr->status = step_status(sr->rc);
        metrics_format(sr->counts, sizeof sr->counts, 0);
        worst = err_worst(worst, sr->rc);
        log_msg(sr->rc ? LOG_WARN : LOG_INFO, "run",
                KV(KV_S("step", steps[i].name), KV_S("status", sr->status), KV_I("exit", sr->rc),
                   KV_I("ms", (long long)(sr->seconds * 1000))),
                "step finished");
        FILE *emf = emf_open(ctx->cfg);
        metrics_emit(emf, steps[i].name, (long long)(sr->seconds * 1000), sr->rc == 0, wall_ms());
        emf_close(emf);

        char json[512], rc_s[8];
        metrics_format(json, sizeof json, 1);
        snprintf(rc_s, sizeof rc_s, "%d", sr->rc);
        const char *p_done[] = { run_id, steps[i].name, sr->status, rc_s, json };
        PGresult *u = db_query(db, &e,
                               "UPDATE job_run_steps SET finished_at = now(), status = $3, exit_code = $4::int, "
                               "counts = $5::jsonb WHERE run_id = $1 AND step = $2",
                               5, p_done);
        if (!u)
            log_msg(LOG_WARN, "run", KV(KV_S("step", steps[i].name)), "cannot record the step: %s", e.msg);
        PQclear(u);
    }

    /* A run is not clean while ingested files remain unreconciled (held by
     * another session past reconcile's wait, or a step that failed): 75. */
    char left[512] = "";
    long n_left = 0;
    if (!dry) {
        n_left = held_files(db, left, sizeof left, &e);
        if (n_left > 0)
            worst = err_worst(worst, EX_TEMPFAIL);
        else if (n_left < 0)
            log_msg(LOG_WARN, "run", NULL, "cannot count unreconciled files: %s", e.msg);
    }
    char temp_msg[700];
    snprintf(temp_msg, sizeof temp_msg, "%ld ingested file(s) not reconciled: %s; re-run when no other session holds them",
             n_left, left);

    const char *run_status = worst == 0 ? "succeeded" : worst == EX_DATAERR ? "partial" : "failed";
    const char *meaning = worst == 0             ? "clean"
                          : worst == EX_DATAERR  ? "some input was rejected; see the spool's rejected/SOURCE/*.error files"
                          : worst == EX_UNAVAILABLE ? "a source or the database was unavailable; re-run when it is back"
                          : worst == EX_CONFIG   ? "configuration error; see the log"
                          : worst == EX_IOERR    ? "a local file could not be written (disk full?); free space and re-run"
                          : worst == EX_NOPERM   ? "permission denied (a spool directory not settle's, or a database privilege); see the log"
                          : worst == EX_TEMPFAIL && n_left > 0 ? temp_msg
                          : worst == EX_TEMPFAIL ? "a step could not finish for now (another session held its work, or a "
                                                   "server asked to try later); re-run"
                                                 : "internal error; keep the log and report it";
    char summary[1024];
    snprintf(summary, sizeof summary, "%s (exit %d): %s", run_status, worst, meaning);

    printf("settle run #%s%s%s%s%s\n", run_id, *resumed ? " (resumed after run #" : "", resumed,
           *resumed ? ")" : "",
           dry ? " DRY RUN: fetch and purge only list what they would do; nothing else ran" : "");
    printf("%-10s %-8s %8s  %s\n", "step", "status", "seconds", "counts");
    for (size_t i = 0; i < N_STEPS; i++)
        printf("%-10s %-8s %8.1f  %s\n", steps[i].name, res[i].status, res[i].seconds, res[i].counts);
    printf("result: %s\n", summary);
    if (dry) {
        const command *st = command_find("status");
        if (st) {
            char *sargv[] = { "status", NULL };
            optind = 1;
            st->fn(ctx, 1, sargv);
        }
    }
    fflush(stdout);

    char code[8];
    snprintf(code, sizeof code, "%d", worst);
    const char *p_end[] = { run_id, run_status, code, summary };
    PGresult *u = db_query(db, &e,
                           "UPDATE job_runs SET finished_at = now(), status = $2, exit_code = $3::int, summary = $4 "
                           "WHERE id = $1",
                           4, p_end);
    if (!u) {
        log_msg(LOG_WARN, "run", NULL, "cannot record the end of the run: %s", e.msg);
        worst = err_worst(worst, EX_UNAVAILABLE);
    }
    PQclear(u);
    FILE *emf = emf_open(ctx->cfg);
    metrics_emit_run(emf, worst, (long long)((now_s() - run_t0) * 1000), dry, wall_ms());
    emf_close(emf);
    log_msg(LOG_INFO, "run",
            KV(KV_S("run", run_id), KV_S("status", run_status), KV_I("exit", worst), KV_I("dry_run", dry),
               KV_I("ms", (long long)((now_s() - run_t0) * 1000)), KV_S("summary", summary)),
            "nightly run finished");
    PQfinish(db);
    return worst;
}
