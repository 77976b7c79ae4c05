/* ingest.c - the ingest stage (`settle ingest [FILE...]`, the run's second
 * step): load return files into settlements.
 *
 * Without arguments, every regular file under <spool>/incoming/SOURCE/ (the
 * directory name is the source; names starting with '.' or ending in .part
 * are skipped); files named on the command line have source 'local' and
 * stay where they are. Per file, in ONE transaction:
 *   - register it in return_files (source, name, size, sha256, format, bank);
 *     content already ingested is refused ("already ingested as file #N on DATE");
 *   - parse it (parsers/record.h) and COPY every record into settlements;
 *     a record whose natural key is already known (another file, or twice in
 *     this one) is not inserted again: it goes to settlement_duplicates and is
 *     counted on the file row.
 * A file that does not parse loads nothing: its return_files row says
 * 'rejected' with the parser's FILE:LINE:COL message, a spool file moves to
 * <spool>/rejected/SOURCE/ with NAME.error beside it, and the run goes on
 * (exit 65). Ingested spool files move to <spool>/archive/SOURCE/ after the
 * commit; a run that died between the commit and the move finishes the move
 * next time. Nothing in archive/ or rejected/ is ever replaced: a name
 * already there gets the file id, NAME.~ID~ (renameat2 RENAME_NOREPLACE, or
 * link + unlink).
 * Several ingest processes may run at once: each file is flock()ed while
 * handled, and the unique sha256 index decides between equal contents. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/copybuf.h"
#include "common/db.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/outfile.h"
#include "common/metrics.h"
#include "common/progress.h"
#include "common/testhook.h"
#include "ingest/db.h"
#include "ingest/ingest.h"
#include "parsers/natkey.h"
#include "parsers/record.h"


typedef struct ingest_job {
    const config *cfg;
    PGconn *db;
    const char *spool;
    int worst;
    long ingested, rejected, refused;
} ingest_job;

typedef struct one_file {
    const char *path;      /* where it is now */
    const char *source;
    const char *name;      /* base name */
    int in_spool;          /* move it afterwards */
    int from_rejected;     /* a named FILE in <spool>/rejected/: a retry */
    char display[512];     /* SOURCE/NAME, prefixes parser messages */
    char sha[SHA256_HEX_LEN + 1];
    long long size;
    long long file_id;
} one_file;

static void opt_text(copybuf *b, const char *s)
{
    copybuf_text(b, s && *s ? s : NULL);
}

/* One row of the COPY (sql/queries/ingest_copy.sql's columns); key is the
 * record's natural key. */
static void record_row(copybuf *b, const char *fid, const settle_record *r, const char *key)
{
    copybuf_text(b, fid);
    copybuf_int(b, r->line);
    copybuf_text(b, record_format_name(r->format));
    opt_text(b, r->bank);
    copybuf_text(b, record_kind_name(r->kind));
    opt_text(b, r->movement_code);
    copybuf_text(b, r->paid ? "t" : "f");
    opt_text(b, r->nosso_numero);
    opt_text(b, r->seu_numero);
    opt_text(b, r->txid);
    opt_text(b, r->end_to_end_id);
    opt_text(b, r->refund_id);
    opt_text(b, r->refund_status);
    copybuf_int(b, r->amount_face_cents);
    copybuf_int(b, r->amount_paid_cents);
    copybuf_int(b, r->amount_credited_cents);
    copybuf_int(b, r->interest_cents);
    copybuf_int(b, r->discount_cents);
    copybuf_int(b, r->rebate_cents);
    copybuf_int(b, r->fee_cents);
    copybuf_int(b, r->iof_cents);
    copybuf_date(b, r->occurred_on.y, r->occurred_on.m, r->occurred_on.d);
    copybuf_date(b, r->credited_on.y, r->credited_on.m, r->credited_on.d);
    copybuf_date(b, r->due_on.y, r->due_on.m, r->due_on.d);
    if (r->settled_at) {
        time_t t = (time_t)r->settled_at;
        struct tm tm;
        char ts[40];
        gmtime_r(&t, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S+00", &tm);
        copybuf_text(b, ts);
    } else {
        copybuf_null(b);
    }
    opt_text(b, r->payer_doc);
    opt_text(b, r->payer_name);
    opt_text(b, r->message);
    copybuf_text(b, key);
    copybuf_int(b, r->other_credits_cents);
    opt_text(b, r->refund_nature);
    /* card acquirer records (Cielo, Rede); NULL for the others */
    opt_text(b, r->card_merchant);
    opt_text(b, r->card_tid);
    opt_text(b, r->card_nsu);
    opt_text(b, r->card_authorization);
    opt_text(b, r->card_brand);
    opt_text(b, r->order_reference);
    opt_text(b, r->acquirer_key);
    opt_text(b, r->adjustment);
    int card = r->kind == KIND_CARD_SALE || r->kind == KIND_CARD_SETTLEMENT || r->kind == KIND_CARD_ADJUSTMENT;
    if (card) {
        copybuf_int(b, r->installment);
        copybuf_int(b, r->installments);
    } else {
        copybuf_null(b);
        copybuf_null(b);
    }
    copybuf_end_row(b);
}

/* The reader's warnings (a money record that does not add up, a record
 * without money that disagrees with itself): the first few are logged with
 * FILE:LINE:COL, all are counted on the file (return_files.warnings). */
#define WARNINGS_LOGGED 20
typedef struct warn_ctx {
    const one_file *f;
    long seen;
} warn_ctx;

static void on_warning(void *arg, long line, const char *msg)
{
    warn_ctx *w = arg;
    if (++w->seen > WARNINGS_LOGGED)
        return;
    log_msg(LOG_WARN, "ingest", KV(KV_S("file", w->f->display), KV_I("line", line)), "%s", msg);
}

/* Records a file repeats (the same Pix end-to-end id twice in one file),
 * found while parsing: not copied, so that the fast COPY path holds; they
 * become settlement_duplicates of the first copy after the COPY. Kept as the
 * text of three PostgreSQL arrays (record place, line, natural key). */
typedef struct repeats {
    char *buf[3];
    size_t len[3], cap[3];
    long n;
    int oom;
} repeats;

static void rep_put(repeats *rp, int k, const char *v)
{
    size_t need = strlen(v) * 2 + 8; /* every character escaped, quotes, comma, '}' and NUL */
    if (!rp->buf[k] || rp->len[k] + need > rp->cap[k]) {
        size_t cap = rp->cap[k] ? rp->cap[k] * 2 : 4096;
        while (cap < rp->len[k] + need)
            cap *= 2;
        char *g = realloc(rp->buf[k], cap);
        if (!g) {
            rp->oom = 1;
            return;
        }
        rp->buf[k] = g;
        rp->cap[k] = cap;
    }
    char *o = rp->buf[k] + rp->len[k];
    *o++ = rp->n ? ',' : '{';
    *o++ = '"';
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            *o++ = '\\';
        *o++ = *v;
    }
    *o++ = '"';
    rp->len[k] = (size_t)(o - rp->buf[k]);
    memcpy(o, "}", 2); /* closed after each element; the next one overwrites the brace */
}

