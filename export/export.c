/* export.c - the export stage (`settle export`, the run's fourth step): invoice
 * request batches for the invoicing team.
 *
 * Drains invoice_requests that are in no batch, oldest (lowest id) first,
 * [export] batch_size at a time. Each batch is made in two transactions
 * (sql/004_export.sql):
 *   1. reserve: an export_batches row (id and created_at fixed here) and a
 *      snapshot of every request's columns in export_batch_items;
 *   2. write outbox/invoice-requests-YYYYMMDD-NNNNNNNN.csv.gz and its
 *      .manifest.json from the snapshot (temporary name, fsync, rename,
 *      fsync of the directory);
 *   3. publish: mark the batch published with its sha256 and set
 *      invoice_requests.batch_id, in one transaction.
 * A run that dies between 2 and 3 leaves a reserved batch; the next run
 * rebuilds it first, from the same snapshot, to the same bytes. Nothing in
 * the file comes from the clock: created_at is the batch row's, the gzip
 * header carries no time and no name. `--replay ID` rebuilds any batch.
 *
 * With a [destination invoices] section, published batches not uploaded yet
 * (export_batches.uploaded_at) are then sent over SFTP (common/sftp.h): data
 * file, then manifest, each as NAME.part renamed to NAME by the server.
 *
 * The file format is docs/formats/invoice-batch.md (schema version 1). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/csvout.h"
#include "common/db.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/outfile.h"
#include "common/progress.h"
#include "common/sftp.h"
#include "export/db.h"
#include "export/export.h"

#define EXPORT_SCHEMA_VERSION 1

/* Batches per group: up to EXPORT_GROUP_MAX, and about EXPORT_GROUP_ROWS
 * requests (the group's files are built in memory before they are written).
 * A group is reserved in one statement, written with one directory fsync
 * and published in one transaction. */
#define EXPORT_GROUP_MAX 64
#define EXPORT_GROUP_ROWS 100000

static int export_group(long long batch_size)
{
    long long g = batch_size > 0 ? EXPORT_GROUP_ROWS / batch_size : 1;
    return g < 1 ? 1 : g > EXPORT_GROUP_MAX ? EXPORT_GROUP_MAX : (int)g;
}
#define EXPORT_NCOLS 11

static const char *const export_header[EXPORT_NCOLS] = {
    "request_id", "payment_id", "order_id", "customer_document", "customer_name", "method",
    "amount_cents", "paid_amount_cents", "paid_at", "settlement_reference", "bank_code",
};

/* One built batch: both files' bytes, owned until batch_free(). */
typedef struct batch {
    long long id;
    int published;
    char recorded_sha[SHA256_HEX_LEN + 1];
    char csv_name[96], manifest_name[96];
    char sha[SHA256_HEX_LEN + 1];
    unsigned char *gz;
    size_t gz_len;
    char *manifest;
    size_t manifest_len;
    long long count, first, last; /* record_count, first and last request id */
} batch;

static void batch_free(batch *b)
{
    free(b->gz);
    free(b->manifest);
    b->gz = NULL;
    b->manifest = NULL;
}

/* A batch's row (sql/queries/export_batch.sql), as export_build() checks it. */
typedef struct batch_head {
    char created_at[40], day[16];
    long long count, total, first, last;
    int published;
    char sha[SHA256_HEX_LEN + 1]; /* recorded when published, '' before */
    int level;                    /* gzip level */
} batch_head;

/* What building batch after batch reuses: the CSV's buffer and the
 * compressor (their memory stays allocated, rather than being mapped,
 * cleared and unmapped once per batch). */
typedef struct export_bufs {
    char *csv;
    size_t len, cap;
    int failed; /* out of memory while writing */
    outfile_gz gz;
} export_bufs;

static void export_bufs_free(export_bufs *x)
{
    free(x->csv);
    outfile_gz_free(&x->gz);
    memset(x, 0, sizeof *x);
}

