/* status.c - `settle status`: what is waiting, at a glance.
 *
 * Read-only. Files fetched into SPOOL/incoming/SOURCE/ and not ingested yet
 * (ingest moves them out), return files and settlements not reconciled,
 * open exceptions by reason and age, invoice requests not exported, and the
 * last recorded run (job_runs and job_run_steps of `settle run`). */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/db.h"
#include "common/fmt.h"
#include "common/log.h"
#include "jobs/jobs.h"
#include "report/report.h"

const char usage_status[] =
    "usage: settle status\n\n"
    "Show what is waiting: files fetched into SPOOL/incoming/ and not ingested,\n"
    "return files and settlements not reconciled, open exceptions by reason and\n"
    "age in days, invoice requests not exported, the tie-out per bank or PSP of the\n"
    "last day files arrived (gross, fees, net credited, booked, in exception), and\n"
    "the last run and its result.\n"
    "Changes nothing.\n";

/* Regular files directly in dir that are not hidden nor *.part (a download
 * in progress). -1 when dir cannot be read. */
static long count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    long n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || (len > 5 && !strcmp(de->d_name + len - 5, ".part")))
            continue;
        char p[PATH_MAX];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
            n++;
    }
    closedir(d);
    return n;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void status_incoming(const char *spool)
{
    char in[PATH_MAX];
    snprintf(in, sizeof in, "%s/incoming", spool);
    DIR *d = opendir(in);
    char *names[256];
    int nn = 0;
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) && nn < 256) {
            if (de->d_name[0] == '.')
                continue;
            char p[PATH_MAX];
            struct stat st;
            snprintf(p, sizeof p, "%s/%s", in, de->d_name);
            if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
                names[nn++] = strdup(de->d_name);
        }
        closedir(d);
    }
    if (nn > 1)
        qsort(names, (size_t)nn, sizeof *names, cmp_str);
    long total = 0, per[256];
    for (int i = 0; i < nn; i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", in, names[i]);
        per[i] = count_files(p);
        if (per[i] > 0)
            total += per[i];
    }
    printf("files fetched, not ingested:    %ld\n", total);
    for (int i = 0; i < nn; i++) {
        if (per[i] > 0)
            printf("  %-28s %ld\n", names[i], per[i]);
        free(names[i]);
    }
}

