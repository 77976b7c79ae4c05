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
#include "export/export.h"

/* Set e and return -1: the contract of this file's fallible functions. */
#define settle_fail(e, ...) (err_set((e), __VA_ARGS__), -1)


#define EXPORT_SCHEMA_VERSION 1
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
    long long count;
} batch;

static void batch_free(batch *b)
{
    free(b->gz);
    free(b->manifest);
    b->gz = NULL;
    b->manifest = NULL;
}

/* Reserve the next batch: its row and its snapshot in one statement. Sets
 * *id to the new batch id, or 0 when there is nothing to export. */
static int export_reserve(PGconn *db, long long batch_size, long long *id, err_t *e)
{
    static const char sql[] =
        "WITH next AS ("
        "  SELECT r.id AS request_id, p.id AS payment_id, p.order_id,"
        "         coalesce(p.customer_doc, '') AS customer_doc, coalesce(p.customer_name, '') AS customer_name,"
        "         p.method, p.amount_cents,"
        "         coalesce(p.paid_cents, s.amount_paid_cents, 0) AS paid_cents,"
        "         coalesce(to_char(coalesce(p.paid_at, s.settled_at) AT TIME ZONE 'UTC',"
        "                          'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"'), '') AS paid_at,"
        "         coalesce(CASE WHEN s.kind IN ('pix', 'pix_refund') THEN s.end_to_end_id"
        "                       WHEN s.id IS NOT NULL THEN s.nosso_numero"
        "                       WHEN p.method = 'boleto' THEN p.nosso_numero END, '') AS settlement_reference,"
        "         coalesce(s.bank_code, p.bank_code, '') AS bank_code"
        "    FROM invoice_requests r"
        "    JOIN payments p ON p.id = r.payment_id"
        "    LEFT JOIN settlements s ON s.id = r.settlement_id"
        "   WHERE r.batch_id IS NULL"
        "     AND NOT EXISTS (SELECT 1 FROM export_batch_items i WHERE i.request_id = r.id)"
        "   ORDER BY r.id"
        "   LIMIT $1::bigint),"
        " b AS (INSERT INTO export_batches (schema_version, record_count, total_cents, first_request_id, last_request_id)"
        "       SELECT 1, count(*), sum(paid_cents), min(request_id), max(request_id) FROM next"
        "       HAVING count(*) > 0 RETURNING id)"
        " INSERT INTO export_batch_items (batch_id, request_id, payment_id, order_id, customer_doc, customer_name,"
        "                                 method, amount_cents, paid_cents, paid_at, settlement_reference, bank_code)"
        " SELECT b.id, n.request_id, n.payment_id, n.order_id, n.customer_doc, n.customer_name,"
        "        n.method, n.amount_cents, n.paid_cents, n.paid_at, n.settlement_reference, n.bank_code"
        "   FROM next n CROSS JOIN b"
        " RETURNING batch_id";
    char size[32];
    snprintf(size, sizeof size, "%lld", batch_size);
    const char *params[] = { size };
    PGresult *r = db_query(db, e, sql, 1, params);
    if (!r) {
        err_prefix(e, "reserving an invoice batch");
        return -1;
    }
    *id = PQntuples(r) ? atoll(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    return 0;
}

/* Build batch id's two files in memory from its row and snapshot. 0, or -1
 * with e set (EX_USAGE when there is no such batch). */
static int export_build(PGconn *db, long long id, batch *b, err_t *e)
{
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", id);
    const char *params[] = { ids };
    memset(b, 0, sizeof *b);
    b->id = id;

    PGresult *hr = db_query(db, e,
        "SELECT schema_version, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"'),"
        "       to_char(created_at AT TIME ZONE 'UTC', 'YYYYMMDD'), record_count, total_cents,"
        "       first_request_id, last_request_id, status, coalesce(sha256, '')"
        "  FROM export_batches WHERE id = $1::bigint", 1, params);
    if (!hr)
        return -1;
    if (PQntuples(hr) != 1) {
        PQclear(hr);
        return settle_fail(e, EX_USAGE, "no export batch %lld\nHINT: SELECT id, created_at FROM export_batches lists them", id);
    }
    /* a version that is not a whole int (never written by settle) counts as unknown: -1 */
    char *end;
    errno = 0;
    long sv = strtol(PQgetvalue(hr, 0, 0), &end, 10);
    int schema = (errno || end == PQgetvalue(hr, 0, 0) || *end || sv < INT_MIN || sv > INT_MAX) ? -1 : (int)sv;
    if (schema != EXPORT_SCHEMA_VERSION) {
        PQclear(hr);
        return settle_fail(e, EX_SOFTWARE, "export batch %lld has schema version %d, this settle writes %d",
                       id, schema, EXPORT_SCHEMA_VERSION);
    }
    char created_at[40], day[16], sha_rec[SHA256_HEX_LEN + 1];
    snprintf(created_at, sizeof created_at, "%s", PQgetvalue(hr, 0, 1));
    snprintf(day, sizeof day, "%s", PQgetvalue(hr, 0, 2));
    long long count = atoll(PQgetvalue(hr, 0, 3)), total = atoll(PQgetvalue(hr, 0, 4));
    long long first = atoll(PQgetvalue(hr, 0, 5)), last = atoll(PQgetvalue(hr, 0, 6));
    b->published = !strcmp(PQgetvalue(hr, 0, 7), "published");
    snprintf(sha_rec, sizeof sha_rec, "%s", PQgetvalue(hr, 0, 8));
    snprintf(b->recorded_sha, sizeof b->recorded_sha, "%s", sha_rec);
    PQclear(hr);

    PGresult *r = db_query(db, e,
        "SELECT request_id, payment_id, order_id, customer_doc, customer_name, method,"
        "       amount_cents, paid_cents, paid_at, settlement_reference, bank_code"
        "  FROM export_batch_items WHERE batch_id = $1::bigint ORDER BY request_id", 1, params);
    if (!r)
        return -1;
    int n = PQntuples(r);
    long long sum = 0;
    for (int i = 0; i < n; i++)
        sum += atoll(PQgetvalue(r, i, 7));
    if (n != count || sum != total || (n && (atoll(PQgetvalue(r, 0, 0)) != first ||
                                             atoll(PQgetvalue(r, n - 1, 0)) != last))) {
        PQclear(r);
        return settle_fail(e, EX_SOFTWARE,
                       "export batch %lld does not match its snapshot: %d rows summing %lld, recorded %lld rows summing %lld",
                       id, n, sum, count, total);
    }

    char *csv = NULL;
    size_t csv_len = 0;
    FILE *f = open_memstream(&csv, &csv_len);
    if (!f) {
        PQclear(r);
        return settle_fail(e, EX_SOFTWARE, "out of memory building export batch %lld", id);
    }
    int bad = csvout_row(f, ',', "\r\n", export_header, EXPORT_NCOLS);
    for (int i = 0; i < n && !bad; i++) {
        const char *row[EXPORT_NCOLS];
        for (int c = 0; c < EXPORT_NCOLS; c++)
            row[c] = PQgetvalue(r, i, c);
        bad = csvout_row(f, ',', "\r\n", row, EXPORT_NCOLS);
    }
    PQclear(r);
    if (fclose(f) != 0 || bad) {
        free(csv);
        return settle_fail(e, EX_SOFTWARE, "out of memory building export batch %lld", id);
    }
    int rc = outfile_gzip(csv, csv_len, &b->gz, &b->gz_len, e);
    free(csv);
    if (rc)
        return -1;
    sha256_hex(b->gz, b->gz_len, b->sha);
    b->count = count;
    snprintf(b->csv_name, sizeof b->csv_name, "invoice-requests-%s-%08lld.csv.gz", day, id);
    snprintf(b->manifest_name, sizeof b->manifest_name, "invoice-requests-%s-%08lld.manifest.json", day, id);
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
                       EXPORT_SCHEMA_VERSION, id, created_at, b->csv_name, count, total, b->sha, first, last);
    if (len < 0) {
        b->manifest = NULL;
        batch_free(b);
        return settle_fail(e, EX_SOFTWARE, "out of memory building export batch %lld", id);
    }
    b->manifest_len = (size_t)len;
    if (b->published && strcmp(b->sha, sha_rec)) {
        err_set(e, EX_SOFTWARE,
                "export batch %lld rebuilds to sha256 %s but was published with %s\n"
                "HINT: the snapshot or the compressor changed; do not send this file",
                id, b->sha, sha_rec);
        batch_free(b);
        return -1;
    }
    return 0;
}