/* fopencookie's write: append to x->csv. */
static ssize_t bufs_write(void *cookie, const char *p, size_t n)
{
    export_bufs *x = cookie;
    if (x->len + n > x->cap) {
        size_t cap = x->cap ? x->cap : 1 << 16;
        while (cap < x->len + n)
            cap *= 2;
        char *nb = realloc(x->csv, cap);
        if (!nb) {
            x->failed = 1;
            return -1;
        }
        x->csv = nb;
        x->cap = cap;
    }
    memcpy(x->csv + x->len, p, n);
    x->len += n;
    return (ssize_t)n;
}

/* Read and check batch id's row into *h. 0, or -1 with e set (EX_USAGE when
 * there is no such batch). */
static int export_read_head(PGconn *db, long long id, const char *ids, batch_head *h, err_t *e)
{
    PGresult *hr = exdb_batch(db, ids, e);
    if (!hr)
        return -1;
    if (PQntuples(hr) != 1) {
        PQclear(hr);
        return err_fail(e, EX_USAGE, "no export batch %lld\nHINT: SELECT id, created_at FROM export_batches lists them", id);
    }
    /* a version that is not a whole int (never written by settle) counts as unknown: -1 */
    char *end;
    errno = 0;
    long sv = strtol(PQgetvalue(hr, 0, 0), &end, 10);
    int schema = (errno || end == PQgetvalue(hr, 0, 0) || *end || sv < INT_MIN || sv > INT_MAX) ? -1 : (int)sv;
    if (schema != EXPORT_SCHEMA_VERSION) {
        PQclear(hr);
        return err_fail(e, EX_SOFTWARE, "export batch %lld has schema version %d, this settle writes %d",
                       id, schema, EXPORT_SCHEMA_VERSION);
    }
    snprintf(h->created_at, sizeof h->created_at, "%s", PQgetvalue(hr, 0, 1));
    snprintf(h->day, sizeof h->day, "%s", PQgetvalue(hr, 0, 2));
    h->count = atoll(PQgetvalue(hr, 0, 3));
    h->total = atoll(PQgetvalue(hr, 0, 4));
    h->first = atoll(PQgetvalue(hr, 0, 5));
    h->last = atoll(PQgetvalue(hr, 0, 6));
    h->published = !strcmp(PQgetvalue(hr, 0, 7), "published");
    snprintf(h->sha, sizeof h->sha, "%s", PQgetvalue(hr, 0, 8));
    h->level = (int)strtol(PQgetvalue(hr, 0, 9), NULL, 10);
    PQclear(hr);
    if (h->level < 1 || h->level > 9)
        return err_fail(e, EX_SOFTWARE, "export batch %lld has gzip level %d, expected 1 to 9", id, h->level);
    return 0;
}

/* The CSV of batch id from its snapshot, checked against its row h, into
 * x->csv[0..x->len). 0, or -1 with e set. */
static int export_csv(PGconn *db, long long id, const char *ids, const batch_head *h, export_bufs *x, err_t *e)
{
    PGresult *r = exdb_batch_items(db, ids, e);
    if (!r)
        return -1;
    int n = PQntuples(r);
    long long sum = 0;
    for (int i = 0; i < n; i++)
        sum += atoll(PQgetvalue(r, i, 7));
    if (n != h->count || sum != h->total || (n && (atoll(PQgetvalue(r, 0, 0)) != h->first ||
                                                   atoll(PQgetvalue(r, n - 1, 0)) != h->last))) {
        PQclear(r);
        return err_fail(e, EX_SOFTWARE,
                       "export batch %lld does not match its snapshot: %d rows summing %lld, recorded %lld rows summing %lld",
                       id, n, sum, h->count, h->total);
    }
    x->len = 0;
    x->failed = 0;
    FILE *f = fopencookie(x, "w", (cookie_io_functions_t){ .write = bufs_write });
    if (!f) {
        PQclear(r);
        return err_fail(e, EX_SOFTWARE, "out of memory building export batch %lld", id);
    }
    int bad = csvout_row(f, ',', "\r\n", export_header, EXPORT_NCOLS);
    for (int i = 0; i < n && !bad; i++) {
        const char *row[EXPORT_NCOLS];
        for (int c = 0; c < EXPORT_NCOLS; c++)
            row[c] = PQgetvalue(r, i, c);
        bad = csvout_row(f, ',', "\r\n", row, EXPORT_NCOLS);
    }
    PQclear(r);
    if (fclose(f) != 0 || bad || x->failed)
        return err_fail(e, EX_SOFTWARE, "out of memory building export batch %lld", id);
    return 0;
}

