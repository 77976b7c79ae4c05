/* fetch.c - the fetch stage (`settle fetch`, the run's first step): download
 * new files from each [source NAME].
 *
 * For each source: connect (common/sftp.h: host key checked before auth),
 * list remote_dir twice a short interval apart, keep regular files whose
 * name matches `pattern` and is not hostile, that did not change between
 * the listings and are older than min_age_seconds, and that the registry
 * (fetched_files, sql/003_fetch.sql) does not already hold. Each is
 * downloaded to <spool>/tmp/SOURCE/NAME.part (never inside incoming/),
 * fsynced, its size checked and sha256 computed, then linked into
 * <spool>/incoming/SOURCE/NAME, the directory fsynced, the registry row
 * written, and after_fetch applied on the server. A .part left by a crash
 * is resumed when the remote size and mtime still match, else restarted.
 * Sources are independent; exit 69 names the ones that failed.
 * docs/fetch.md is the operator's description of the same rules. */
#include "fetch/fetch.h"
#include "fetch/db.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/db.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/outfile.h"
#include "common/sftp.h"
#include "fetch/pix_api.h"


/* ---- one run ----------------------------------------------------------------- */

typedef struct fetch_run {
    const config *cfg;
    PGconn *db;
    int dry_run;
    long settle_ms;
} fetch_run;

