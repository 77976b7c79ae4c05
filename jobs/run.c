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
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/db.h"
#include "common/log.h"
#include "common/metrics.h"
#include "export/export.h"
#include "fetch/fetch.h"
#include "ingest/ingest.h"
#include "jobs/jobs.h"
#include "jobs/run_db.h"
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

static const char *step_status(int rc)
{
    return rc == 0 ? "ok" : rc == EX_DATAERR ? "partial" : "failed";
}

/* The run's status (job_runs.status) for its exit code. */
static const char *run_status_of(int worst)
{
    return worst == 0 ? "succeeded" : worst == EX_DATAERR ? "partial" : "failed";
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

/* Connect and take the run lock. 0 with *db connected and locked, or the
 * exit code (75: another run holds the lock, whom the log names). */
static int run_connect_locked(settle_ctx *ctx, PGconn **db)
{
    err_t e = { 0 };
    *db = db_connect(ctx->cfg, &e);
    if (!*db) {
        log_msg(LOG_ERROR, "run", NULL, "%s", e.msg);
        return e.code;
    }
    int locked = run_db_try_lock(*db, &e);
    if (locked > 0)
        return 0;
    int rc = EX_TEMPFAIL;
    if (locked < 0) {
        log_msg(LOG_ERROR, "run", NULL, "%s", e.msg);
        rc = e.code;
    } else {
        char who[512];
        run_db_describe_holder(*db, who, sizeof who);
        log_msg(LOG_ERROR, "run", NULL,
                "another settle run holds the lock: %s\nHINT: wait for it to finish; if that process is gone, its "
                "database session ends and the lock with it",
                who);
    }
    PQfinish(*db);
    *db = NULL;
    return rc;
}

/* Run step i (its stage, timed, its metrics emitted) and record it under
 * run_id; its result in *sr. */
static void run_step(settle_ctx *ctx, PGconn *db, const char *run_id, size_t i, int dry, step_result *sr)
{
    err_t e = { 0 };
    memset(sr, 0, sizeof *sr);
    if (dry && !steps[i].in_dry_run) {
        sr->status = "skipped";
        return;
    }
    if (run_db_step_start(db, run_id, steps[i].name, &e))
        log_msg(LOG_WARN, "run", KV(KV_S("step", steps[i].name)), "cannot record the step: %s", e.msg);

    metrics_reset();
    log_msg(LOG_INFO, "run", KV(KV_S("step", steps[i].name)), "step started");
    double t0 = clock_mono_s();
    sr->rc = steps[i].stage(ctx->cfg, dry);
    sr->seconds = clock_mono_s() - t0;
    sr->status = step_status(sr->rc);
    metrics_format(sr->counts, sizeof sr->counts, 0);
    log_msg(sr->rc ? LOG_WARN : LOG_INFO, "run",
            KV(KV_S("step", steps[i].name), KV_S("status", sr->status), KV_I("exit", sr->rc),
               KV_I("ms", (long long)(sr->seconds * 1000))),
            "step finished");
    FILE *emf = emf_open(ctx->cfg);
    metrics_emit(emf, steps[i].name, (long long)(sr->seconds * 1000), sr->rc == 0, clock_wall_ms());
    emf_close(emf);

    char json[512];
    metrics_format(json, sizeof json, 1);
    if (run_db_step_end(db, run_id, steps[i].name, sr->status, sr->rc, json, &e))
        log_msg(LOG_WARN, "run", KV(KV_S("step", steps[i].name)), "cannot record the step: %s", e.msg);
}

/* The run's result after its steps: worst, made 75 while ingested files
 * remain unreconciled (held by another session past reconcile's wait, or
 * a step that failed): a run is not clean then. summary gets "STATUS (exit
 * N): what it means". Returns the run's exit code. */
static int run_result(PGconn *db, int dry, int worst, char *summary, size_t n)
{
    err_t e = { 0 };
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
    const err_code_info *ci = err_code_find(worst);
    const char *meaning = worst == EX_TEMPFAIL && n_left > 0 ? temp_msg
                          : ci                               ? ci->action
                                                             : err_code_find(EX_SOFTWARE)->action;
    snprintf(summary, n, "%s (exit %d): %s", run_status_of(worst), worst, meaning);
    return worst;
}

/* The one-screen summary on stdout (and `settle status` after a dry run). */
static void print_summary(settle_ctx *ctx, const char *run_id, const char *resumed, int dry, const step_result *res,
                          const char *summary)
{
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

    PGconn *db = NULL;
    int rc = run_connect_locked(ctx, &db);
    if (rc)
        return rc;
    /* A run row still 'running' while we hold the lock belongs to a run that
     * was killed: say so, and record that this run resumes after it. */
    err_t e = { 0 };
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    char run_id[24], resumed[24];
    if (run_db_begin(db, host, (int)getpid(), dry, run_id, resumed, &e)) {
        log_msg(LOG_ERROR, "run", NULL, "cannot record the run: %s\nHINT: run `settle migrate`", e.msg);
        PQfinish(db);
        return e.code;
    }
    log_msg(LOG_INFO, "run", KV(KV_S("run", run_id), KV_S("resumed_from", resumed), KV_I("dry_run", dry)),
            "nightly run started");

    double run_t0 = clock_mono_s();
    step_result res[N_STEPS];
    int worst = 0;
    for (size_t i = 0; i < N_STEPS; i++) {
        run_step(ctx, db, run_id, i, dry, &res[i]);
        worst = err_worst(worst, res[i].rc);
    }
    char summary[1024];
    worst = run_result(db, dry, worst, summary, sizeof summary);
    const char *run_status = run_status_of(worst);
    print_summary(ctx, run_id, resumed, dry, res, summary);

    if (run_db_end(db, run_id, run_status, worst, summary, &e)) {
        log_msg(LOG_WARN, "run", NULL, "cannot record the end of the run: %s", e.msg);
        worst = err_worst(worst, EX_UNAVAILABLE);
    }
    FILE *emf = emf_open(ctx->cfg);
    metrics_emit_run(emf, worst, (long long)((clock_mono_s() - run_t0) * 1000), dry, clock_wall_ms());
    emf_close(emf);
    log_msg(LOG_INFO, "run",
            KV(KV_S("run", run_id), KV_S("status", run_status), KV_I("exit", worst), KV_I("dry_run", dry),
               KV_I("ms", (long long)((clock_mono_s() - run_t0) * 1000)), KV_S("summary", summary)),
            "nightly run finished");
    PQfinish(db);
    return worst;
}