static void rep_add(repeats *rp, long ord, long line, const char *key)
{
    char a[24], b[24];
    snprintf(a, sizeof a, "%ld", ord);
    snprintf(b, sizeof b, "%ld", line);
    rep_put(rp, 0, a);
    rep_put(rp, 1, b);
    rep_put(rp, 2, key);
    rp->n++;
}

static void rep_free(repeats *rp)
{
    for (int k = 0; k < 3; k++)
        free(rp->buf[k]);
    memset(rp, 0, sizeof *rp);
}

/* The reader's options for f: its source's format, bank and profile, the
 * configured bounds, and its warnings to w. */
static void copy_opts(const ingest_job *j, const one_file *f, warn_ctx *w, parse_opts *opts)
{
    *opts = (parse_opts){ .max_decompressed_bytes = j->cfg->max_decompressed_bytes,
                          .max_empty_lines = j->cfg->max_empty_lines };
    const source_cfg *src = config_source(j->cfg, f->source);
    if (src) {
        opts->format = record_format_from_name(src->format);
        opts->bank = src->bank;
        opts->profile = src->profile ? config_profile(j->cfg, src->profile) : NULL;
    }
    opts->warn = on_warning;
    opts->warn_arg = w;
}

/* Read every record of p into b as rows of file fid, numbered in occ; with
 * rp, a record the file repeats (counted in seen) is held back in rp
 * instead. *n: the records read. The last parser_next() result: 0 at the
 * end, 1 when b failed, -1 with pe set (*oom: out of memory numbering). */
static int copy_parsed(parser *p, const one_file *f, const char *fid, copybuf *b, natkey_occ *occ, natkey_occ *seen,
                       repeats *rp, long *n, err_t *pe, int *oom)
{
    settle_record r;
    int got;
    long nr = 0;
    progress_task pt;
    progress_begin(&pt, "ingest", f->display, "records", 0);
    char key[NATKEY_MAX];
    while ((got = parser_next(p, &r, pe)) == 1) {
        if (!natkey_build_in_file(occ, &r, key, sizeof key)) {
            got = -1;
            *oom = 1;
            err_set(pe, EX_SOFTWARE, "out of memory numbering the records of %s", f->display);
            break;
        }
        nr++;
        if (rp && r.kind != KIND_BOLETO) { /* a CNAB repeat has its own key already (KEY#2) */
            long before = natkey_occ_add(seen, key);
            if (before > 0)
                rep_add(rp, nr, r.line, key);
            if (before < 0 || rp->oom) {
                got = -1;
                *oom = 1;
                err_set(pe, EX_SOFTWARE, "out of memory numbering the records of %s", f->display);
                break;
            }
            if (before > 0)
                continue;
        }
        record_row(b, fid, &r, key);
        if (b->failed)
            break;
        progress_tick(&pt, 1);
    }
    progress_end(&pt);
    *n = nr;
    return got;
}