typedef struct src_state {
    fetch_run *run;
    const source_cfg *s;
    pcre2_code *re;
    pcre2_match_data *md;
    char tmpdir[PATH_MAX];
    char incdir[PATH_MAX];
    char statedir[PATH_MAX];
    char listing[PATH_MAX + 16]; /* statedir/SOURCE.listing: the previous listing (fetch/listing.c) */
    int fetched, skipped, failed_files;
    unsigned long long bytes;
} src_state;

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void remote_join(const char *dir, const char *name, char *out, size_t n)
{
    size_t dl = strlen(dir);
    snprintf(out, n, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", name);
}

static int cmp_entry(const void *a, const void *b)
{
    const sftp_entry *x = a, *y = b;
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, n);
    return c ? c : (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

/* ---- the registry ---------------------------------------------------------- */

/* A remote mtime this far ahead of our clock is not skew: a failure. */
#define FETCH_CLOCK_SKEW_S 300

/* The registry (fetched_files) is fetch/db.c. */
static long long registry_find(src_state *st, const sftp_entry *x, int *done, err_t *e)
{
    return fetch_db_find_version(st->run->db, st->s->ep.name, x->name, (uint64_t)x->size, (int64_t)x->mtime, done, e);
}

static long long registry_add(src_state *st, const sftp_entry *x, const char *sha, const char *local,
                              long long dup_of, err_t *e)
{
    return fetch_db_record(st->run->db, st->s->ep.name, x->name, (uint64_t)x->size, (int64_t)x->mtime, sha, local,
                           dup_of, st->s->after_fetch, e);
}

/* ---- after_fetch ------------------------------------------------------------ */

/* Apply after_fetch to the remote file; 0, or -1 with e set. */
static int after_fetch(src_state *st, sftp_conn *c, const sftp_entry *x, long long id, err_t *e)
{
    const char *how = st->s->after_fetch;
    if (!strcmp(how, "keep"))
        return 0;
    char from[2048];
    remote_join(st->s->ep.remote_dir, x->name, from, sizeof from);
    if (!strcmp(how, "delete")) {
        if (sftp_remove(c, from, e) < 0)
            return -1;
    } else {
        const char *dir = how + 5;
        char todir[2048], to[4096];
        if (dir[0] == '/')
            snprintf(todir, sizeof todir, "%s", dir);
        else
            remote_join(st->s->ep.remote_dir, dir, todir, sizeof todir);
        remote_join(todir, x->name, to, sizeof to);
        if (sftp_rename(c, from, to, e) < 0)
            return -1;
    }
    log_msg(LOG_INFO, "fetch", KV(KV_S("source", st->s->ep.name), KV_S("file", x->name), KV_S("after_fetch", how)),
            "applied after_fetch on the server");
    return fetch_db_after_done(st->run->db, id, e);
}

/* ---- one file ---------------------------------------------------------------- */

/* Place part at incdir/local (or local.N when another content holds that
 * name) without ever overwriting. *placed receives the name used. */
int fetch_place(const char *incdir, const char *part, const char *local, const char *sha, char *placed, err_t *e)
{
    for (int k = 0; k < 100; k++) {
        char dest[PATH_MAX];
        if (k)
            snprintf(placed, FETCH_NAME_MAX + 8, "%s.%d", local, k);
        else
            snprintf(placed, FETCH_NAME_MAX + 8, "%s", local);
        snprintf(dest, sizeof dest, "%s/%s", incdir, placed);
        if (link(part, dest) == 0)
            return unlink(part), 0;
        if (errno != EEXIST)
            return err_fail(e, EX_IOERR, "cannot link %s to %s: %s", part, dest, strerror(errno));
        /* A crash after placing and before recording leaves the same content here. */
        char have[SHA256_HEX_LEN + 1];
        err_t ignore = { 0 };
        if (sha256_file_hex(dest, have, &ignore) == 0 && !strcmp(have, sha))
            return unlink(part), 0;
    }
    return err_fail(e, EX_IOERR, "cannot place %s: %s and 99 numbered variants exist in %s", part, local, incdir);
}

/* Where a download goes: the .part, the running SHA-256, and writeback
 * started every FETCH_WRITEBACK bytes (sync_file_range) so that the data
 * reaches the disk while the rest arrives. */
#define FETCH_WRITEBACK (8u << 20)

typedef struct dl_sink {
    int fd;
    const char *path;
    sha256_stream *sha;
    uint64_t written, synced; /* file offsets: end of the data, end of the range written back */
} dl_sink;

static int dl_write(void *arg, const char *buf, size_t n, err_t *e)
{
    dl_sink *d = arg;
    sha256_stream_update(d->sha, buf, n);
    for (size_t off = 0; off < n;) {
        ssize_t w = write(d->fd, buf + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return err_fail(e, err_local_write(errno), "cannot write %s: %s", d->path, strerror(errno));
        off += (size_t)w;
    }
    d->written += n;
    if (d->written - d->synced >= FETCH_WRITEBACK) {
        /* a hint only: the fsync at the end is what makes it durable */
        (void)sync_file_range(d->fd, (off_t)d->synced, (off_t)(d->written - d->synced), SYNC_FILE_RANGE_WRITE);
        d->synced = d->written;
    }
    return 0;
}

/* Where to start the download of x into part: the size of a .part of the
 * same remote version (meta holds "size mtime name"), else 0 after
 * recording this version in meta. 0 with *offset set, or -1 with e set. */
static int part_resume_point(src_state *st, const sftp_entry *x, const char *part, const char *meta,
                             uint64_t *offset, err_t *e)
{
    const char *src = st->s->ep.name;
    char want[2400], have[2400] = "";
    snprintf(want, sizeof want, "%llu %lld %s\n", (unsigned long long)x->size, (long long)x->mtime, x->name);
    *offset = 0;
    struct stat ps;
    int have_part = stat(part, &ps) == 0;
    FILE *mf = fopen(meta, "r");
    if (mf) {
        size_t n = fread(have, 1, sizeof have - 1, mf);
        have[n] = '\0';
        fclose(mf);
    }
    if (have_part && !strcmp(have, want) && (uint64_t)ps.st_size <= x->size) {
        *offset = (uint64_t)ps.st_size;
        log_msg(LOG_INFO, "fetch", KV(KV_S("source", src), KV_S("file", x->name), KV_I("offset", *offset)),
                "resuming a partial download");
        return 0;
    }
    if (have_part)
        log_msg(LOG_INFO, "fetch", KV(KV_S("source", src), KV_S("file", x->name)),
                "restarting a partial download: the remote file changed since it began");
    int mfd = open(meta, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (mfd < 0 || write(mfd, want, strlen(want)) != (ssize_t)strlen(want) || fsync(mfd) < 0) {
        int saved = errno;
        if (mfd >= 0)
            close(mfd);
        return err_fail(e, EX_IOERR, "cannot write %s: %s", meta, strerror(saved));
    }
    close(mfd);
    return 0;
}

/* Download remote from offset onto part, hashed as it arrives (no second
 * read of the file) and written back to disk as it goes so that the fsync
 * at the end waits for little. 0 with sha and *ms (download time) set; -1
 * with e set, part and meta removed unless the connection broke. */
static int download_part(sftp_conn *c, const char *remote, const sftp_entry *x, const char *part, const char *meta,
                         uint64_t offset, char *sha, long long *ms, err_t *e)
{
    int fd = open(part, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_fail(e, err_local_write(errno), "cannot create %s: %s", part, strerror(errno));
    if ((!offset && ftruncate(fd, 0) < 0) || lseek(fd, (off_t)offset, SEEK_SET) < 0) {
        close(fd);
        return err_fail(e, EX_IOERR, "cannot prepare %s: %s", part, strerror(errno));
    }
    dl_sink ds = { .fd = fd, .path = part, .written = offset, .synced = offset };
    ds.sha = sha256_stream_new(e);
    if (!ds.sha || (offset && sha256_stream_file_prefix(ds.sha, part, offset, e) < 0)) {
        sha256_stream_free(ds.sha);
        close(fd);
        return -1;
    }
    long long t0 = clock_mono_ms();
    uint64_t total = 0;
    int rc = sftp_download_to(c, remote, offset, x->size, &total, dl_write, &ds, e);
    int sync_bad = fsync(fd) < 0;
    int saved = errno;
    close(fd);
    if (rc < 0) {
        sha256_stream_free(ds.sha);
        if (e->code != EX_TEMPFAIL) { /* the file changed or vanished: start over next time */
            unlink(part);
            unlink(meta);
        }
        return -1;
    }
    sha256_stream_final(ds.sha, sha);
    if (sync_bad)
        return err_fail(e, EX_IOERR, "cannot fsync %s: %s", part, strerror(saved));
    if (total != x->size) {
        unlink(part);
        unlink(meta);
        return err_fail(e, EX_DATAERR, "%s ended at %llu bytes, the listing said %llu (the file changed)", remote,
                       (unsigned long long)total, (unsigned long long)x->size);
    }
    *ms = clock_mono_ms() - t0;
    return 0;
}

/* Still the version listed? A file written under an old mtime, or one
 * listed once only (source_pass), is caught here: nothing is kept. 0 when
 * it is, 1 when it changed (part and meta removed), -1 with e set. */
static int still_listed(sftp_conn *c, const char *remote, const sftp_entry *x, const char *part, const char *meta,
                        err_t *e)
{
    sftp_entry now_x;
    if (sftp_stat(c, remote, &now_x, e) < 0) {
        if (e->code != EX_TEMPFAIL) {
            unlink(part);
            unlink(meta);
        }
        return -1;
    }
    if (now_x.size != x->size || now_x.mtime != x->mtime) {
        unlink(part);
        unlink(meta);
        return 1;
    }
    return 0;
}

/* Keep a downloaded part: placed into incoming/ under a free name (*placed),
 * or dropped when the same content was fetched before (*dup its row), then
 * recorded in the registry. The registry id, or -1 with e set. */
static long long keep_part(src_state *st, const sftp_entry *x, const char *part, const char *meta,
                           const char *local, const char *sha, char *placed, long long *dup, err_t *e)
{
    *dup = fetch_db_find_content(st->run->db, sha, e);
    if (*dup < 0)
        return -1;
    if (!*dup) {
        if (fetch_place(st->incdir, part, local, sha, placed, e) < 0 || outfile_sync_dir(st->incdir, e) < 0)
            return -1;
    } else {
        unlink(part);
        log_msg(LOG_INFO, "fetch", KV(KV_S("source", st->s->ep.name), KV_S("file", x->name), KV_S("sha256", sha)),
                "same content was fetched before; not placed in incoming/ again");
    }
    unlink(meta);
    if (outfile_sync_dir(st->tmpdir, e) < 0)
        return -1;
    return registry_add(st, x, sha, *dup ? NULL : placed, *dup, e);
}

/* Download one remote file through to the registry and after_fetch.
 * 0; 1 when the file changed while it was downloaded (nothing kept: it is
 * looked at again next run); or -1 with e set (EX_TEMPFAIL: the
 * connection broke). */
static int fetch_one(src_state *st, sftp_conn *c, const sftp_entry *x, err_t *e)
{
    char local[FETCH_NAME_MAX + 1], part[PATH_MAX], meta[PATH_MAX], remote[2048];
    fetch_local_name(x->name, local);
    snprintf(part, sizeof part, "%s/%s.part", st->tmpdir, local);
    snprintf(meta, sizeof meta, "%s/%s.part.meta", st->tmpdir, local);
    remote_join(st->s->ep.remote_dir, x->name, remote, sizeof remote);

    /* Resume a .part of the same remote version, else start over. */
    uint64_t offset = 0;
    if (part_resume_point(st, x, part, meta, &offset, e) < 0)
        return -1;
    char sha[SHA256_HEX_LEN + 1];
    long long ms = 0;
    if (download_part(c, remote, x, part, meta, offset, sha, &ms, e) < 0)
        return -1;
    int changed = still_listed(c, remote, x, part, meta, e);
    if (changed)
        return changed;
    char placed[FETCH_NAME_MAX + 8] = "";
    long long dup = 0, id = keep_part(st, x, part, meta, local, sha, placed, &dup, e);
    if (id < 0)
        return -1;
    st->fetched++;
    st->bytes += x->size - offset;
    long long mbps10 = ms > 0 ? (long long)((x->size - offset) * 10000 / (unsigned long long)ms / 1000000) : 0;
    char rate[32];
    snprintf(rate, sizeof rate, "%lld.%lld", mbps10 / 10, mbps10 % 10);
    if (!dup)
        log_msg(LOG_INFO, "fetch",
                KV(KV_S("source", st->s->ep.name), KV_S("file", x->name), KV_S("local", placed),
                   KV_I("bytes", x->size), KV_S("sha256", sha), KV_I("ms", ms), KV_S("mb_per_s", rate)),
                "fetched");
    return after_fetch(st, c, x, id, e);
}

/* ---- one source ---------------------------------------------------------------- */

/* Whether source_pass would download x if it is stable and not yet in the
 * registry: the same rules in the same order, without logging. */
static int worth_fetching(src_state *st, const sftp_entry *x, time_t now)
{
    const source_cfg *s = st->s;
    return !fetch_name_problem(x->name, x->name_len) && x->type == SFTP_REGULAR &&
           pcre2_match(st->re, (PCRE2_SPTR)x->name, x->name_len, 0, 0, st->md, NULL) >= 0 &&
           (long long)x->mtime - (long long)now <= FETCH_CLOCK_SKEW_S &&
           (long long)now - x->mtime >= s->min_age_seconds &&
           !(s->max_file_bytes && x->size > (uint64_t)s->max_file_bytes);
}

/* Mark in recheck[] the files of l1 (sorted, listed at listed_at) that may
 * still be growing (fetch/listing.c) and are not in the registry yet: only
 * for those is the source listed again. Their count, or -1 with e set. */
static long mark_recheck(src_state *st, const sftp_entry *l1, size_t n1, long long listed_at, unsigned char *recheck,
                         err_t *e)
{
    time_t now = (time_t)(listed_at / 1000);
    fetch_listing prev;
    fetch_listing_load(st->listing, &prev);
    long n_recheck = 0;
    for (size_t i = 0; i < n1; i++) {
        if (!worth_fetching(st, &l1[i], now) ||
            fetch_stable(&l1[i], &prev, listed_at, st->run->settle_ms, st->s->min_age_seconds))
            continue;
        int done = 0;
        long long id = registry_find(st, &l1[i], &done, e); /* already fetched: nothing to wait for */
        if (id < 0) {
            n_recheck = -1;
            break;
        }
        if (!id) {
            recheck[i] = 1;
            n_recheck++;
        }
    }
    fetch_listing_free(&prev);
    return n_recheck;
}

/* Whether x is left alone this pass, saying why (a log line, and the
 * skipped/failed counts): a hostile name, not a regular file, not the
 * pattern, changed between the two listings (y: its second listing, when
 * rechecked), a clock-skewed mtime, too young, too large. */
static int pass_skips(src_state *st, const sftp_entry *x, int recheck, const sftp_entry *y, time_t now)
{
    const source_cfg *s = st->s;
    const char *src = s->ep.name;
    const char *why = fetch_name_problem(x->name, x->name_len);
    if (why) {
        log_msg(LOG_WARN, "fetch", KV(KV_S("source", src), KV_S("file", x->name), KV_S("reason", why)),
                "skipped a hostile file name");
        st->skipped++;
        return 1;
    }
    if (x->type != SFTP_REGULAR) {
        log_msg(LOG_DEBUG, "fetch", KV(KV_S("source", src), KV_S("file", x->name)), "skipped: not a regular file");
        return 1;
    }
    if (pcre2_match(st->re, (PCRE2_SPTR)x->name, x->name_len, 0, 0, st->md, NULL) < 0) {
        log_msg(LOG_DEBUG, "fetch", KV(KV_S("source", src), KV_S("file", x->name)), "skipped: does not match pattern");
        return 1;
    }
    if (recheck && (!y || y->size != x->size || y->mtime != x->mtime || y->type != x->type)) {
        log_msg(LOG_INFO, "fetch", KV(KV_S("source", src), KV_S("file", x->name)),
                "skipped: size or mtime changed between two listings (still being written)");
        st->skipped++;
        return 1;
    }
    if ((long long)x->mtime - (long long)now > FETCH_CLOCK_SKEW_S) {
        /* "younger than min_age_seconds" every night, silently, until
         * the clock catches up: the server's clock (or the file's
         * mtime) is wrong, and somebody has to look at it. */
        log_msg(LOG_ERROR, "fetch",
                KV(KV_S("source", src), KV_S("file", x->name), KV_I("mtime", (long long)x->mtime),
                   KV_I("ahead_s", (long long)x->mtime - (long long)now)),
                "refused: modification time %llds in the future (more than %ds of clock skew)\n"
                "HINT: the server's clock or the file's mtime is wrong; ask the bank to fix it (the file is "
                "fetched once its mtime is in the past)",
                (long long)x->mtime - (long long)now, FETCH_CLOCK_SKEW_S);
        st->failed_files++;
        return 1;
    }
    if ((long long)now - x->mtime < s->min_age_seconds) {
        log_msg(LOG_INFO, "fetch",
                KV(KV_S("source", src), KV_S("file", x->name), KV_I("age_s", (long long)now - x->mtime),
                   KV_I("min_age_seconds", s->min_age_seconds)),
                "skipped: younger than min_age_seconds (may still be written)");
        st->skipped++;
        return 1;
    }
    if (s->max_file_bytes && x->size > (uint64_t)s->max_file_bytes) {
        log_msg(LOG_ERROR, "fetch",
                KV(KV_S("source", src), KV_S("file", x->name), KV_I("bytes", x->size),
                   KV_I("max_file_bytes", s->max_file_bytes)),
                "refused: larger than max_file_bytes");
        st->failed_files++;
        return 1;
    }
    return 0;
}

/* A file already in the registry: apply after_fetch if it was not done.
 * 0 (a failure of this file is logged and counted), or -1 with e set when
 * the connection broke. */
static int pass_fetched_before(src_state *st, sftp_conn *c, const sftp_entry *x, long long id, int done, err_t *e)
{
    const char *src = st->s->ep.name;
    log_msg(LOG_DEBUG, "fetch", KV(KV_S("source", src), KV_S("file", x->name)), "skipped: already fetched");
    if (done || st->run->dry_run || !strcmp(st->s->after_fetch, "keep") || after_fetch(st, c, x, id, e) >= 0)
        return 0;
    if (e->code == EX_TEMPFAIL)
        return -1;
    log_msg(LOG_ERROR, "fetch", KV(KV_S("source", src), KV_S("file", x->name)), "after_fetch failed: %s", e->msg);
    st->failed_files++;
    err_clear(e);
    return 0;
}

/* Fetch x unless the registry holds it (or only list it with --dry-run).
 * 0 (a failure of this file is logged and counted), or -1 with e set when
 * the source failed: the connection, the local disk or the database. */
static int pass_fetch(src_state *st, sftp_conn *c, const sftp_entry *x, err_t *e)
{
    const char *src = st->s->ep.name;
    int done = 0;
    long long id = registry_find(st, x, &done, e);
    if (id < 0)
        return -1;
    if (id)
        return pass_fetched_before(st, c, x, id, done, e);
    if (st->run->dry_run) {
        printf("%s\t%s\t%llu\n", src, x->name, (unsigned long long)x->size);
        st->fetched++;
        return 0;
    }
    int got = fetch_one(st, c, x, e);
    if (got == 1) {
        log_msg(LOG_INFO, "fetch", KV(KV_S("source", src), KV_S("file", x->name)),
                "skipped: size or mtime changed while it was downloaded (still being written)");
        st->skipped++;
        return 0;
    }
    if (got < 0) {
        if (e->code == EX_TEMPFAIL || e->code == EX_IOERR || e->code == EX_UNAVAILABLE ||
            PQstatus(st->run->db) != CONNECTION_OK)
            return -1;
        log_msg(LOG_ERROR, "fetch", KV(KV_S("source", src), KV_S("file", x->name)), "%s", e->msg);
        st->failed_files++;
        err_clear(e);
    }
    return 0;
}

/* One connected pass over the source. -1 with e set when the source
 * failed (EX_TEMPFAIL: the connection broke, worth another pass). */
static int source_pass(src_state *st, sftp_conn *c, err_t *e)
{
    const source_cfg *s = st->s;
    const char *src = s->ep.name;
    sftp_entry *l1 = NULL, *l2 = NULL;
    size_t n1 = 0, n2 = 0;
    if (sftp_list(c, s->ep.remote_dir, &l1, &n1, e) < 0)
        return -1;
    long long listed_at = clock_wall_ms();
    time_t now = (time_t)(listed_at / 1000);
    /* an empty listing may be NULL: qsort/bsearch must not see it (UBSan) */
    if (n1 > 1)
        qsort(l1, n1, sizeof *l1, cmp_entry);

    /* Which files may still be growing (fetch/listing.c): only for those,
     * and only when there are some, list again after the settle interval. */
    int ret = -1;
    unsigned char *recheck = n1 ? calloc(n1, 1) : NULL;
    if (n1 && !recheck) {
        err_fail(e, EX_SOFTWARE, "out of memory");
        goto done;
    }
    long n_recheck = mark_recheck(st, l1, n1, listed_at, recheck, e);
    if (n_recheck < 0)
        goto done;
    if (!st->run->dry_run) {
        err_t le = { 0 };
        if (fetch_listing_save(st->listing, listed_at, l1, n1, &le) < 0) /* costs a wait next run, nothing more */
            log_msg(LOG_WARN, "fetch", KV(KV_S("source", src)), "%s", le.msg);
    }
    if (n_recheck) {
        log_msg(LOG_DEBUG, "fetch", KV(KV_S("source", src), KV_I("files", (long long)n_recheck),
                                       KV_I("settle_ms", st->run->settle_ms)),
                "new or changed since the previous listing: listing again after the settle interval");
        if (st->run->settle_ms > 0)
            sleep_ms(st->run->settle_ms);
        if (sftp_list(c, s->ep.remote_dir, &l2, &n2, e) < 0)
            goto done;
        if (n2 > 1)
            qsort(l2, n2, sizeof *l2, cmp_entry);
    }
    ret = 0;
    st->skipped = st->failed_files = 0; /* counted again by each pass; fetched adds up */
    for (size_t i = 0; i < n1 && !ret; i++) {
        const sftp_entry *x = &l1[i];
        const sftp_entry *y = recheck[i] && n2 ? bsearch(x, l2, n2, sizeof *l2, cmp_entry) : NULL;
        if (!pass_skips(st, x, recheck[i], y, now))
            ret = pass_fetch(st, c, x, e);
    }
done:
    sftp_list_free(l1, n1);
    sftp_list_free(l2, n2);
    free(recheck);
    return ret;
}

static int fetch_source(fetch_run *run, const source_cfg *s, err_t *e)
{
    src_state st = { .run = run, .s = s };
    int rc, ret = -1;
    PCRE2_SIZE off;
    st.re = pcre2_compile((PCRE2_SPTR)s->pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &rc,
                          &off, NULL);
    if (!st.re)
        return err_fail(e, EX_CONFIG, "pattern of [source %s] does not compile", s->ep.name);
    st.md = pcre2_match_data_create_from_pattern(st.re, NULL);
    snprintf(st.tmpdir, sizeof st.tmpdir, "%s/tmp/%s", run->cfg->spool_dir, s->ep.name);
    snprintf(st.incdir, sizeof st.incdir, "%s/incoming/%s", run->cfg->spool_dir, s->ep.name);
    snprintf(st.statedir, sizeof st.statedir, "%s/state", run->cfg->spool_dir);
    snprintf(st.listing, sizeof st.listing, "%s/%s.listing", st.statedir, s->ep.name);
    if (!run->dry_run &&
        (outfile_mkdirs(st.tmpdir, e) < 0 || outfile_mkdirs(st.incdir, e) < 0 || outfile_mkdirs(st.statedir, e) < 0))
        goto out;

    const char *b = getenv("SETTLE_SFTP_BACKOFF_MS");
    long base = b && *b ? strtol(b, NULL, 10) : 1000;
    /* max_source_seconds: one budget for the source's whole run, retries
     * included, so a slow server cannot hold the night up indefinitely */
    long long budget_end = s->max_source_seconds ? clock_mono_ms() + s->max_source_seconds * 1000 : 0;
    for (int attempt = 0;; attempt++) {
        if (budget_end && clock_mono_ms() >= budget_end) {
            err_set(e, EX_TEMPFAIL, "[source %s]: the time budget (max_source_seconds = %lld) ran out; %d file(s) "
                    "fetched, the rest is left for the next run (a partial download is resumed)",
                    s->ep.name, s->max_source_seconds, st.fetched);
            goto out;
        }
        /* the budget covers the login too: a server too slow to let us in
         * ends as "the source's time budget ... ran out while <step>", and
         * a login that outlasted it cannot leave the download without one */
        long long left = budget_end ? budget_end - clock_mono_ms() : 0;
        sftp_conn *c = sftp_open_within(&s->ep, budget_end && left < 1 ? 1 : left, e);
        if (!c)
            goto out;
        log_msg(LOG_DEBUG, "fetch", KV(KV_S("source", s->ep.name), KV_S("host_key", sftp_host_fingerprint(c))),
                "connected");
        int pr = source_pass(&st, c, e);
        sftp_close(c);
        if (pr == 0) {
            ret = 0;
            break;
        }
        if (e->code != EX_TEMPFAIL || attempt >= s->ep.retries || (budget_end && clock_mono_ms() >= budget_end))
            goto out;
        long ms = sftp_backoff_ms(attempt, base, 60000, (uint32_t)random());
        log_msg(LOG_WARN, "fetch",
                KV(KV_S("source", s->ep.name), KV_S("error", e->msg), KV_I("attempt", attempt + 1),
                   KV_I("retry_in_ms", ms)),
                "connection broke, reconnecting");
        err_clear(e);
        sleep_ms(ms);
    }
    log_msg(LOG_INFO, "fetch",
            KV(KV_S("source", s->ep.name), KV_I(run->dry_run ? "would_fetch" : "fetched", st.fetched),
               KV_I("skipped", st.skipped), KV_I("bytes", st.bytes), KV_I("failed", st.failed_files)),
            "source done");
    if (!run->dry_run) {
        metrics_add("source", s->ep.name, "FilesFetched", st.fetched);
        metrics_add("source", s->ep.name, "BytesFetched", st.bytes);
        metrics_add("source", s->ep.name, "FilesFailed", st.failed_files);
    }
    if (st.failed_files) {
        err_set(e, EX_DATAERR, "%d file(s) of [source %s] failed; see the errors above", st.failed_files, s->ep.name);
        ret = -1;
    }
out:
    metrics_add("source", s->ep.name, "SourceFailed", ret ? 1 : 0);
    pcre2_match_data_free(st.md);
    pcre2_code_free(st.re);
    return ret;
}

int fetch_run_all(const config *cfg, const fetch_opts *opts)
{
    const char *only = opts ? opts->source : NULL;
    fetch_run run = { .cfg = cfg, .settle_ms = 2000, .dry_run = opts ? opts->dry_run : 0 };
    if (!cfg->n_sources) {
        log_msg(LOG_WARN, "fetch", NULL, "no [source NAME] sections in the config; nothing to fetch");
        return 0;
    }
    const char *ms = getenv("SETTLE_FETCH_SETTLE_MS");
    if (ms && *ms)
        run.settle_ms = strtol(ms, NULL, 10);

    err_t e = { 0 };
    run.db = db_connect(cfg, &e);
    if (!run.db) {
        log_msg(LOG_ERROR, "fetch", NULL, "%s", e.msg);
        return e.code;
    }
    int rc = 0, locked = 0, migrated = fetch_db_has_table(run.db, "fetched_files", &e);
    if (migrated < 0 || (migrated && (locked = db_try_lock(run.db, "settle.fetch", &e)) < 0)) {
        log_msg(LOG_ERROR, "fetch", NULL, "%s", e.msg);
        rc = e.code;
    } else if (!migrated) {
        log_msg(LOG_ERROR, "fetch", NULL, "the database has no fetched_files table\nHINT: run settle migrate");
        rc = EX_CONFIG;
    } else if (!locked) {
        log_msg(LOG_ERROR, "fetch", NULL, "another settle fetch is running on this database\nHINT: wait for it and re-run");
        rc = EX_TEMPFAIL;
    }
    if (rc) {
        PQfinish(run.db);
        return rc;
    }

    char failed[1024] = "";
    int n_failed = 0, worst = 0, config_failed = 0;
    for (int i = 0; i < cfg->n_sources; i++) {
        const source_cfg *s = &cfg->sources[i];
        if (only && strcmp(s->ep.name, only))
            continue;
        err_clear(&e);
        int pix = !strcmp(s->type, "pix_api");
        if ((pix ? pix_api_fetch(cfg, s, run.db, run.dry_run, &e) : fetch_source(&run, s, &e)) < 0) {
            config_failed |= pix && e.code == EX_CONFIG;
            log_msg(LOG_ERROR, "fetch", KV(KV_S("source", s->ep.name)), "%s", e.msg);
            /* our own disk (full, read-only, not ours) is not the source's
             * fault: 74 / 77 rather than "source unavailable" */
            worst = err_worst(worst, e.code == EX_IOERR || e.code == EX_NOPERM ? e.code : EX_UNAVAILABLE);
            snprintf(failed + strlen(failed), sizeof failed - strlen(failed), "%s%s", n_failed ? ", " : "",
                     s->ep.name);
            n_failed++;
        }
    }
    PQfinish(run.db);
    if (n_failed) {
        log_msg(LOG_ERROR, "fetch", KV(KV_S("sources", failed)), "%d source(s) failed: %s", n_failed, failed);
        return config_failed ? EX_CONFIG : worst;
    }
    return 0;
}
