/* status.c - `settle status`: what is waiting, at a glance, and
 * `settle status --check`: the problems, for a Nagios-style monitor.
 *
 * Read-only. One function per section (status_NAME), each reading the spool
 * or running the statements of status_db.c (sql/queries/status_*.sql):
 * the config and spool in use, files fetched into SPOOL/incoming/SOURCE/
 * and not ingested, files refused into SPOOL/rejected/SOURCE/ and waiting
 * for someone, each source's last file and its age, return files and
 * settlements not reconciled, invoice requests not exported, open
 * exceptions by reason and age, files read with warnings, and the last run
 * (a dry run marked, with the last real run beside it).
 *
 * --check runs one function per problem kind (check_NAME), each adding
 * lines to a problem list; the exit code is the worst severity (Nagios:
 * 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN when the checks cannot run). */
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/db.h"
#include "common/fmt.h"
#include "common/log.h"
#include "jobs/jobs.h"
#include "jobs/status_db.h"
#include "report/report.h"

const char usage_status[] =
    "usage: settle status [--check]\n\n"
    "Show what is waiting: the config file and spool in use, files fetched into\n"
    "SPOOL/incoming/ and not ingested, files refused into SPOOL/rejected/ and\n"
    "waiting for someone, each source's last file and how long ago it came,\n"
    "return files and settlements not reconciled, invoice requests not exported,\n"
    "open exceptions by reason and age in days (amounts in R$), the tie-out per\n"
    "bank or PSP of the last day files arrived (gross, fees, net credited, booked,\n"
    "in exception), and the last run\n"
    "(a dry run is marked as such and the last real run shown beside it).\n"
    "Changes nothing.\n\n"
    "  --check   print one line per problem, worst first, and exit Nagios-style:\n"
    "            a source silent longer than its max_silence_hours, the last real\n"
    "            run failed, was killed, never ran or is older than [monitoring]\n"
    "            max_run_age_hours, a run still going after max_run_age_hours,\n"
    "            open exceptions older than max_exception_age_days, a batch not\n"
    "            published or not uploaded after upload_grace_minutes, files\n"
    "            waiting in SPOOL/rejected/; past 64 lines, a count per severity\n\n"
    "Exit (--check): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the database cannot\n"
    "be read); without --check: 0, or the sysexits code of the error.\n";

/* ---- the spool ---------------------------------------------------------- */

/* Regular files directly in dir that are not hidden, not *.part (a download
 * in progress) and, when skip_error, not *.error (the reason beside a
 * rejected file). *oldest gets the oldest one's mtime (0 when none). -1 when
 * dir cannot be read. */
static long count_files(const char *dir, int skip_error, time_t *oldest)
{
    DIR *d = opendir(dir);
    if (oldest)
        *oldest = 0;
    if (!d)
        return -1;
    long n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || (len > 5 && !strcmp(de->d_name + len - 5, ".part")) ||
            (skip_error && len > 6 && !strcmp(de->d_name + len - 6, ".error")))
            continue;
        char p[PATH_MAX];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
            n++;
            if (oldest && (!*oldest || st.st_mtime < *oldest))
                *oldest = st.st_mtime;
        }
    }
    closedir(d);
    return n;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

#define MAX_SPOOL_SOURCES 256

typedef struct spool_count {
    int n;
    char *names[MAX_SPOOL_SOURCES];
    long files[MAX_SPOOL_SOURCES];
    time_t oldest[MAX_SPOOL_SOURCES];
    long total;
    time_t oldest_all;
} spool_count;

/* Count the files of every SOURCE directory under SPOOL/sub/. */
static void spool_count_dir(const char *spool, const char *sub, int skip_error, spool_count *c)
{
    char in[PATH_MAX];
    memset(c, 0, sizeof *c);
    snprintf(in, sizeof in, "%s/%s", spool, sub);
    DIR *d = opendir(in);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) && c->n < MAX_SPOOL_SOURCES) {
            if (de->d_name[0] == '.')
                continue;
            char p[PATH_MAX];
            struct stat st;
            snprintf(p, sizeof p, "%s/%s", in, de->d_name);
            if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
                char *nm = strdup(de->d_name);
                if (nm)
                    c->names[c->n++] = nm;
            }
        }
        closedir(d);
    }
    if (c->n > 1)
        qsort(c->names, (size_t)c->n, sizeof *c->names, cmp_str);
    for (int i = 0; i < c->n; i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", in, c->names[i]);
        c->files[i] = count_files(p, skip_error, &c->oldest[i]);
        if (c->files[i] > 0) {
            c->total += c->files[i];
            if (!c->oldest_all || c->oldest[i] < c->oldest_all)
                c->oldest_all = c->oldest[i];
        }
    }
}

