/* migrate.c - `settle migrate`: apply sql/NNN_name.sql in order.
 *
 * Each migration runs in its own transaction and is recorded in
 * schema_migrations with the SHA-256 of its text. A recorded checksum that
 * differs from the file, or a recorded migration this binary does not know,
 * stops everything: migrations are immutable once applied.
 *
 * The SQL files are compiled into the binary (build/gen/migrations.c);
 * --dir DIR reads them from a directory instead (e.g. an installed sql/). */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/db.h"
#include "common/hash.h"
#include "common/log.h"
#include "jobs/jobs.h"

const char usage_migrate[] =
    "usage: settle migrate [--dir DIR] [--status]\n\n"
    "Apply the database migrations that are not applied yet, each in its own\n"
    "transaction, and record them with their SHA-256 in schema_migrations.\n"
    "A second run applies nothing. A migration whose recorded checksum differs\n"
    "from its file is refused (exit 78).\n\n"
    "  --dir DIR   read NNN_name.sql files from DIR instead of the built-in copy\n"
    "  --status    list migrations and whether each is applied; change nothing\n";

SQL_QUERY(migrate_ensure_table);
SQL_QUERY(migrate_applied);
SQL_QUERY(migrate_record);

/* A migration file larger than this is not one of ours. */
#define MIGRATION_MAX_BYTES (4 * 1024 * 1024)

static int name_version(const char *name)
{
    /* NNN_name.sql */
    if (strlen(name) < 9 || name[0] < '0' || name[0] > '9' || name[1] < '0' || name[1] > '9' ||
        name[2] < '0' || name[2] > '9' || name[3] != '_' || strcmp(name + strlen(name) - 4, ".sql"))
        return -1;
    return (name[0] - '0') * 100 + (name[1] - '0') * 10 + (name[2] - '0');
}

/* schema_migrations.version as text (an int column): its value, or -1 when
 * it is not a whole number in 0..INT_MAX (no migration has that version). */
static int migration_version(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > INT_MAX)
        return -1;
    return (int)v;
}

static int cmp_mig(const void *a, const void *b)
{
    return ((const migration *)a)->version - ((const migration *)b)->version;
}

void migrations_free(migration *m, int n)
{
    for (int i = 0; i < n; i++)
        free(m[i].sql);
    free(m);
}

static int read_file(const char *path, char **out, size_t *len, err_t *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, EX_CONFIG, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    char *buf = NULL;
    if (fstat(fileno(f), &st) || st.st_size < 0 || st.st_size > MIGRATION_MAX_BYTES) {
        fclose(f);
        return err_set(e, EX_CONFIG, "cannot read %s: not a regular file of at most %d bytes", path,
                       MIGRATION_MAX_BYTES);
    }
    if (!(buf = malloc((size_t)st.st_size + 1))) {
        fclose(f);
        return err_set(e, EX_SOFTWARE, "out of memory reading %s", path);
    }
    if (fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        free(buf);
        fclose(f);
        return err_set(e, EX_CONFIG, "cannot read %s", path);
    }
    fclose(f);
    buf[st.st_size] = '\0';
    *out = buf;
    *len = (size_t)st.st_size;
    return 0;
}

/* Collect migrations from dir, or the built-in ones when dir is NULL, in
 * version order. All or nothing: 0 with every migration loaded, or an exit
 * code with e set and *out untouched (never a partial list: a migrate that
 * lost one to an allocation failure would apply the rest and say "up to
 * date"). An empty list is an error too. */
int migrations_load(const char *dir, migration **out, int *n_out, err_t *e)
{
    migration *m = NULL;
    int n = 0, rc = 0;
    if (!dir) {
        if (!(m = calloc(settle_n_migrations + 1, sizeof *m)))
            return err_set(e, EX_SOFTWARE, "out of memory loading the migrations");
        for (size_t i = 0; i < settle_n_migrations && !rc; i++) {
            migration *x = &m[n++];
            x->version = name_version(settle_migrations[i].name);
            snprintf(x->name, sizeof x->name, "%s", settle_migrations[i].name);
            x->len = settle_migrations[i].len;
            if (!(x->sql = malloc(x->len + 1)))
                rc = err_set(e, EX_SOFTWARE, "out of memory loading migration %s", x->name);
            else {
                memcpy(x->sql, settle_migrations[i].data, x->len);
                x->sql[x->len] = '\0';
            }
        }
    } else {
        DIR *d = opendir(dir);
        if (!d)
            return err_set(e, EX_CONFIG, "cannot open migrations directory %s: %s", dir, strerror(errno));
        struct dirent *de;
        while (!rc && (de = readdir(d))) {
            if (name_version(de->d_name) < 0)
                continue;
            migration *g = realloc(m, (size_t)(n + 1) * sizeof *m);
            if (!g) {
                rc = err_set(e, EX_SOFTWARE, "out of memory loading migration %s", de->d_name);
                break;
            }
            m = g;
            migration *x = &m[n++];
            memset(x, 0, sizeof *x);
            x->version = name_version(de->d_name);
            snprintf(x->name, sizeof x->name, "%s", de->d_name);
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            rc = read_file(path, &x->sql, &x->len, e);
        }
        closedir(d);
        if (!rc && !n)
            rc = err_set(e, EX_CONFIG, "no migrations (NNN_name.sql) in %s", dir);
    }
    if (!rc && n > 1)
        qsort(m, (size_t)n, sizeof *m, cmp_mig);
    for (int i = 0; i < n && !rc; i++) {
        if (i && m[i].version == m[i - 1].version)
            rc = err_set(e, EX_CONFIG, "migrations %s and %s share the number %03d", m[i - 1].name, m[i].name,
                         m[i].version);
        else
            sha256_hex(m[i].sql, m[i].len, m[i].sum);
    }
    if (rc) {
        migrations_free(m, n);
        return rc;
    }
    *out = m;
    *n_out = n;
    return 0;
}