int cmd_status(settle_ctx *ctx, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return job_usage_error("status", "unexpected argument '%s'", argv[1]);
    err_t e = { 0 };
    PGconn *db = db_connect(ctx->cfg, &e);
    if (!db) {
        log_msg(LOG_ERROR, "status", NULL, "%s", e.msg);
        return e.code;
    }
    int rc = 0;
    PGresult *r = NULL;

    status_incoming(ctx->cfg->spool_dir);

    r = db_query(db, &e,
        "SELECT (SELECT count(*) FROM return_files WHERE status = 'ingested'),"
        "       (SELECT count(*) FROM return_files f JOIN settlements s ON s.file_id = f.id WHERE f.status = 'ingested'),"
        "       (SELECT count(*) FROM invoice_requests WHERE batch_id IS NULL),"
        "       (SELECT count(*) FROM export_batches WHERE status = 'reserved'),"
        "       (SELECT count(*) FROM exceptions WHERE status = 'open'),"
        "       (SELECT coalesce(sum(coalesce(e.paid_cents, s.amount_paid_cents)), 0)"
        "          FROM exceptions e JOIN settlements s ON s.id = e.settlement_id WHERE e.status = 'open'),"
        "       (SELECT count(*) FROM export_batches WHERE status = 'published' AND uploaded_at IS NULL)",
        0, NULL);
    if (!r)
        goto fail;
    char money[FMT_MONEY_MAX];
    printf("return files not reconciled:    %s\n", PQgetvalue(r, 0, 0));
    printf("settlements not reconciled:     %s\n", PQgetvalue(r, 0, 1));
    printf("invoice requests not exported:  %s", PQgetvalue(r, 0, 2));
    if (strcmp(PQgetvalue(r, 0, 3), "0"))
        printf(" (%s batch(es) written, not yet published: next `settle export` finishes them)", PQgetvalue(r, 0, 3));
    printf("\n");
    if (config_destination(ctx->cfg, "invoices"))
        printf("batches not uploaded yet:       %s\n", PQgetvalue(r, 0, 6));
    printf("open exceptions:                %s (R$ %s received)\n", PQgetvalue(r, 0, 4),
           fmt_money(atoll(PQgetvalue(r, 0, 5)), ',', '.', money));
    PQclear(r);

    r = db_query(db, &e,
        "SELECT reason, count(*),"
        "       count(*) FILTER (WHERE current_date - created_at::date <= 1),"
        "       count(*) FILTER (WHERE current_date - created_at::date BETWEEN 2 AND 7),"
        "       count(*) FILTER (WHERE current_date - created_at::date BETWEEN 8 AND 30),"
        "       count(*) FILTER (WHERE current_date - created_at::date > 30),"
        "       max(current_date - created_at::date)"
        "  FROM exceptions WHERE status = 'open' GROUP BY reason ORDER BY reason", 0, NULL);
    if (!r)
        goto fail;
    if (PQntuples(r)) {
        printf("  %-22s %6s %6s %6s %6s %6s %12s\n", "reason", "open", "0-1d", "2-7d", "8-30d", ">30d", "oldest (d)");
        for (int i = 0; i < PQntuples(r); i++)
            printf("  %-22s %6s %6s %6s %6s %6s %12s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                   PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5),
                   PQgetvalue(r, i, 6));
    }
    PQclear(r);

    /* Files read with warnings in the last 30 days: a money record that does
     * not add up as its bank defines it points at a layout mistake. */
    r = db_query(db, &e,
        "SELECT id, source || '/' || name, coalesce(bank_code, ''), warnings, xcheck_mismatches,"
        "       to_char(coalesce(ingested_at, received_at), 'YYYY-MM-DD')"
        "  FROM return_files WHERE warnings > 0 AND status <> 'rejected'"
        "   AND coalesce(ingested_at, received_at) > now() - interval '30 days'"
        " ORDER BY id DESC LIMIT 20", 0, NULL);
    if (!r)
        goto fail;
    printf("files read with warnings (30d): %d%s\n", PQntuples(r), PQntuples(r) == 20 ? " (the last 20)" : "");
    for (int i = 0; i < PQntuples(r); i++)
        printf("  #%-6s %-32s bank %-3s %s warnings, %s money records that do not add up (%s)\n", PQgetvalue(r, i, 0),
               PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4),
               PQgetvalue(r, i, 5));
    PQclear(r);

    /* the last day's tie-out with the banks (report/tieout.c) */
    if (report_tieout_print(db, NULL, stdout, &e))
        goto fail;

    /* job_runs comes with sql/005_runs.sql (`settle run`); a database
     * without it has no runs to show. */
    r = db_query(db, &e, "SELECT to_regclass('job_runs') IS NOT NULL AND to_regclass('job_run_steps') IS NOT NULL",
                 0, NULL);
    if (!r)
        goto fail;
    int have_runs = !strcmp(PQgetvalue(r, 0, 0), "t");
    PQclear(r);
    r = NULL;
    if (have_runs) {
        r = db_query(db, &e,
            "SELECT j.id, to_char(j.started_at, 'YYYY-MM-DD HH24:MI:SS'),"
            "       coalesce(to_char(j.finished_at, 'YYYY-MM-DD HH24:MI:SS'), '-'), j.status,"
            "       coalesce(j.exit_code::text, '-'), coalesce(j.summary, ''),"
            "       (SELECT string_agg(s.step || '=' || s.status, ' ' ORDER BY s.started_at)"
            "          FROM job_run_steps s WHERE s.run_id = j.id)"
            "  FROM job_runs j ORDER BY j.id DESC LIMIT 1", 0, NULL);
        if (!r)
            goto fail;
    }
    if (!r || PQntuples(r) == 0) {
        printf("last run:                       no runs recorded\n");
    } else {
        printf("last run:                       #%s %s -> %s UTC, %s (exit %s)\n", PQgetvalue(r, 0, 0),
               PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 4));
        if (*PQgetvalue(r, 0, 5))
            printf("  %s\n", PQgetvalue(r, 0, 5));
        if (!PQgetisnull(r, 0, 6))
            printf("  steps: %s\n", PQgetvalue(r, 0, 6));
    }
    PQclear(r);
    PQfinish(db);
    return rc;
fail:
    log_msg(LOG_ERROR, "status", NULL, "%s", e.msg);
    PQfinish(db);
    return e.code;
}