/* Build batch id's two files in memory from its row and snapshot. 0, or -1
 * with e set (EX_USAGE when there is no such batch). */
static int export_build(PGconn *db, long long id, export_bufs *x, batch *b, err_t *e)
{
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", id);
    memset(b, 0, sizeof *b);
    b->id = id;
    batch_head h = { 0 };
    if (export_read_head(db, id, ids, &h, e) || export_csv(db, id, ids, &h, x, e))
        return -1;
    b->published = h.published;
    snprintf(b->recorded_sha, sizeof b->recorded_sha, "%s", h.sha);
    if (outfile_gz_compress(&x->gz, x->csv, x->len, h.level, &b->gz, &b->gz_len, e))
        return -1;
    sha256_hex(b->gz, b->gz_len, b->sha);
    b->count = h.count;
    b->first = h.first;
    b->last = h.last;
    snprintf(b->csv_name, sizeof b->csv_name, "invoice-requests-%s-%08lld.csv.gz", h.day, id);
    snprintf(b->manifest_name, sizeof b->manifest_name, "invoice-requests-%s-%08lld.manifest.json", h.day, id);
    int len = asprintf(&b->manifest,
                       "{\n"
                       "  \"schema_version\": %d,\n"
                       "  \"batch_id\": %lld,\n"
                       "  \"created_at\": \"%s\",\n"
                       "  \"file\": \"%s\",\n"
                       "  \"record_count\": %lld,\n"
                       "  \"total_cents\": %lld,\n"
                       "  \"sha256\": \"%s\",\n"
                       "  \"first_request_id\": %lld,\n"
                       "  \"last_request_id\": %lld\n"
                       "}\n",
                       EXPORT_SCHEMA_VERSION, id, h.created_at, b->csv_name, h.count, h.total, b->sha, h.first, h.last);
    if (len < 0) {
        b->manifest = NULL;
        batch_free(b);
        return err_fail(e, EX_SOFTWARE, "out of memory building export batch %lld", id);
    }
    b->manifest_len = (size_t)len;
    if (b->published && strcmp(b->sha, h.sha)) {
        err_set(e, EX_SOFTWARE,
                "export batch %lld rebuilds to sha256 %s but was published with %s\n"
                "HINT: the snapshot or the compressor changed; do not send this file",
                id, b->sha, h.sha);
        batch_free(b);
        return -1;
    }
    return 0;
}

/* The files of n batches into dir, durably: each data file before the
 * manifest that vouches for it, one directory fsync for all
 * (outfile_publish_all: on an error no name changes). */
static int export_write(const batch *bs, int n, const char *dir, err_t *e)
{
    outfile_item it[2 * EXPORT_GROUP_MAX];
    for (int i = 0; i < n; i++) {
        it[2 * i] = (outfile_item){ bs[i].csv_name, bs[i].gz, bs[i].gz_len };
        it[2 * i + 1] = (outfile_item){ bs[i].manifest_name, bs[i].manifest, bs[i].manifest_len };
    }
    return outfile_publish_all(dir, it, (size_t)n * 2, e);
}

/* Test-only fault injection: SETTLE_TEST_CRASH_AFTER=POINT dies at POINT as
 * a power cut would, without cleanup. */
static void export_crash_point(const char *point)
{
    const char *want = getenv("SETTLE_TEST_CRASH_AFTER");
    if (want && !strcmp(want, point)) {
        fprintf(stderr, "settle export: SETTLE_TEST_CRASH_AFTER=%s: exiting\n", point);
        _exit(99);
    }
}