/* The data file first, then the manifest that vouches for it. */
static int export_write(const batch *b, const char *dir, err_t *e)
{
    if (outfile_publish(dir, b->csv_name, b->gz, b->gz_len, e))
        return -1;
    if (outfile_publish(dir, b->manifest_name, b->manifest, b->manifest_len, e)) {
        /* No data file without the manifest that vouches for it (disk full
         * between the two): the next run writes both again, same bytes. */
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, b->csv_name);
        unlink(path);
        return -1;
    }
    return 0;
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

static int export_publish(PGconn *db, const batch *b, err_t *e)
{
    char ids[32], cnt[32];
    snprintf(ids, sizeof ids, "%lld", b->id);
    snprintf(cnt, sizeof cnt, "%lld", b->count);
    if (db_exec(db, "BEGIN", e))
        return -1;
    const char *p1[] = { ids, b->sha, b->csv_name };
    PGresult *r = db_query(db, e,
        "UPDATE export_batches SET status = 'published', sha256 = $2, file_name = $3,"
        "       published_at = date_trunc('second', now())"
        " WHERE id = $1::bigint AND status = 'reserved'", 3, p1);
    if (!r)
        goto fail;
    int ok = !strcmp(PQcmdTuples(r), "1");
    PQclear(r);
    if (!ok) {
        err_set(e, EX_SOFTWARE, "export batch %lld was not reserved any more when publishing it", b->id);
        goto fail;
    }
    const char *p2[] = { ids };
    r = db_query(db, e,
        "UPDATE invoice_requests r SET batch_id = i.batch_id FROM export_batch_items i"
        " WHERE i.batch_id = $1::bigint AND r.id = i.request_id AND r.batch_id IS NULL", 1, p2);
    if (!r)
        goto fail;
    ok = !strcmp(PQcmdTuples(r), cnt);
    if (!ok)
        err_set(e, EX_SOFTWARE, "export batch %lld: marked %s requests exported, expected %s", b->id,
                PQcmdTuples(r), cnt);
    PQclear(r);
    if (!ok)
        goto fail;
    if (db_exec(db, "COMMIT", e))
        goto fail;
    return 0;
fail:
    PQclear(PQexec(db, "ROLLBACK"));
    return -1;
}