/* End the COPY after reading f into b (rc -1: the reader failed with pe,
 * oom when numbering ran out of memory): abort it when reading or copying
 * failed, the reader's error classified (EX_DATAERR for what is in the
 * file), else flush and end it. n, or -1 with e set. */
static long copy_end(ingest_job *j, const one_file *f, copybuf *b, int rc, int oom, err_t *pe, long n, err_t *e)
{
    if (!rc && b->failed) {
        *e = b->err;
        copybuf_free(b);
        copybuf_end(j->db, "aborted", e);
        return -1;
    }
    if (rc) {
        if (!pe->code)
            err_set(pe, EX_DATAERR, "%s: cannot be read", f->display);
        /* The file is rejected (set aside) only for what is in it: a reader
         * that ran out of memory or could not read the local file leaves it
         * waiting for the next run (faults_alloc_stages.sh). */
        if (pe->code != EX_DATAERR && !oom && pe->code != EX_SOFTWARE && pe->code != EX_IOERR)
            pe->code = EX_DATAERR;
        *e = *pe;
        copybuf_free(b);
        err_t ignore = { 0 };
        copybuf_end(j->db, "file does not parse", &ignore);
        return -1;
    }
    if (copybuf_flush(b)) {
        *e = b->err;
        copybuf_free(b);
        err_t ignore = { 0 };
        copybuf_end(j->db, "aborted", &ignore);
        return -1;
    }
    copybuf_free(b);
    testhook("ingest:copied");
    if (copybuf_end(j->db, NULL, e) < 0)
        return -1;
    return n;
}

/* Parse f and COPY its records into table (already in COPY IN state).
 * rp: the fast path, where a record repeated in the file is held back in rp
 * instead of copied (NULL: copy every record).
 * Returns records copied (>= 0); -1 with e set: e->code EX_DATAERR for a
 * file that does not parse, anything else for the database. */
static long copy_records(ingest_job *j, one_file *f, const char *fid, file_info *info, repeats *rp, err_t *e)
{
    parse_opts opts;
    warn_ctx w = { .f = f };
    copy_opts(j, f, &w, &opts);
    copybuf b;
    natkey_occ occ, seen;
    int inited = !natkey_occ_init(&occ) + !natkey_occ_init(&seen);
    if (inited < 2 || copybuf_init(&b, j->db, NULL)) {
        natkey_occ_free(&occ);
        natkey_occ_free(&seen);
        err_t ignore = { 0 };
        copybuf_end(j->db, "out of memory", &ignore); /* leave the COPY the caller started */
        return err_fail(e, EX_SOFTWARE, "out of memory");
    }
    err_t pe = { 0 };
    long n = 0;
    int rc = 0, oom = 0;
    parser *p = parser_open(f->path, f->display, &opts, &pe);
    if (!p) {
        rc = -1;
    } else {
        if (copy_parsed(p, f, fid, &b, &occ, &seen, rp, &n, &pe, &oom) < 0)
            rc = -1;
        *info = *parser_info(p);
        parser_close(p);
        if (w.seen > WARNINGS_LOGGED)
            log_msg(LOG_WARN, "ingest", KV(KV_S("file", f->display), KV_I("warnings", w.seen)),
                    "%ld more warnings not logged (all are counted on the file)", w.seen - WARNINGS_LOGGED);
    }
    natkey_occ_free(&occ);
    natkey_occ_free(&seen);
    return copy_end(j, f, &b, rc, oom, &pe, n, e);
}

static int is_unique_violation(const err_t *e)
{
    return strstr(e->msg, "settlements_natural_key") != NULL;
}

static void rollback(PGconn *db)
{
    PQclear(PQexec(db, "ROLLBACK"));
}

/* Rename from to to unless to exists: renameat2(RENAME_NOREPLACE), or
 * link() + unlink() on a file system without it. 0, or -1 with errno
 * (EEXIST: to is there and was left alone). */
static int rename_noreplace(const char *from, const char *to)
{
#ifdef RENAME_NOREPLACE
    if (!renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE))
        return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        return -1;
#endif
    if (link(from, to))
        return -1;
    if (unlink(from)) {
        int saved = errno;
        unlink(to);
        errno = saved;
        return -1;
    }
    return 0;
}

/* Move path into dir (mkdir -p) without ever replacing a file there: as
 * NAME, else NAME.~FILEID~ (file_id > 0), else NAME.~FILEID~-N / NAME-N.
 * The name used goes to placed. 0, or -1 with e set. */
static int place_file(const char *path, const char *dir, const char *name, long long file_id, char *placed,
                      size_t n, err_t *e)
{
    (void)outfile_mkdirs(dir, NULL); /* a failure shows in the move that follows */
    char to[4400];
    for (int k = 0; k < 1000; k++) {
        if (k == 0)
            snprintf(placed, n, "%s", name);
        else if (file_id > 0)
            snprintf(placed, n, k == 1 ? "%s.~%lld~" : "%s.~%lld~-%d", name, file_id, k - 1);
        else
            snprintf(placed, n, "%s-%d", name, k);
        snprintf(to, sizeof to, "%s/%s", dir, placed);
        if (!rename_noreplace(path, to))
            return 0;
        if (errno != EEXIST)
            return err_fail(e, err_local_write(errno), "cannot move %s to %s: %s", path, to, strerror(errno));
    }
    return err_fail(e, EX_SOFTWARE, "cannot move %s into %s: 1000 files of that name already there", path, dir);
}