/* A group of batches built, written, and being published. */
typedef struct group {
    batch bs[EXPORT_GROUP_MAX];
    int n, resumed;
    long long want;                     /* requests in the group */
    char ids[32 * EXPORT_GROUP_MAX + 4]; /* "{id,id,...}" */
} group;

/* Start publishing g's written batches on pub, in one transaction: each
 * batch's row, then every request of them marked exported, sent without
 * waiting for it (export_publish_finish() waits and commits). 0, or -1 with
 * e set and the transaction rolled back. */
static int export_publish_start(PGconn *pub, group *g, err_t *e)
{
    size_t at = 0;
    long long first = LLONG_MAX, last = LLONG_MIN;
    g->want = 0;
    if (db_exec(pub, "BEGIN", e))
        return -1;
    for (int i = 0; i < g->n; i++) {
        const batch *b = &g->bs[i];
        char id[32];
        snprintf(id, sizeof id, "%lld", b->id);
        int ok = exdb_publish_batch(pub, id, b->sha, b->csv_name, e);
        if (ok < 0)
            goto fail;
        if (!ok) {
            err_set(e, EX_SOFTWARE, "export batch %lld was not reserved any more when publishing it", b->id);
            goto fail;
        }
        at += (size_t)snprintf(g->ids + at, sizeof g->ids - at, "%c%s", i ? ',' : '{', id);
        g->want += b->count;
        first = b->first < first ? b->first : first;
        last = b->last > last ? b->last : last;
    }
    snprintf(g->ids + at, sizeof g->ids - at, "}");
    if (exdb_mark_exported_send(pub, g->ids, first, last, e))
        goto fail;
    return 0;
fail:
    PQclear(PQexec(pub, "ROLLBACK"));
    return -1;
}

/* Wait for g's requests to be marked, check their count and commit. 0, or
 * -1 with e set and the transaction rolled back (the batches stay
 * reserved: the next run publishes them). */
static int export_publish_finish(PGconn *pub, group *g, err_t *e)
{
    long long got = exdb_mark_exported_wait(pub, e);
    if (got < 0)
        goto fail;
    if (got != g->want) {
        err_set(e, EX_SOFTWARE, "export batches %s: marked %lld requests exported, expected %lld", g->ids, got, g->want);
        goto fail;
    }
    if (db_exec(pub, "COMMIT", e))
        goto fail;
    return 0;
fail:
    PQclear(PQexec(pub, "ROLLBACK"));
    return -1;
}

/* Whether the remote file (len bytes, as listed) holds exactly the bytes of
 * local: download it into memory (a memfd) and compare. 1 same, 0
 * different, -1 with e set (the connection failed). */
static int remote_same(sftp_conn *c, const char *remote, const char *local, size_t len, err_t *e)
{
    int rfd = memfd_create("settle-verify", MFD_CLOEXEC);
    if (rfd < 0)
        return err_fail(e, EX_SOFTWARE, "cannot check %s: memfd_create: %s", remote, strerror(errno));
    uint64_t total = 0;
    err_t de = { 0 };
    if (sftp_download(c, remote, rfd, 0, (uint64_t)len, &total, &de) < 0) {
        close(rfd);
        if (de.code == EX_DATAERR) /* it grew past our size meanwhile: not ours */
            return 0;
        *e = de;
        return -1;
    }
    int lfd = open(local, O_RDONLY | O_CLOEXEC);
    if (lfd < 0) {
        close(rfd);
        return err_fail(e, err_local_write(errno), "cannot open %s: %s", local, strerror(errno));
    }
    int same = total == (uint64_t)len && lseek(rfd, 0, SEEK_SET) == 0;
    char a[65536], b[65536];
    while (same) {
        ssize_t n = read(lfd, a, sizeof a);
        if (n <= 0) {
            same = n == 0 && read(rfd, b, 1) == 0;
            break;
        }
        ssize_t got = 0;
        while (got < n) {
            ssize_t m = read(rfd, b + got, (size_t)(n - got));
            if (m <= 0)
                break;
            got += m;
        }
        same = got == n && !memcmp(a, b, (size_t)n);
    }
    close(lfd);
    close(rfd);
    return same;
}