static void spool_count_free(spool_count *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->names[i]);
    c->n = 0;
}

/* "45 min", "9 h", "3 d 4 h" */
static const char *fmt_age(long long s, char *buf, size_t n)
{
    if (s < 0)
        s = 0;
    if (s < 3600)
        snprintf(buf, n, "%lld min", s / 60);
    else if (s < 86400 * 2)
        snprintf(buf, n, "%lld h", s / 3600);
    else
        snprintf(buf, n, "%lld d %lld h", s / 86400, s % 86400 / 3600);
    return buf;
}

/* ---- status sections ---------------------------------------------------- */

static void status_paths(const settle_ctx *ctx)
{
    printf("config:                         %s\n", ctx->cfg->path ? ctx->cfg->path : "none found (all defaults)");
    printf("spool:                          %s\n", ctx->cfg->spool_dir);
}

static void status_incoming(const char *spool)
{
    spool_count c;
    spool_count_dir(spool, "incoming", 0, &c);
    printf("files fetched, not ingested:    %ld\n", c.total);
    for (int i = 0; i < c.n; i++)
        if (c.files[i] > 0)
            printf("  %-28s %ld\n", c.names[i], c.files[i]);
    spool_count_free(&c);
}

static void status_rejected(const char *spool)
{
    spool_count c;
    char age[32];
    spool_count_dir(spool, "rejected", 1, &c);
    printf("files rejected, waiting:        %ld", c.total);
    if (c.total > 0)
        printf(" (the oldest %s ago; each has NAME.error beside it)", fmt_age(time(NULL) - c.oldest_all, age, sizeof age));
    printf("\n");
    for (int i = 0; i < c.n; i++)
        if (c.files[i] > 0)
            printf("  %-28s %ld\n", c.names[i], c.files[i]);
    spool_count_free(&c);
}

/* Each configured source and each source that ever sent a file: its last
 * file, when, how long ago, and its max_silence_hours when set. */
static int status_sources(PGconn *db, const config *cfg, err_t *e)
{
    PGresult *r = status_db_sources(db, e);
    if (!r)
        return -1;
    char age[32];
    printf("sources (last file received):\n");
    for (int i = 0; i < cfg->n_sources; i++) {
        const source_cfg *s = &cfg->sources[i];
        int row = -1;
        for (int j = 0; j < PQntuples(r) && row < 0; j++)
            if (!strcmp(PQgetvalue(r, j, 0), s->ep.name))
                row = j;
        char limit[48] = "";
        if (s->max_silence_hours > 0)
            snprintf(limit, sizeof limit, " (max_silence_hours %lld)", s->max_silence_hours);
        if (row < 0)
            printf("  %-16s no file yet%s\n", s->ep.name, limit);
        else
            printf("  %-16s %-32s %s UTC, %s ago%s\n", s->ep.name, PQgetvalue(r, row, 1), PQgetvalue(r, row, 2),
                   fmt_age(strtoll(PQgetvalue(r, row, 3), NULL, 10), age, sizeof age), limit);
    }
    for (int j = 0; j < PQntuples(r); j++)
        if (!config_source(cfg, PQgetvalue(r, j, 0)))
            printf("  %-16s %-32s %s UTC, %s ago (not in the config)\n", PQgetvalue(r, j, 0), PQgetvalue(r, j, 1),
                   PQgetvalue(r, j, 2), fmt_age(strtoll(PQgetvalue(r, j, 3), NULL, 10), age, sizeof age));
    if (!cfg->n_sources && !PQntuples(r))
        printf("  none\n");
    PQclear(r);
    return 0;
}

static int status_queues(PGconn *db, const config *cfg, err_t *e)
{
    PGresult *r = status_db_counts(db, e);
    if (!r)
        return -1;
    char money[FMT_MONEY_MAX];
    printf("return files not reconciled:    %s\n", PQgetvalue(r, 0, 0));
    printf("settlements not reconciled:     %s\n", PQgetvalue(r, 0, 1));
    printf("invoice requests not exported:  %s", PQgetvalue(r, 0, 2));
    if (strcmp(PQgetvalue(r, 0, 3), "0"))
        printf(" (%s batch(es) written, not yet published: next `settle export` finishes them)", PQgetvalue(r, 0, 3));
    printf("\n");
    if (config_destination(cfg, "invoices"))
        printf("batches not uploaded yet:       %s\n", PQgetvalue(r, 0, 6));
    printf("open exceptions:                %s (R$ %s received)\n", PQgetvalue(r, 0, 4),
           fmt_money(strtoll(PQgetvalue(r, 0, 5), NULL, 10), ',', '.', money));
    PQclear(r);
    return 0;
}