/* Write msg and a newline to path, checking every step (a full disk must
 * not leave an empty file that looks like an answer). 0, or -1 with e set
 * and path removed. */
static int write_text_file(const char *path, const char *msg, err_t *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_fail(e, err_local_write(errno), "cannot create %s: %s", path, strerror(errno));
    size_t len = strlen(msg);
    int err = 0;
    for (size_t off = 0; off <= len && !err;) {
        const char *b = off < len ? msg + off : "\n";
        size_t want = off < len ? len - off : 1;
        ssize_t w = write(fd, b, want);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            err = w < 0 ? errno : ENOSPC;
        else
            off += (size_t)w;
    }
    if (!err && fsync(fd))
        err = errno;
    if (close(fd) && !err)
        err = errno;
    if (err) {
        unlink(path);
        return err_fail(e, err_local_write(err), "cannot write %s: %s", path, strerror(err));
    }
    return 0;
}

/* A spool file that was refused goes to rejected/SOURCE/ with NAME.error
 * beside it, never replacing a file there (a name taken: NAME.~FILEID~).
 * The .error is written first, under a temporary name: when it cannot be
 * written (disk full) the file stays in incoming/, to be parsed again by
 * the next run. 0, or an exit code (74/77) with the reason logged. */
static int move_rejected(ingest_job *j, one_file *f, const char *msg)
{
    if (f->from_rejected) {
        /* a retry that failed again: it stays where it is, its .error says why now */
        char err_path[4200];
        snprintf(err_path, sizeof err_path, "%s.error", f->path);
        err_t e = { 0 };
        if (write_text_file(err_path, msg, &e)) {
            log_msg(LOG_ERROR, "ingest", KV(KV_S("file", f->display)), "%s", e.msg);
            return e.code;
        }
        return 0;
    }
    if (!f->in_spool)
        return 0;
    char dir[4096], tmp[4400], placed[1024], err_path[8200], to[8200];
    snprintf(dir, sizeof dir, "%s/rejected/%s", j->spool, f->source);
    (void)outfile_mkdirs(dir, NULL); /* a failure shows in the move that follows */
    /* The name the file will take (NAME, or NAME.~ID~ when taken), and its
     * .error there FIRST: a kill before the file moves leaves it in
     * incoming/ and the next run finishes the move (known_content), writing
     * the same .error again; a kill after leaves both. The other order
     * could leave a rejected file without its .error. */
    placed[0] = '\0';
    for (int k = 0; k < 1000 && !placed[0]; k++) {
        char cand[1024];
        if (k == 0)
            snprintf(cand, sizeof cand, "%s", f->name);
        else if (f->file_id > 0)
            snprintf(cand, sizeof cand, k == 1 ? "%s.~%lld~" : "%s.~%lld~-%d", f->name, f->file_id, k - 1);
        else
            snprintf(cand, sizeof cand, "%s-%d", f->name, k);
        snprintf(to, sizeof to, "%s/%s", dir, cand);
        if (access(to, F_OK))
            snprintf(placed, sizeof placed, "%s", cand);
    }
    err_t e = { 0 };
    if (!placed[0]) {
        log_msg(LOG_ERROR, "ingest", KV(KV_S("file", f->display)), "cannot move it into %s: 1000 files of that name "
                "already there", dir);
        return EX_SOFTWARE;
    }
    snprintf(tmp, sizeof tmp, "%s/.%s.error.%d", dir, f->name, (int)getpid());
    snprintf(err_path, sizeof err_path, "%s/%s.error", dir, placed);
    if (write_text_file(tmp, msg, &e) || (rename(tmp, err_path) && (err_set(&e, err_local_write(errno),
                                                                        "cannot write %s: %s", err_path,
                                                                        strerror(errno)), 1))) {
        unlink(tmp);
        log_msg(LOG_ERROR, "ingest", KV(KV_S("file", f->display)), "%s\nHINT: the file stays in incoming/; free space and re-run",
                e.msg);
        return e.code;
    }
    snprintf(to, sizeof to, "%s/%s", dir, placed);
    if (rename_noreplace(f->path, to)) {
        int err = errno;
        unlink(err_path);
        log_msg(LOG_ERROR, "ingest", KV(KV_S("file", f->display)), "cannot move %s to %s: %s", f->path, to,
                strerror(err));
        return err == EEXIST ? EX_SOFTWARE : err_local_write(err);
    }
    return 0;
}

/* Temporary .error files (.NAME.error.PID) a killed ingest left in
 * rejected/SOURCE/: removed when their process is gone. */