/* Deliver one file of a batch: a file of that name already on the server
 * with our size and our bytes (compared, not trusted by size) was
 * delivered by an earlier run that stopped before recording it (batch
 * files are deterministic, the name carries the id). Different bytes under
 * the name are refused, never replaced (sftp_upload writes NAME.part and
 * renames it only where NAME does not exist). */
static int export_upload_file(sftp_conn *c, const char *remote_dir, const char *outbox, const char *name,
                              size_t len, err_t *e)
{
    char remote[PATH_MAX], local[PATH_MAX];
    snprintf(remote, sizeof remote, "%s/%s", remote_dir, name);
    snprintf(local, sizeof local, "%s/%s", outbox, name);
    sftp_entry st;
    err_t se = { 0 };
    if (sftp_stat(c, remote, &st, &se) == 0) {
        if (st.size == (uint64_t)len) {
            int same = remote_same(c, remote, local, len, e);
            if (same < 0)
                return -1;
            if (same)
                return 0;
            return err_fail(e, EX_DATAERR,
                               "%s is already on [destination invoices] with our size (%zu bytes) but other bytes\n"
                               "HINT: a different file under a batch's name is an incident: ask the invoicing team, do "
                               "not overwrite",
                               remote, len);
        }
        return err_fail(e, EX_DATAERR,
                           "%s is already on [destination invoices] with %llu bytes, ours has %zu\n"
                           "HINT: a different file under a batch's name is an incident: ask the invoicing team, do not overwrite",
                           remote, (unsigned long long)st.size, len);
    }
    if (se.code != EX_DATAERR) { /* not "no such file": the connection failed */
        *e = se;
        return -1;
    }
    return sftp_upload(c, local, remote_dir, name, e);
}


SQL_QUERY(export_batches_to_write);

/* How many batches this export will write (the N of its progress line); 0
 * when it cannot tell (the line then shows no total). */
static long long export_batches_to_write(PGconn *db, long long batch_size)
{
    char n[24];
    snprintf(n, sizeof n, "%lld", batch_size);
    const char *p[] = { n };
    PGresult *r = db_query(db, NULL, sqlq_export_batches_to_write, 1, p);
    long long total = r ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    return total;
}

/* Upload every published batch not uploaded yet to [destination invoices]
 * (none configured: nothing to do): the data file, then the manifest, then
 * uploaded_at. Files missing from the outbox are rebuilt from the snapshot
 * first. Sets *n to the batches uploaded. 0, or -1 with e set. */
static int export_upload(PGconn *db, const config *cfg, const char *outbox, int *n, err_t *e)
{
    *n = 0;
    const destination_cfg *d = config_destination(cfg, "invoices");
    if (!d)
        return 0;
    PGresult *r = exdb_not_uploaded(db, e);
    if (!r)
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    sftp_conn *c = sftp_open(&d->ep, e);
    if (!c) {
        PQclear(r);
        return -1;
    }
    const char *rdir = d->ep.remote_dir && *d->ep.remote_dir ? d->ep.remote_dir : ".";
    int rc = 0;
    export_bufs x = { 0 };
    for (int i = 0; i < PQntuples(r) && !rc; i++) {
        batch b;
        const char *id = PQgetvalue(r, i, 0);
        if (export_build(db, atoll(id), &x, &b, e)) {
            rc = -1;
            break;
        }
        char p1[PATH_MAX], p2[PATH_MAX];
        struct stat s1, s2;
        snprintf(p1, sizeof p1, "%s/%s", outbox, b.csv_name);
        snprintf(p2, sizeof p2, "%s/%s", outbox, b.manifest_name);
        if ((stat(p1, &s1) != 0 || (size_t)s1.st_size != b.gz_len || stat(p2, &s2) != 0 ||
             (size_t)s2.st_size != b.manifest_len) && export_write(&b, 1, outbox, e))
            rc = -1;
        if (!rc && (export_upload_file(c, rdir, outbox, b.csv_name, b.gz_len, e) ||
                    export_upload_file(c, rdir, outbox, b.manifest_name, b.manifest_len, e)))
            rc = -1;
        if (!rc) {
            if (exdb_uploaded(db, id, e))
                rc = -1;
        }
        if (!rc) {
            log_msg(LOG_INFO, "export", KV(KV_I("batch", b.id), KV_S("destination", d->ep.name), KV_S("dir", rdir)),
                    "uploaded batch");
            metrics_add(NULL, NULL, "BatchesUploaded", 1);
            (*n)++;
        }
        batch_free(&b);
    }
    export_bufs_free(&x);
    sftp_close(c);
    PQclear(r);
    return rc;
}