static int fail_rollback(PGconn *db, err_t *e)
{
    PQclear(PQexec(db, "ROLLBACK"));
    log_msg(LOG_ERROR, "migrate", NULL, "%s", e->msg);
    return e->code;
}

/* Refuse before changing anything: an applied migration (have: version,
 * name, checksum) this settle does not know, or whose file changed. 0, or
 * the exit code with e set. */
static int check_applied(const PGresult *have, const migration *m, int n, err_t *e)
{
    for (int r = 0; r < PQntuples(have); r++) {
        int v = migration_version(PQgetvalue(have, r, 0));
        const char *sum = PQgetvalue(have, r, 2);
        const migration *x = NULL;
        for (int i = 0; i < n; i++)
            if (m[i].version == v)
                x = &m[i];
        if (!x)
            return err_set(e, EX_CONFIG,
                           "database has migration %03d (%s) that this settle does not know\n"
                           "HINT: the database was migrated by a newer settle; install that version",
                           v, PQgetvalue(have, r, 1));
        if (strcmp(x->sum, sum))
            return err_set(e, EX_CONFIG,
                           "migration %s was applied with checksum %.12s but the file now has %.12s\n"
                           "HINT: applied migrations must not change; restore the file and put the change in a new "
                           "migration",
                           x->name, sum, x->sum);
    }
    return 0;
}

/* Whether have (the applied migrations) holds version. */
static int is_applied(const PGresult *have, int version)
{
    for (int r = 0; r < PQntuples(have); r++)
        if (migration_version(PQgetvalue(have, r, 0)) == version)
            return 1;
    return 0;
}

/* Apply migration x and record it, in one transaction. 0, or the exit
 * code (rolled back, e set and logged). */
static int apply_one(PGconn *db, const migration *x, err_t *e)
{
    char ver[16];
    snprintf(ver, sizeof ver, "%d", x->version);
    const char *params[] = { ver, x->name, x->sum };
    PGresult *ok;
    if (db_exec(db, "BEGIN", e) || db_exec(db, x->sql, e) || !(ok = db_query(db, e, sqlq_migrate_record, 3, params))) {
        err_prefix(e, "migration %s failed", x->name);
        return fail_rollback(db, e);
    }
    PQclear(ok);
    if (db_exec(db, "COMMIT", e))
        return fail_rollback(db, e);
    log_msg(LOG_INFO, "migrate", KV(KV_S("file", x->name), KV_S("sha256", x->sum)), "applied migration");
    return 0;
}

/* Apply the migrations of m not in have, in order, stopping at the first
 * failure (or with status_only, list each as applied or pending). 0 and
 * the line that says what was done, or the exit code. */
static int apply_pending(PGconn *db, const PGresult *have, const migration *m, int n, int status_only, err_t *e)
{
    int applied = 0;
    for (int i = 0; i < n; i++) {
        int done_already = is_applied(have, m[i].version);
        if (status_only) {
            printf("%s\t%s\n", m[i].name, done_already ? "applied" : "pending");
            continue;
        }
        if (done_already)
            continue;
        int rc = apply_one(db, &m[i], e);
        if (rc)
            return rc;
        applied++;
    }
    if (status_only)
        return 0;
    if (applied)
        printf("applied %d migration%s; database is at %03d\n", applied, applied == 1 ? "" : "s",
               n ? m[n - 1].version : 0);
    else
        printf("nothing to apply; database is up to date at %03d (%d migration%s)\n", n ? m[n - 1].version : 0, n,
               n == 1 ? "" : "s");
    return 0;
}

int cmd_migrate(settle_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "dir", required_argument, NULL, 'd' },
        { "status", no_argument, NULL, 's' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir = NULL;
    int status_only = 0, opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == 'd')
            dir = optarg;
        else if (opt == 's')
            status_only = 1;
        else
            return job_usage_error("migrate", "unknown option");
    }
    if (optind < argc)
        return job_usage_error("migrate", "unexpected argument '%s'", argv[optind]);

    err_t e = { 0 };
    migration *m = NULL;
    int n = 0;
    if (migrations_load(dir, &m, &n, &e)) {
        log_msg(LOG_ERROR, "migrate", NULL, "%s", e.msg);
        return e.code;
    }
    PGconn *db = db_connect(ctx->cfg, &e);
    if (!db) {
        migrations_free(m, n);
        log_msg(LOG_ERROR, "migrate", NULL, "%s", e.msg);
        return e.code;
    }
    int rc = 0;
    PGresult *have = NULL;
    /* One migrate at a time, whoever runs it; released when we disconnect. */
    if (db_exec(db, "SELECT pg_advisory_lock(hashtext('settle.migrate'))", &e) ||
        db_exec(db, sqlq_migrate_ensure_table, &e) || !(have = db_query(db, &e, sqlq_migrate_applied, 0, NULL))) {
        rc = fail_rollback(db, &e);
        goto done;
    }
    rc = check_applied(have, m, n, &e);
    if (rc)
        log_msg(LOG_ERROR, "migrate", NULL, "%s", e.msg);
    else
        rc = apply_pending(db, have, m, n, status_only, &e);
    PQclear(have);
done:
    PQfinish(db);
    migrations_free(m, n);
    return rc;
}