static void clean_stale_error_tmp(const char *spool)
{
    char root[4096];
    snprintf(root, sizeof root, "%s/rejected", spool);
    DIR *r = opendir(root);
    if (!r)
        return;
    struct dirent *s;
    while ((s = readdir(r))) {
        if (s->d_name[0] == '.')
            continue;
        char dir[4400];
        snprintf(dir, sizeof dir, "%s/%s", root, s->d_name);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *x;
        while ((x = readdir(d))) {
            const char *n = x->d_name, *dot = strrchr(n, '.');
            if (n[0] != '.' || !dot || dot - n < 7 || strncmp(dot - 6, ".error", 6) || !dot[1])
                continue;
            char *end;
            long pid = strtol(dot + 1, &end, 10);
            if (*end || pid <= 0 || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
                continue;
            char path[4800];
            snprintf(path, sizeof path, "%s/%s", dir, n);
            unlink(path);
        }
        closedir(d);
    }
    closedir(r);
}

/* An ingested spool file goes to archive/SOURCE/, never replacing a file
 * there: a bank that reuses a daily name gets NAME.~FILEID~. */
static int move_archived(ingest_job *j, one_file *f)
{
    if (f->from_rejected) {
        /* a retried rejected file that loaded: to the archive, .error gone */
        char dir[4096], placed[1024], err_path[4200];
        snprintf(dir, sizeof dir, "%s/archive/%s", j->spool, f->source);
        snprintf(err_path, sizeof err_path, "%s.error", f->path);
        err_t e = { 0 };
        if (place_file(f->path, dir, f->name, f->file_id, placed, sizeof placed, &e)) {
            log_msg(LOG_ERROR, "ingest", KV(KV_S("file", f->display)), "%s", e.msg);
            return e.code;
        }
        unlink(err_path);
        log_msg(LOG_INFO, "ingest", KV(KV_S("file", f->display), KV_S("archived", placed)),
                "retried rejected file ingested; moved to archive/%s/", f->source);
        return 0;
    }
    if (!f->in_spool)
        return 0;
    char dir[4096], placed[1024];
    snprintf(dir, sizeof dir, "%s/archive/%s", j->spool, f->source);
    err_t e = { 0 };
    if (place_file(f->path, dir, f->name, f->file_id, placed, sizeof placed, &e)) {
        log_msg(LOG_ERROR, "ingest", KV(KV_S("file", f->display)), "%s", e.msg);
        return e.code;
    }
    return 0;
}

/* Record a rejection (its own committed transaction) and move the file.
 * The same file (source, name, content) rejected before, and now parsed
 * again (moved back into incoming/ to retry, or a run that died before
 * the move), updates that row instead of adding one. */
static int reject(ingest_job *j, one_file *f, const char *msg)
{
    char size[24];
    snprintf(size, sizeof size, "%lld", f->size);
    err_t e = { 0 };
    if (ingdb_reject(j->db, f->source, f->name, size, f->sha, msg, &f->file_id, &e)) {
        log_msg(LOG_ERROR, "ingest", KV(KV_S("file", f->display)), "%s", e.msg);
        return e.code;
    }
    testhook("ingest:rejected-committed");
    int moved = move_rejected(j, f, msg);
    log_msg(LOG_ERROR, "ingest", KV(KV_S("file", f->display)), "rejected: %s", msg);
    j->rejected++;
    metrics_add(NULL, NULL, "FilesRejected", 1);
    return moved ? err_worst(EX_DATAERR, moved) : EX_DATAERR;
}

/* What the database already knows about this content. Returns 1 when the
 * file has been dealt with (*rc set: an interrupted run finished, or the
 * content refused), 0 to go on and ingest it.
 *   - ingested before under this source and name, file still in incoming/:
 *     a run died between its commit and the move; archive it now;
 *   - ingested before under another name: refused, "already ingested as file
 *     #N on DATE".
 * Content rejected before is parsed again: it may be a retry after a fix
 * (moved back into incoming/SOURCE/, or `settle ingest --source`), or a run
 * that died between recording the rejection and the move, which the parse
 * rejects again. */
static int known_content(ingest_job *j, one_file *f, int *rc)
{
    err_t e = { 0 };
    PGresult *r = ingdb_known_content(j->db, f->sha, f->source, f->name, &e);
    if (!r) {
        log_msg(LOG_ERROR, "ingest", KV(KV_S("file", f->display)), "%s", e.msg);
        *rc = e.code;
        return 1;
    }
    int ingested = PQntuples(r) ? 0 : -1;
    int done = 1;
    if (ingested >= 0 && f->in_spool && PQgetvalue(r, ingested, 2)[0] == 't') {
        f->file_id = atoll(PQgetvalue(r, ingested, 0));
        *rc = move_archived(j, f);
        log_msg(LOG_INFO, "ingest", KV(KV_S("file", f->display), KV_S("file_id", PQgetvalue(r, ingested, 0))),
                "already ingested by an interrupted run; archived");
    } else if (ingested >= 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s: already ingested as file #%s on %s", f->display, PQgetvalue(r, ingested, 0),
                 PQgetvalue(r, ingested, 3));
        PQclear(r);
        j->refused++;
        *rc = reject(j, f, msg);
        return 1;
    } else {
        done = 0;
    }
    PQclear(r);
    return done;
}

