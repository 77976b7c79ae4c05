/* purge.c - `settle purge`: the retention policy (LGPD), [retention] keys.
 *
 * Deletes files older than their kind's days (by mtime) from
 * SPOOL/archive/SOURCE/ (bank files: payers' CPF/CNPJ), SPOOL/rejected/SOURCE/,
 * SPOOL/outbox/, SPOOL/reports/ and [retention] log_dir (settle-*.log), drops
 * EMF lines older than metrics_days from [metrics] emf_output, and masks the
 * payer's name, document and message of settlements older than
 * personal_data_days and the names and documents in their exceptions'
 * texts, chunk by chunk, each committed (settle_mask_personal_data() in
 * sql/020_retention.sql and 023_purge_per_file.sql: file by file, a file
 * done with marked and not read again; the only way settle_job may mask).
 *
 * Nothing a later step or a person still needs goes: an archived file whose
 * return file is not reconciled or has an open exception, an outbox batch
 * not published or (with a [destination invoices]) not uploaded, a
 * settlement with an open exception. `settle run` ends with this step;
 * --dry-run lists what would go and changes nothing. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/db.h"
#include "common/log.h"
#include "common/metrics.h"
#include "jobs/jobs.h"
#include "jobs/purge_db.h"

const char usage_purge[] =
    "usage: settle purge [--dry-run]\n\n"
    "Apply the [retention] policy (LGPD): delete files older than their kind's\n"
    "days from SPOOL/archive/, SPOOL/rejected/, SPOOL/outbox/, SPOOL/reports/ and\n"
    "log_dir, drop old lines of the [metrics] emf_output file, and mask the payer\n"
    "name, CPF/CNPJ and message of old settlements and the names and CPF/CNPJ in\n"
    "their exceptions' notes, [retention] mask_chunk_rows per transaction (amounts,\n"
    "keys and the audit trail stay). Kept whatever their age: an archived file not\n"
    "reconciled or with an open exception, a batch not published or not uploaded,\n"
    "a settlement with an open exception, an open exception. `settle run` runs\n"
    "this as its last step.\n\n"
    "  --dry-run   list what would be deleted or masked; change nothing\n\n"
    "Exit: 0, 69 the database unavailable, 74 a file could not be deleted,\n"
    "75 another purge is running.\n";

typedef struct purge_job {
    const config *cfg;
    int dry;
    FILE *out;                  /* the list of what goes (NULL: none) */
    time_t now;
    PGresult *keep_files;       /* purge_db_keep_archive() */
    PGresult *keep_batches;     /* purge_db_keep_batches() */
    int rc;
} purge_job;

typedef struct purge_tally {
    long files, kept;
    long long bytes;
} purge_tally;

typedef int (*keep_fn)(const purge_job *j, const char *source, const char *name);

/* An archived file is NAME, or NAME.~ID~ when the bank reused a name. */
static int keep_archive(const purge_job *j, const char *source, const char *name)
{
    for (int i = 0; i < PQntuples(j->keep_files); i++) {
        if (strcmp(PQgetvalue(j->keep_files, i, 0), source))
            continue;
        const char *kn = PQgetvalue(j->keep_files, i, 1);
        size_t kl = strlen(kn);
        if (!strcmp(kn, name))
            return 1;
        char alt[PATH_MAX];
        snprintf(alt, sizeof alt, "%s.~%s~", kn, PQgetvalue(j->keep_files, i, 2));
        if (!strncmp(name, kn, kl) && !strcmp(name, alt))
            return 1;
    }
    return 0;
}

/* invoice-requests-YYYYMMDD-NNNNNNNN.csv.gz / .manifest.json: kept when the
 * batch NNNNNNNN is; a name of another shape is not settle's, kept. */
static int keep_outbox(const purge_job *j, const char *source, const char *name)
{
    (void)source;
    static const char pre[] = "invoice-requests-";
    if (strncmp(name, pre, sizeof pre - 1))
        return 1;
    const char *dash = strchr(name + sizeof pre - 1, '-');
    if (!dash)
        return 1;
    char *end;
    errno = 0;
    long long id = strtoll(dash + 1, &end, 10);
    if (errno || end == dash + 1 || *end != '.')
        return 1;
    for (int i = 0; i < PQntuples(j->keep_batches); i++)
        if (strtoll(PQgetvalue(j->keep_batches, i, 0), NULL, 10) == id)
            return 1;
    return 0;
}

static int is_log_name(const char *name)
{
    size_t n = strlen(name);
    return n > 11 && !strncmp(name, "settle-", 7) && !strcmp(name + n - 4, ".log");
}

/* Delete (or list) the regular files of dir older than days, but those
 * keep says to keep. source is passed to keep. Hidden and *.part files
 * (work in progress) are never touched. */