/* Rebuild batch id into outbox (`settle export --replay ID`). 0, or -1 with e set. */
static int export_replay(PGconn *db, long long id, const char *outbox, err_t *e)
{
    batch b;
    export_bufs x = { 0 };
    int rc = export_build(db, id, &x, &b, e) ? -1 : export_write(&b, 1, outbox, e);
    export_bufs_free(&x);
    if (!rc) {
        log_msg(LOG_INFO, "export", KV(KV_I("batch", b.id), KV_I("records", b.count), KV_S("sha256", b.sha),
                                       KV_S("dir", outbox)), "replayed batch");
        printf("%s/%s\n", outbox, b.manifest_name);
    }
    batch_free(&b);
    return rc;
}

/* Log, print and count the n batches just published, and free them. */
static void export_published(batch *bs, int n, int resumed, const char *outbox, int *batches, long long *records)
{
    for (int i = 0; i < n; i++) {
        log_msg(LOG_INFO, "export", KV(KV_I("batch", bs[i].id), KV_I("records", bs[i].count),
                                       KV_S("sha256", bs[i].sha), KV_S("file", bs[i].csv_name),
                                       KV_I("resumed", resumed)), "published batch");
        printf("%s/%s\n", outbox, bs[i].manifest_name);
        (*batches)++;
        *records += bs[i].count;
        metrics_add(NULL, NULL, "BatchesPublished", 1);
        metrics_add(NULL, NULL, "InvoiceRequestsExported", bs[i].count);
        batch_free(&bs[i]);
    }
    fflush(stdout);
}

static void group_free(group *g)
{
    for (int i = 0; i < g->n; i++)
        batch_free(&g->bs[i]);
    g->n = 0;
}

/* The next group's batch ids into ids (at most size): reserved batches a
 * previous run did not finish first (those of the group being published,
 * ids up to busy_max, left out), else newly reserved ones. Count, or -1
 * with e set. */
static int export_next(PGconn *db, const config *cfg, int size, long long busy_max, int busy, long long *ids,
                       int *resumed, err_t *e)
{
    long long all[2 * EXPORT_GROUP_MAX];
    int got = exdb_reserved(db, all, size + busy, e), n = 0;
    if (got < 0)
        return -1;
    for (int i = 0; i < got && n < size; i++)
        if (all[i] > busy_max)
            ids[n++] = all[i];
    *resumed = n > 0;
    if (!n && (n = exdb_reserve(db, cfg->batch_size, size, ids, e)) < 0) {
        err_prefix(e, "reserving invoice batches");
        return -1;
    }
    return n;
}

/* Drain the outbox into batches, in groups (export_group()): reserved in
 * one statement, written with one directory fsync, published in one
 * transaction, so the durable writes per batch are its two files. Reserved
 * batches a previous run did not finish come first.
 *
 * A group is published on a second connection while the next one is
 * reserved, built and written on the first: marking a group's requests
 * exported (the longest statement) overlaps the next group's work. At any
 * moment each batch is reserved (rebuilt to the same bytes by the next run)
 * or published with its requests; the next group's requests are not the
 * publishing group's (the reserve skips requests in a snapshot). 0, or -1
 * with e set. */