/* A spool file modified less than [ingest] min_age_seconds ago may still
 * be being written by whoever drops files there (the atomic way is NAME.part
 * then rename, which list_dir never reads): skip it until the next run.
 * Files settle fetch placed are complete (.part, fsync, rename), so one the
 * fetch registry knows by source, name and content is never held back.
 * An mtime more than five minutes in the future cannot mean "being
 * written": it is ingested, with a warning. 1 to skip the file. */
static int too_young(ingest_job *j, one_file *f, const struct stat *st)
{
    long long min_age = j->cfg->ingest_min_age_seconds;
    if (!f->in_spool || min_age <= 0)
        return 0;
    long long age = (long long)(clock_wall_ms() / 1000) - (long long)st->st_mtime;
    if (age >= min_age)
        return 0;
    if (age < -300) {
        log_msg(LOG_WARN, "ingest", KV(KV_S("file", f->display), KV_I("age_s", age)),
                "modification time is in the future; ingested anyway");
        return 0;
    }
    err_t e = { 0 };
    int fetched = ingdb_fetched(j->db, f->source, f->name, f->sha, &e);
    if (fetched < 0)
        log_msg(LOG_WARN, "ingest", KV(KV_S("file", f->display)), "cannot read the fetch registry: %s", e.msg);
    if (fetched > 0)
        return 0;
    log_msg(LOG_INFO, "ingest", KV(KV_S("file", f->display), KV_I("age_s", age), KV_I("min_age_s", min_age)),
            "modified %llds ago, less than [ingest] min_age_seconds: may still be being written; skipped until the next run",
            age);
    metrics_add(NULL, NULL, "FilesTooYoung", 1);
    return 1;
}

/* Open f, take its lock, hash it and ask whether it is to be ingested now
 * (too_young, known_content). The locked descriptor, or -1 with *rc the
 * exit code (0: skipped, or already dealt with). */