static void purge_dir(purge_job *j, const char *dir, const char *source, long long days, keep_fn keep,
                      int logs_only, purge_tally *t)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    time_t cutoff = j->now - (time_t)days * 86400;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || (len > 5 && !strcmp(de->d_name + len - 5, ".part")))
            continue;
        if (logs_only && !is_log_name(de->d_name))
            continue;
        char p[PATH_MAX];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (lstat(p, &st) || !S_ISREG(st.st_mode) || st.st_mtime >= cutoff)
            continue;
        /* a rejected file's reason goes with it: keep it when the file stays */
        char base[NAME_MAX + 1];
        snprintf(base, sizeof base, "%s", de->d_name);
        if (len > 6 && !strcmp(base + len - 6, ".error"))
            base[len - 6] = '\0';
        if (keep && keep(j, source, base)) {
            t->kept++;
            continue;
        }
        if (j->dry) {
            if (j->out)
                fprintf(j->out, "would delete %s\n", p);
        } else if (unlink(p)) {
            log_msg(LOG_ERROR, "purge", KV(KV_S("file", p)), "cannot delete: %s", strerror(errno));
            j->rc = err_worst(j->rc, errno == EACCES || errno == EPERM ? EX_NOPERM : EX_IOERR);
            continue;
        } else if (j->out) {
            fprintf(j->out, "deleted %s\n", p);
        }
        t->files++;
        t->bytes += st.st_size;
    }
    closedir(d);
}

/* purge_dir on every SOURCE directory under dir. */
static void purge_tree(purge_job *j, const char *dir, long long days, keep_fn keep, purge_tally *t)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char p[PATH_MAX];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            purge_dir(j, p, de->d_name, days, keep, 0, t);
    }
    closedir(d);
}

static void report(const purge_job *j, const char *what, long long days, const purge_tally *t)
{
    log_msg(LOG_INFO, "purge",
            KV(KV_S("what", what), KV_I("days", days), KV_I("files", t->files), KV_I("bytes", t->bytes),
               KV_I("kept", t->kept), KV_I("dry_run", j->dry)),
            "%s", j->dry ? "would delete" : "deleted");
    if (!j->dry) {
        metrics_add("what", what, "FilesPurged", t->files);
        metrics_add("what", what, "BytesPurged", t->bytes);
    }
}

/* Drop the EMF lines whose "Timestamp" (ms) is older than days: the file
 * is rewritten beside itself and renamed into place (the CloudWatch agent
 * follows a rename). Lines without a Timestamp stay. */
static void purge_metrics(purge_job *j, long long days)
{
    const char *path = j->cfg->metrics_emf;
    purge_tally t = { 0 };
    if (!path || !*path || !strcmp(path, "stdout") || !days)
        return;
    FILE *in = fopen(path, "r");
    if (!in)
        return;
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.purge", path);
    FILE *out = j->dry ? NULL : fopen(tmp, "w");
    if (!j->dry && !out) {
        log_msg(LOG_ERROR, "purge", KV(KV_S("file", tmp)), "cannot write: %s", strerror(errno));
        j->rc = err_worst(j->rc, EX_IOERR);
        fclose(in);
        return;
    }
    long long cutoff_ms = ((long long)j->now - days * 86400) * 1000;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, in)) > 0) {
        const char *ts = strstr(line, "\"Timestamp\":");
        if (ts && strtoll(ts + 12, NULL, 10) < cutoff_ms) {
            t.files++;
            t.bytes += n;
            continue;
        }
        if (out)
            fwrite(line, 1, (size_t)n, out);
    }
    free(line);
    fclose(in);
    if (out) {
        int bad = ferror(out) | fflush(out) | fsync(fileno(out));
        bad |= fclose(out);
        if (bad || (t.files && rename(tmp, path))) {
            log_msg(LOG_ERROR, "purge", KV(KV_S("file", path)), "cannot rewrite: %s", strerror(errno));
            j->rc = err_worst(j->rc, EX_IOERR);
        }
        unlink(tmp); /* after a rename it is gone already */
    }
    log_msg(LOG_INFO, "purge",
            KV(KV_S("what", "metrics"), KV_I("days", days), KV_I("lines", t.files), KV_I("bytes", t.bytes),
               KV_I("dry_run", j->dry)),
            "%s", j->dry ? "would drop old EMF lines" : "dropped old EMF lines");
}

/* Run the retention policy; out lists each file (NULL for none). Returns
 * the exit code. */
/* Purge the spool's trees, the outbox, the reports, the logs and the
 * metrics file past their [retention] days, each reported. */