static int export_groups(PGconn *db, const config *cfg, const char *outbox, int *batches, long long *records, err_t *e)
{
    progress_task pt;
    progress_begin(&pt, "export", "export", "batches", export_batches_to_write(db, cfg->batch_size));
    int size = export_group(cfg->batch_size), rc = 0;
    group *gs = calloc(2, sizeof *gs), *g = gs, *busy = NULL;
    if (!gs) {
        progress_end(&pt);
        return err_fail(e, EX_SOFTWARE, "out of memory");
    }
    export_bufs x = { 0 };
    PGconn *pub = NULL;
    for (;;) {
        long long ids[EXPORT_GROUP_MAX];
        int resumed = 0;
        int n = export_next(db, cfg, size, busy ? busy->bs[busy->n - 1].id : 0, busy ? busy->n : 0, ids, &resumed, e);
        if (n < 0) {
            rc = -1;
            break;
        }
        g->n = 0;
        g->resumed = resumed;
        while (g->n < n && !export_build(db, ids[g->n], &x, &g->bs[g->n], e))
            g->n++;
        if (g->n < n || (n && export_write(g->bs, n, outbox, e))) {
            group_free(g);
            rc = -1;
            break;
        }
        if (n)
            export_crash_point("export-file");
        if (busy) {
            int failed = export_publish_finish(pub, busy, e);
            if (!failed) {
                export_published(busy->bs, busy->n, busy->resumed, outbox, batches, records);
                progress_tick(&pt, busy->n);
            }
            group_free(busy);
            busy = NULL;
            if (failed) {
                group_free(g);
                rc = -1;
                break;
            }
        }
        if (!n)
            break;
        if (!pub && !(pub = db_connect(cfg, e))) {
            group_free(g);
            rc = -1;
            break;
        }
        if (export_publish_start(pub, g, e)) {
            group_free(g);
            rc = -1;
            break;
        }
        busy = g;
        g = g == &gs[0] ? &gs[1] : &gs[0];
    }
    if (busy) { /* an error meanwhile: the group being published still is */
        err_t pe = { 0 };
        if (!export_publish_finish(pub, busy, &pe))
            export_published(busy->bs, busy->n, busy->resumed, outbox, batches, records);
        group_free(busy);
    }
    if (pub)
        PQfinish(pub);
    free(gs);
    export_bufs_free(&x);
    progress_end(&pt);
    return rc;
}

int export_run(const config *cfg, const export_opts *opts)
{
    const char *output = opts ? opts->output : NULL;
    long long replay = opts ? opts->replay : 0;
    err_t e = { 0 };
    char outbox[PATH_MAX];
    if (output)
        snprintf(outbox, sizeof outbox, "%s", output);
    else
        snprintf(outbox, sizeof outbox, "%s/outbox", cfg->spool_dir);
    if (outfile_mkdirs(outbox, &e)) {
        log_msg(LOG_ERROR, "export", NULL, "%s", e.msg);
        return e.code;
    }

    PGconn *db = db_connect(cfg, &e);
    if (!db) {
        log_msg(LOG_ERROR, "export", NULL, "%s", e.msg);
        return e.code;
    }

    int rc = 0, batches = 0, uploaded = 0;
    long long records = 0;
    if (replay) {
        if (export_replay(db, replay, outbox, &e))
            rc = e.code;
        goto done;
    }
    int locked = db_try_lock(db, "settle.export", &e);
    if (locked < 0) {
        rc = e.code;
        goto done;
    }
    if (!locked) {
        rc = err_set(&e, EX_TEMPFAIL, "another settle export is running\nHINT: wait for it and run again");
        goto done;
    }
    if (export_groups(db, cfg, outbox, &batches, &records, &e) || export_upload(db, cfg, outbox, &uploaded, &e))
        rc = e.code;
    else
        log_msg(LOG_INFO, "export", KV(KV_I("batches", batches), KV_I("records", records), KV_I("uploaded", uploaded)),
                "export done");
done:
    if (rc)
        log_msg(LOG_ERROR, "export", NULL, "%s", e.msg);
    PQfinish(db);
    return rc;
}