static int claim_file(ingest_job *j, one_file *f, int *rc)
{
    *rc = 0;
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) /* another process took it */
            return -1;
        log_msg(LOG_ERROR, "ingest", KV(KV_S("file", f->display)), "cannot open %s: %s", f->path, strerror(errno));
        *rc = EX_DATAERR;
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB)) {
        close(fd);
        log_msg(LOG_INFO, "ingest", KV(KV_S("file", f->display)), "another process is ingesting it; skipped");
        return -1;
    }
    struct stat st;
    /* still there after we got the lock (the holder may have moved it)? */
    if (fstat(fd, &st) || access(f->path, F_OK)) {
        close(fd);
        return -1;
    }
    f->size = (long long)st.st_size;
    err_t e = { 0 };
    if (sha256_file_hex(f->path, f->sha, &e)) {
        log_msg(LOG_ERROR, "ingest", KV(KV_S("file", f->display)), "%s", e.msg);
        close(fd);
        *rc = e.code;
        return -1;
    }
    if (too_young(j, f, &st) || known_content(j, f, rc)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Log the first duplicates a load found (line, natural key, the row kept). */
static void log_duplicates(const one_file *f, const PGresult *dup)
{
    for (int i = 0; i < PQntuples(dup) && i < 20; i++)
        log_msg(LOG_WARN, "ingest",
                KV(KV_S("file", f->display), KV_S("line", PQgetvalue(dup, i, 0)),
                   KV_S("natural_key", PQgetvalue(dup, i, 1)), KV_S("kept", PQgetvalue(dup, i, 2))),
                "duplicate record: already loaded; not loaded again");
}

/* Load f's records as file fid in the open transaction. Fast path: COPY
 * straight into settlements; a record the file repeats (found while
 * parsing) is held back and recorded as a duplicate after. A natural key
 * known from another file makes the COPY fail; then stage the records and
 * insert only the new ones (*staged). The records read, with *dups the
 * duplicates; -1 with e set (EX_DATAERR: the file does not parse). */
static long load_records(ingest_job *j, one_file *f, const char *fid, file_info *info, long *dups, int *staged,
                         err_t *e)
{
    long n = -1;
    repeats rp = { 0 };
    PGresult *dup = NULL;
    if (!db_exec(j->db, "SAVEPOINT fast", e) && !ingdb_start_copy(j->db, 0, e))
        n = copy_records(j, f, fid, info, &rp, e);
    if (n >= 0 && rp.n) {
        if (!(dup = ingdb_repeats(j->db, fid, rp.buf[0], rp.buf[1], rp.buf[2], e)))
            n = -1;
        else if (PQntuples(dup) != rp.n)
            n = -1, err_set(e, EX_SOFTWARE, "%s: %ld repeated records, %d recorded as duplicates", f->display, rp.n,
                            PQntuples(dup));
    }
    rep_free(&rp);
    if (n < 0 && e->code != EX_DATAERR && is_unique_violation(e)) {
        *staged = 1;
        err_clear(e);
        n = -1;
        if (!db_exec(j->db, "ROLLBACK TO SAVEPOINT fast", e) && !ingdb_start_copy(j->db, 1, e))
            n = copy_records(j, f, fid, info, NULL, e);
        if (n >= 0 && !(dup = ingdb_stage_apply(j->db, e)))
            n = -1;
    }
    if (dup) {
        *dups = PQntuples(dup);
        log_duplicates(f, dup);
        PQclear(dup);
    }
    return n;
}

/* Record what the load found on file fid's row (records, duplicates, the
 * reader's counts and trailer) and commit the file's transaction. 0, or
 * -1 with e set. */
static int finish_file(ingest_job *j, const char *fid, long n, long dups, const file_info *info, err_t *e)
{
    char recs[24], dupstr[24], gen[16] = "";
    snprintf(recs, sizeof recs, "%ld", n);
    snprintf(dupstr, sizeof dupstr, "%ld", dups);
    if (info->generated_on.y)
        snprintf(gen, sizeof gen, "%04d-%02d-%02d", info->generated_on.y, info->generated_on.m, info->generated_on.d);
    char warns[24], mism[24], skipped[24];
    snprintf(warns, sizeof warns, "%ld", info->warnings);
    snprintf(mism, sizeof mism, "%ld", info->xcheck_mismatches);
    snprintf(skipped, sizeof skipped, "%ld", info->skipped);
    char ttitles[24], tcents[24];
    snprintf(ttitles, sizeof ttitles, "%ld", info->trailer_titles);
    snprintf(tcents, sizeof tcents, "%lld", (long long)info->trailer_cents);
    const char *u[] = { fid,  info->format ? record_format_name(info->format) : NULL,
                        info->bank[0] ? info->bank : NULL, gen[0] ? gen : NULL, recs, dupstr, warns, mism, skipped,
                        info->trailer_batches ? ttitles : NULL, info->trailer_batches ? tcents : NULL };
    if (ingdb_file_done(j->db, u, e))
        return -1;
    testhook("ingest:before-commit");
    if (db_exec(j->db, "RELEASE SAVEPOINT fast; COMMIT", e))
        return -1;
    return 0;
}

/* Count and log an ingested file: its metrics, one info line, and the
 * warnings finance or the operator should read. */
static void log_ingested(ingest_job *j, const one_file *f, long n, long dups, const file_info *info, int staged)
{
    j->ingested++;
    metrics_add(NULL, NULL, "FilesIngested", 1);
    metrics_add(NULL, NULL, "RecordsParsed", n);
    metrics_add(NULL, NULL, "DuplicateRecords", dups);
    metrics_add(NULL, NULL, "ParseWarnings", info->warnings);
    metrics_add(NULL, NULL, "MoneyMismatches", info->xcheck_mismatches);
    log_msg(LOG_INFO, "ingest",
            KV(KV_S("file", f->display), KV_I("file_id", f->file_id),
               KV_S("format", info->format ? record_format_name(info->format) : NULL),
               KV_S("bank", info->bank[0] ? info->bank : NULL), KV_I("records", n), KV_I("duplicates", dups),
               KV_I("warnings", info->warnings), KV_I("money_mismatches", info->xcheck_mismatches),
               KV_S("path", staged ? "staged" : "direct")),
            "ingested file");
    if (info->xcheck_mismatches)
        log_msg(LOG_WARN, "ingest", KV(KV_S("file", f->display), KV_I("money_mismatches", info->xcheck_mismatches)),
                "money records whose parts do not add up as the bank defines them were read as sent; "
                "check the bank's layout (docs/formats/cnab.md)");
    if (dups)
        log_msg(LOG_WARN, "ingest", KV(KV_S("file", f->display), KV_I("duplicates", dups)),
                "records already loaded from another file were counted, not loaded again");
}

/* Ingest one file in one transaction (the file comment); its exit code. */
static int ingest_one(ingest_job *j, one_file *f)
{
    int rc = 0;
    int fd = claim_file(j, f, &rc);
    if (fd < 0)
        return rc;

    err_t e = { 0 };
    char size[24], fid[24];
    snprintf(size, sizeof size, "%lld", f->size);
    if (db_exec(j->db, "BEGIN", &e) || ingdb_register(j->db, f->source, f->name, size, f->sha, fid, sizeof fid, &e)) {
        rollback(j->db);
        close(fd);
        if (strstr(e.msg, "return_files_content")) {
            /* another process committed the same content meanwhile */
            known_content(j, f, &rc);
            return rc;
        }
        log_msg(LOG_ERROR, "ingest", KV(KV_S("file", f->display)), "%s", e.msg);
        return e.code;
    }
    f->file_id = atoll(fid);

    file_info info = { 0 };
    long dups = 0;
    int staged = 0;
    long n = load_records(j, f, fid, &info, &dups, &staged, &e);
    if (n < 0) {
        rollback(j->db);
        close(fd);
        if (e.code == EX_DATAERR)
            return reject(j, f, e.msg);
        log_msg(LOG_ERROR, "ingest", KV(KV_S("file", f->display)), "%s", e.msg);
        return e.code ? e.code : EX_SOFTWARE;
    }
    if (finish_file(j, fid, n, dups, &info, &e)) {
        rollback(j->db);
        close(fd);
        log_msg(LOG_ERROR, "ingest", KV(KV_S("file", f->display)), "%s", e.msg);
        return e.code;
    }
    testhook("ingest:committed");
    int moved = move_archived(j, f);
    /* A big file changes the table's size by a lot: refresh the planner's
     * statistics now, before reconcile plans its joins on them; only for the
     * columns something filters or joins on (0.21 s instead of 0.34-0.54 s
     * for the 480,000-record benchmark file; autovacuum does the rest). */
    if (n >= 10000 && ingdb_analyze(j->db, &e))
        log_msg(LOG_WARN, "ingest", KV(KV_S("file", f->display)), "%s", e.msg);
    close(fd);
    log_ingested(j, f, n, dups, &info, staged);
    return moved;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Sorted names of regular entries (or directories, want_dirs) in dir worth
 * ingesting, into *out (caller frees each and the vector). 0 with the whole
 * listing (none when dir does not exist), -1 with e set when dir cannot be
 * read or memory runs out: never a partial listing, so no file is left out
 * of a night without a word. */
static int list_dir(const char *dir, int want_dirs, char ***out, int *n_out, err_t *e)
{
    *out = NULL;
    *n_out = 0;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : err_fail(e, EX_IOERR, "cannot read %s: %s", dir, strerror(errno));
    char **v = NULL;
    int n = 0, rc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *nm = de->d_name;
        size_t len = strlen(nm);
        if (nm[0] == '.' || (len >= 5 && !strcmp(nm + len - 5, ".part")))
            continue;
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, nm);
        if (stat(path, &st) || (want_dirs ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
            continue;
        char **g = realloc(v, (size_t)(n + 1) * sizeof *v);
        char *name = g ? strdup(nm) : NULL;
        if (g)
            v = g;
        if (!name) {
            rc = -1;
            err_set(e, EX_SOFTWARE, "out of memory listing %s", dir);
            break;
        }
        v[n++] = name;
    }
    closedir(d);
    if (rc) {
        free_names(v, n);
        return -1;
    }
    if (n > 1)
        qsort(v, (size_t)n, sizeof *v, by_name);
    *out = v;
    *n_out = n;
    return 0;
}

/* Is path a file under <spool>/rejected/ (a retry of a rejected file)? */
static int in_rejected(const char *spool, const char *path)
{
    char dir[4096], *rs = NULL, *rp = realpath(path, NULL);
    snprintf(dir, sizeof dir, "%s/rejected", spool);
    rs = realpath(dir, NULL);
    size_t n = rs ? strlen(rs) : 0;
    int yes = rp && rs && !strncmp(rp, rs, n) && rp[n] == '/';
    free(rp);
    free(rs);
    return yes;
}

int ingest_run(const config *cfg, const ingest_opts *opts)
{
    const char *source = opts && opts->source ? opts->source : "local";
    int nfiles = opts ? opts->n_files : 0;
    ingest_job j = { .cfg = cfg, .spool = cfg->spool_dir };
    clean_stale_error_tmp(j.spool);
    err_t e = { 0 };
    j.db = db_connect(cfg, &e);
    if (!j.db) {
        log_msg(LOG_ERROR, "ingest", NULL, "%s", e.msg);
        return e.code;
    }
    if (nfiles > 0) {
        for (int i = 0; i < nfiles; i++) {
            const char *path = opts->files[i];
            one_file f = { .path = path, .source = source, .in_spool = 0 };
            const char *slash = strrchr(path, '/');
            f.name = slash ? slash + 1 : path;
            f.from_rejected = in_rejected(j.spool, path);
            snprintf(f.display, sizeof f.display, "%s", path);
            j.worst = err_worst(j.worst, ingest_one(&j, &f));
        }
    } else {
        char incoming[4096];
        snprintf(incoming, sizeof incoming, "%s/incoming", j.spool);
        int ns = 0;
        char **sources = NULL;
        err_t le = { 0 };
        if (list_dir(incoming, 1, &sources, &ns, &le)) {
            log_msg(LOG_ERROR, "ingest", NULL, "%s", le.msg);
            j.worst = err_worst(j.worst, le.code);
        }
        for (int s = 0; s < ns; s++) {
            char dir[4096];
            snprintf(dir, sizeof dir, "%s/%s", incoming, sources[s]);
            int nf = 0;
            char **files = NULL;
            if (list_dir(dir, 0, &files, &nf, &le)) {
                log_msg(LOG_ERROR, "ingest", KV(KV_S("source", sources[s])), "%s", le.msg);
                j.worst = err_worst(j.worst, le.code);
            }
            for (int i = 0; i < nf; i++) {
                char path[8192];
                snprintf(path, sizeof path, "%s/%s", dir, files[i]);
                one_file f = { .path = path, .source = sources[s], .name = files[i], .in_spool = 1 };
                snprintf(f.display, sizeof f.display, "%s/%s", sources[s], files[i]);
                j.worst = err_worst(j.worst, ingest_one(&j, &f));
            }
            free_names(files, nf);
        }
        free_names(sources, ns);
    }
    PQfinish(j.db);
    log_msg(LOG_INFO, "ingest", KV(KV_I("ingested", j.ingested), KV_I("rejected", j.rejected)), "done");
    return j.worst;
}