static void purge_files(purge_job *j)
{
    const config *cfg = j->cfg;
    char dir[PATH_MAX];
    purge_tally t;
    if (cfg->keep_archive_days) {
        t = (purge_tally){ 0 };
        snprintf(dir, sizeof dir, "%s/archive", cfg->spool_dir);
        purge_tree(j, dir, cfg->keep_archive_days, keep_archive, &t);
        report(j, "archive", cfg->keep_archive_days, &t);
    }
    if (cfg->keep_rejected_days) {
        t = (purge_tally){ 0 };
        snprintf(dir, sizeof dir, "%s/rejected", cfg->spool_dir);
        purge_tree(j, dir, cfg->keep_rejected_days, NULL, &t);
        report(j, "rejected", cfg->keep_rejected_days, &t);
    }
    if (cfg->keep_outbox_days) {
        t = (purge_tally){ 0 };
        snprintf(dir, sizeof dir, "%s/outbox", cfg->spool_dir);
        purge_dir(j, dir, "", cfg->keep_outbox_days, keep_outbox, 0, &t);
        report(j, "outbox", cfg->keep_outbox_days, &t);
    }
    if (cfg->keep_reports_days) {
        t = (purge_tally){ 0 };
        snprintf(dir, sizeof dir, "%s/reports", cfg->spool_dir);
        purge_dir(j, dir, "", cfg->keep_reports_days, NULL, 0, &t);
        report(j, "reports", cfg->keep_reports_days, &t);
    }
    if (cfg->keep_logs_days && cfg->log_dir && *cfg->log_dir) {
        t = (purge_tally){ 0 };
        purge_dir(j, cfg->log_dir, "", cfg->keep_logs_days, NULL, 1, &t);
        report(j, "logs", cfg->keep_logs_days, &t);
    }
    purge_metrics(j, cfg->keep_metrics_days);
}

/* Mask the payer data of settlements and exceptions older than [retention]
 * keep_personal_data_days (with --dry-run, count them). */
static void purge_personal_data(purge_job *j, PGconn *db)
{
    const config *cfg = j->cfg;
    if (!cfg->keep_personal_data_days)
        return;
    err_t e = { 0 };
    purge_mask_tally m;
    int bad = purge_db_mask_personal_data(db, cfg->keep_personal_data_days, cfg->mask_chunk_rows, j->dry, &m, &e);
    if (bad) {
        log_msg(LOG_ERROR, "purge", KV(KV_I("settlements", m.settlements), KV_I("exceptions", m.exceptions)),
                "cannot mask personal data (after %ld chunk(s) committed): %s", m.chunks, e.msg);
        j->rc = err_worst(j->rc, e.code);
        return;
    }
    log_msg(LOG_INFO, "purge",
            KV(KV_S("what", "personal_data"), KV_I("days", cfg->keep_personal_data_days),
               KV_I("settlements", m.settlements), KV_I("exceptions", m.exceptions), KV_I("chunks", m.chunks),
               KV_I("dry_run", j->dry)),
            "%s", j->dry ? "would mask payer name, document and message" : "masked payer name, document and message");
    if (j->out && j->dry)
        fprintf(j->out, "would mask the payer data of %lld settlement(s) and %lld exception(s)\n", m.settlements,
                m.exceptions);
    else if (j->out)
        fprintf(j->out, "masked the payer data of %lld settlement(s) and %lld exception(s) (%ld transaction(s))\n",
                m.settlements, m.exceptions, m.chunks);
    if (!j->dry) {
        metrics_add(NULL, NULL, "SettlementsMasked", m.settlements);
        metrics_add(NULL, NULL, "ExceptionsMasked", m.exceptions);
    }
}

int purge_run(const config *cfg, int dry, FILE *out)
{
    purge_job j = { .cfg = cfg, .dry = dry, .out = out, .now = (time_t)(clock_wall_ms() / 1000) };
    err_t e = { 0 };
    PGconn *db = db_connect(cfg, &e);
    if (!db) {
        log_msg(LOG_ERROR, "purge", NULL, "%s", e.msg);
        return e.code;
    }
    int locked = db_try_lock(db, "settle.purge", &e);
    if (locked <= 0) {
        if (locked == 0)
            err_set(&e, EX_TEMPFAIL, "another settle purge is running");
        log_msg(LOG_ERROR, "purge", NULL, "%s", e.msg);
        PQfinish(db);
        return e.code;
    }
    j.keep_files = purge_db_keep_archive(db, &e);
    j.keep_batches = j.keep_files ? purge_db_keep_batches(db, config_destination(cfg, "invoices") != NULL, &e) : NULL;
    if (!j.keep_batches) {
        log_msg(LOG_ERROR, "purge", NULL, "%s", e.msg);
        PQclear(j.keep_files);
        PQfinish(db);
        return e.code;
    }

    purge_files(&j);
    purge_personal_data(&j, db);
    PQclear(j.keep_files);
    PQclear(j.keep_batches);
    PQfinish(db);
    return j.rc;
}

int cmd_purge(settle_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = { { "dry-run", no_argument, NULL, 'n' }, { NULL, 0, NULL, 0 } };
    int dry = 0, opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == 'n')
            dry = 1;
        else
            return job_usage_error("purge", "unknown option");
    }
    if (optind < argc)
        return job_usage_error("purge", "unexpected argument '%s'", argv[optind]);
    return purge_run(ctx->cfg, dry, stdout);
}