static int status_exceptions(PGconn *db, err_t *e)
{
    PGresult *r = status_db_exceptions_by_age(db, e);
    if (!r)
        return -1;
    char money[FMT_MONEY_MAX];
    if (PQntuples(r)) {
        printf("  %-22s %6s %6s %6s %6s %6s %12s %18s\n", "reason", "open", "0-1d", "2-7d", "8-30d", ">30d",
               "oldest (d)", "received (R$)");
        for (int i = 0; i < PQntuples(r); i++)
            printf("  %-22s %6s %6s %6s %6s %6s %12s %18s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                   PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5),
                   PQgetvalue(r, i, 6), fmt_money(strtoll(PQgetvalue(r, i, 7), NULL, 10), ',', '.', money));
    }
    PQclear(r);
    return 0;
}

/* Files read with warnings in the last 30 days: a money record that does
 * not add up as its bank defines it points at a layout mistake. */
static int status_warned_files(PGconn *db, err_t *e)
{
    PGresult *r = status_db_warned_files(db, e);
    if (!r)
        return -1;
    printf("files read with warnings (30d): %d%s\n", PQntuples(r), PQntuples(r) == 20 ? " (the last 20)" : "");
    for (int i = 0; i < PQntuples(r); i++)
        printf("  #%-6s %-32s bank %-3s %s warnings, %s money records that do not add up (%s)\n", PQgetvalue(r, i, 0),
               PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4),
               PQgetvalue(r, i, 5));
    PQclear(r);
    return 0;
}

static void print_run(const PGresult *r, int i, const char *label)
{
    int dry = !strcmp(PQgetvalue(r, i, 7), "t");
    printf("%-32s#%s %s -> %s UTC, %s (exit %s)%s\n", label, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
           PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4),
           dry ? " DRY RUN: nothing was ingested, reconciled, exported or purged" : "");
    if (*PQgetvalue(r, i, 5))
        printf("  %s\n", PQgetvalue(r, i, 5));
    if (!PQgetisnull(r, i, 6))
        printf("  steps: %s\n", PQgetvalue(r, i, 6));
}

static int status_runs(PGconn *db, err_t *e)
{
    PGresult *r = status_db_last_runs(db, e);
    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        printf("last run:                       no runs recorded\n");
    for (int i = 0; i < PQntuples(r); i++)
        print_run(r, i, i == 0 ? "last run:" : "last real run:");
    if (PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 7), "t"))
        printf("last real run:                  none recorded\n");
    PQclear(r);
    return 0;
}

/* ---- --check ---------------------------------------------------------- */