/* Whether the remote file (len bytes, as listed) holds exactly the bytes of
 * local: download it into memory (a memfd) and compare. 1 same, 0
 * different, -1 with e set (the connection failed). */
static int remote_same(sftp_conn *c, const char *remote, const char *local, size_t len, err_t *e)
{
    int rfd = memfd_create("settle-verify", MFD_CLOEXEC);
    if (rfd < 0)
        return settle_fail(e, EX_SOFTWARE, "cannot check %s: memfd_create: %s", remote, strerror(errno));
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
        return settle_fail(e, err_local_write(errno), "cannot open %s: %s", local, strerror(errno));
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
            return settle_fail(e, EX_DATAERR,
                               "%s is already on [destination invoices] with our size (%zu bytes) but other bytes\n"
                               "HINT: a different file under a batch's name is an incident: ask the invoicing team, do "
                               "not overwrite",
                               remote, len);
        }
        return settle_fail(e, EX_DATAERR,
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
    PGresult *r = db_query(db, e,
        "SELECT id FROM export_batches WHERE status = 'published' AND uploaded_at IS NULL ORDER BY id", 0, NULL);
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
    for (int i = 0; i < PQntuples(r) && !rc; i++) {
        batch b;
        const char *id = PQgetvalue(r, i, 0);
        if (export_build(db, atoll(id), &b, e)) {
            rc = -1;
            break;
        }
        char p1[PATH_MAX], p2[PATH_MAX];
        struct stat s1, s2;
        snprintf(p1, sizeof p1, "%s/%s", outbox, b.csv_name);
        snprintf(p2, sizeof p2, "%s/%s", outbox, b.manifest_name);
        if ((stat(p1, &s1) != 0 || (size_t)s1.st_size != b.gz_len || stat(p2, &s2) != 0 ||
             (size_t)s2.st_size != b.manifest_len) && export_write(&b, outbox, e))
            rc = -1;
        if (!rc && (export_upload_file(c, rdir, outbox, b.csv_name, b.gz_len, e) ||
                    export_upload_file(c, rdir, outbox, b.manifest_name, b.manifest_len, e)))
            rc = -1;
        if (!rc) {
            const char *p[] = { id };
            PGresult *u = db_query(db, e, "UPDATE export_batches SET uploaded_at = now() WHERE id = $1::bigint", 1, p);
            if (!u)
                rc = -1;
            PQclear(u);
        }
        if (!rc) {
            log_msg(LOG_INFO, "export", KV(KV_I("batch", b.id), KV_S("destination", d->ep.name), KV_S("dir", rdir)),
                    "uploaded batch");
            metrics_add(NULL, NULL, "BatchesUploaded", 1);
            (*n)++;
        }
        batch_free(&b);
    }
    sftp_close(c);
    PQclear(r);
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

    int rc = 0, batches = 0;
    long long records = 0;
    batch b = { 0 };
    if (replay) {
        if (export_build(db, replay, &b, &e) || export_write(&b, outbox, &e)) {
            rc = e.code;
        } else {
            log_msg(LOG_INFO, "export", KV(KV_I("batch", b.id), KV_I("records", b.count), KV_S("sha256", b.sha),
                                           KV_S("dir", outbox)), "replayed batch");
            printf("%s/%s\n", outbox, b.manifest_name);
        }
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

    progress_task pt;
    progress_begin(&pt, "export", "export", "batches", export_batches_to_write(db, cfg->batch_size));
    for (;;) {
        /* A reserved batch is one a previous run did not finish: rebuild it first. */
        long long id = 0;
        PGresult *r = db_query(db, &e, "SELECT min(id) FROM export_batches WHERE status = 'reserved'", 0, NULL);
        if (!r) {
            rc = e.code;
            break;
        }
        int resumed = !PQgetisnull(r, 0, 0);
        if (resumed)
            id = atoll(PQgetvalue(r, 0, 0));
        PQclear(r);
        if (!resumed && export_reserve(db, cfg->batch_size, &id, &e)) {
            rc = e.code;
            break;
        }
        if (!id)
            break;
        if (export_build(db, id, &b, &e) || export_write(&b, outbox, &e)) {
            rc = e.code;
            break;
        }
        export_crash_point("export-file");
        if (export_publish(db, &b, &e)) {
            rc = e.code;
            break;
        }
        log_msg(LOG_INFO, "export", KV(KV_I("batch", b.id), KV_I("records", b.count), KV_S("sha256", b.sha),
                                       KV_S("file", b.csv_name), KV_I("resumed", resumed)), "published batch");
        printf("%s/%s\n", outbox, b.manifest_name);
        fflush(stdout);
        batches++;
        records += b.count;
        metrics_add(NULL, NULL, "BatchesPublished", 1);
        metrics_add(NULL, NULL, "InvoiceRequestsExported", b.count);
        batch_free(&b);
        progress_tick(&pt, 1);
    }
    progress_end(&pt);
    int uploaded = 0;
    if (!rc && export_upload(db, cfg, outbox, &uploaded, &e))
        rc = e.code;
    if (!rc)
        log_msg(LOG_INFO, "export", KV(KV_I("batches", batches), KV_I("records", records), KV_I("uploaded", uploaded)),
                "export done");
done:
    if (rc)
        log_msg(LOG_ERROR, "export", NULL, "%s", e.msg);
    batch_free(&b);
    PQfinish(db);
    return rc;
}