enum { NAGIOS_OK = 0, NAGIOS_WARNING = 1, NAGIOS_CRITICAL = 2, NAGIOS_UNKNOWN = 3 };
static const char *const nagios_name[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

#define MAX_PROBLEMS 64

typedef struct problems {
    int n;
    int dropped[NAGIOS_UNKNOWN + 1]; /* past MAX_PROBLEMS, by severity: counted, never silent */
    int sev[MAX_PROBLEMS];
    char text[MAX_PROBLEMS][256];
} problems;

static void problem(problems *p, int sev, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(problems *p, int sev, const char *fmt, ...)
{
    if (p->n == MAX_PROBLEMS) {
        p->dropped[sev]++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->text[p->n], sizeof p->text[p->n], fmt, ap);
    va_end(ap);
    p->sev[p->n++] = sev;
}

static int check_sources(PGconn *db, const config *cfg, problems *p, err_t *e)
{
    PGresult *r = status_db_sources(db, e);
    if (!r)
        return -1;
    char age[32];
    for (int i = 0; i < cfg->n_sources; i++) {
        const source_cfg *s = &cfg->sources[i];
        if (s->max_silence_hours <= 0)
            continue;
        int row = -1;
        for (int j = 0; j < PQntuples(r) && row < 0; j++)
            if (!strcmp(PQgetvalue(r, j, 0), s->ep.name))
                row = j;
        if (row < 0) {
            problem(p, NAGIOS_CRITICAL, "source %s: no file ever received (max_silence_hours %lld)", s->ep.name,
                    s->max_silence_hours);
            continue;
        }
        long long secs = strtoll(PQgetvalue(r, row, 3), NULL, 10);
        if (secs > s->max_silence_hours * 3600)
            problem(p, NAGIOS_CRITICAL, "source %s: silent for %s, last file %s at %s UTC (max_silence_hours %lld)",
                    s->ep.name, fmt_age(secs, age, sizeof age), PQgetvalue(r, row, 1), PQgetvalue(r, row, 2),
                    s->max_silence_hours);
    }
    PQclear(r);
    return 0;
}

/* The last real run: failed, killed, never ran, or too long ago. A dry run
 * counts for nothing. A run still going is judged by the real one before
 * it (its failure is still the last known), and is itself a problem once it
 * started longer ago than max_run_age_hours (stuck, or a crash not recorded
 * yet). */
static int check_last_run(PGconn *db, const config *cfg, problems *p, err_t *e)
{
    PGresult *r = status_db_last_runs(db, e);
    if (!r)
        return -1;
    int real = -1;
    for (int i = 0; i < PQntuples(r) && real < 0; i++)
        if (strcmp(PQgetvalue(r, i, 7), "t"))
            real = i;
    if (real >= 0 && !strcmp(PQgetvalue(r, real, 3), "running")) {
        long long started = strtoll(PQgetvalue(r, real, 9), NULL, 10);
        if (started > cfg->max_run_age_hours)
            problem(p, NAGIOS_CRITICAL,
                    "last run: #%s still running after %lld h (started %s UTC; max_run_age_hours %lld): "
                    "stuck, or it died and was not recorded; `settle status` shows its steps",
                    PQgetvalue(r, real, 0), started, PQgetvalue(r, real, 1), cfg->max_run_age_hours);
        int before = -1;
        for (int i = real + 1; i < PQntuples(r) && before < 0; i++)
            if (strcmp(PQgetvalue(r, i, 7), "t"))
                before = i;
        if (before < 0) {
            PQclear(r);
            return 0; /* the first run ever, still going */
        }
        real = before;
    }
    if (real < 0) {
        problem(p, NAGIOS_CRITICAL, "last run: no real run recorded%s",
                PQntuples(r) ? " (only a dry run)" : "; `settle run` never ran");
    } else {
        const char *st = PQgetvalue(r, real, 3);
        long long hours = PQgetisnull(r, real, 8) ? -1 : strtoll(PQgetvalue(r, real, 8), NULL, 10);
        if (!strcmp(st, "failed") || !strcmp(st, "killed"))
            problem(p, NAGIOS_CRITICAL, "last run: #%s %s (exit %s) at %s UTC: %s", PQgetvalue(r, real, 0), st,
                    PQgetvalue(r, real, 4), PQgetvalue(r, real, 1), PQgetvalue(r, real, 5));
        else if (!strcmp(st, "partial"))
            problem(p, NAGIOS_WARNING, "last run: #%s partial (exit %s) at %s UTC: %s", PQgetvalue(r, real, 0),
                    PQgetvalue(r, real, 4), PQgetvalue(r, real, 1), PQgetvalue(r, real, 5));
        if (hours > cfg->max_run_age_hours)
            problem(p, NAGIOS_CRITICAL, "last run: #%s finished %lld h ago (max_run_age_hours %lld)",
                    PQgetvalue(r, real, 0), hours, cfg->max_run_age_hours);
    }
    PQclear(r);
    return 0;
}

static int check_exceptions(PGconn *db, const config *cfg, problems *p, err_t *e)
{
    PGresult *r = status_db_check_exceptions(db, cfg->max_exception_age_days, e);
    if (!r)
        return -1;
    if (strcmp(PQgetvalue(r, 0, 0), "0"))
        problem(p, NAGIOS_WARNING, "exceptions: %s open for more than %lld days, the oldest %s days "
                "(max_exception_age_days; `settle report` lists them)",
                PQgetvalue(r, 0, 0), cfg->max_exception_age_days, PQgetvalue(r, 0, 1));
    PQclear(r);
    return 0;
}

static int check_batches(PGconn *db, const config *cfg, problems *p, err_t *e)
{
    PGresult *r = status_db_check_batches(db, cfg->upload_grace_minutes, e);
    if (!r)
        return -1;
    if (strcmp(PQgetvalue(r, 0, 0), "0"))
        problem(p, NAGIOS_CRITICAL, "export: %s batch(es) written and not published for more than %lld min; "
                "`settle export` finishes them", PQgetvalue(r, 0, 0), cfg->upload_grace_minutes);
    if (config_destination(cfg, "invoices") && strcmp(PQgetvalue(r, 0, 1), "0"))
        problem(p, NAGIOS_CRITICAL, "export: %s batch(es) not uploaded to [destination invoices] %lld min after "
                "publishing, the oldest #%s; `settle export` retries the upload",
                PQgetvalue(r, 0, 1), cfg->upload_grace_minutes, PQgetvalue(r, 0, 2));
    PQclear(r);
    return 0;
}

static void check_rejected(const config *cfg, problems *p)
{
    spool_count c;
    char age[32];
    spool_count_dir(cfg->spool_dir, "rejected", 1, &c);
    for (int i = 0; i < c.n; i++)
        if (c.files[i] > 0)
            problem(p, NAGIOS_WARNING, "rejected: %ld file(s) from %s waiting in %s/rejected/%s/, the oldest %s old",
                    c.files[i], c.names[i], cfg->spool_dir, c.names[i],
                    fmt_age(time(NULL) - c.oldest[i], age, sizeof age));
    spool_count_free(&c);
}

static int status_check(const settle_ctx *ctx, PGconn *db)
{
    problems *p = calloc(1, sizeof *p);
    err_t e = { 0 };
    if (!p) {
        printf("UNKNOWN: out of memory\n");
        return NAGIOS_UNKNOWN;
    }
    if (!db || check_last_run(db, ctx->cfg, p, &e) || check_sources(db, ctx->cfg, p, &e) ||
        check_exceptions(db, ctx->cfg, p, &e) || check_batches(db, ctx->cfg, p, &e)) {
        /* one line, the first line Nagios reads: the database error */
        char *nl = strchr(e.msg, '\n');
        if (nl)
            *nl = '\0';
        printf("UNKNOWN: cannot check: %s\n", db ? e.msg : "no database connection");
        free(p);
        return NAGIOS_UNKNOWN;
    }
    check_rejected(ctx->cfg, p);
    int worst = NAGIOS_OK;
    for (int s = NAGIOS_CRITICAL; s >= NAGIOS_WARNING; s--) {
        for (int i = 0; i < p->n; i++)
            if (p->sev[i] == s) {
                printf("%s: %s\n", nagios_name[s], p->text[i]);
                if (s > worst)
                    worst = s;
            }
        /* past the cap, one line per severity, in its place in the order */
        if (p->dropped[s]) {
            printf("%s: %d more %s problem(s) not shown\n", nagios_name[s], p->dropped[s], nagios_name[s]);
            if (s > worst)
                worst = s;
        }
    }
    if (worst == NAGIOS_OK)
        printf("OK: settle: nothing to report (config %s)\n", ctx->cfg->path ? ctx->cfg->path : "none");
    free(p);
    return worst;
}

int cmd_status(settle_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = { { "check", no_argument, NULL, 'c' }, { NULL, 0, NULL, 0 } };
    int check = 0, opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == 'c')
            check = 1;
        else
            return job_usage_error("status", "unknown option");
    }
    if (optind < argc)
        return job_usage_error("status", "unexpected argument '%s'", argv[optind]);
    err_t e = { 0 };
    PGconn *db = db_connect(ctx->cfg, &e);
    if (check) {
        if (!db)
            log_msg(LOG_ERROR, "status", NULL, "%s", e.msg);
        int rc = status_check(ctx, db);
        PQfinish(db);
        return rc;
    }
    if (!db) {
        log_msg(LOG_ERROR, "status", NULL, "%s", e.msg);
        return e.code;
    }
    status_paths(ctx);
    status_incoming(ctx->cfg->spool_dir);
    status_rejected(ctx->cfg->spool_dir);
    if (status_sources(db, ctx->cfg, &e) || status_queues(db, ctx->cfg, &e) || status_exceptions(db, &e) ||
        status_warned_files(db, &e) || report_tieout_print(db, NULL, stdout, &e) || status_runs(db, &e)) {
        log_msg(LOG_ERROR, "status", NULL, "%s", e.msg);
        PQfinish(db);
        return e.code;
    }
    PQfinish(db);
    return 0;
}
