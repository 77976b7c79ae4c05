/* sftp_xfer.c - remote files: list, stat, download (pipelined reads,
 * resumable from an offset), upload (.part, size check, rename), rename,
 * remove. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/progress.h"
#include "common/sftp_int.h"

/* The download buffer. libssh2 splits a read into 30000-byte SFTP requests
 * and keeps min(4 x the buffer space offered, 8 MB) of them in flight, so
 * the space offered is what pipelines the download: received bytes are
 * handed on in blocks of SFTP_SINK_BLOCK, and the space left stays >= 2 MB. */
#define READ_BUF (SFTP_SINK_BLOCK + (2u << 20))
#define WRITE_BUF (1u << 20)

/* ---- files ---------------------------------------------------------------- */

static void fill_entry(sftp_entry *x, const LIBSSH2_SFTP_ATTRIBUTES *a)
{
    x->size = (a->flags & LIBSSH2_SFTP_ATTR_SIZE) ? a->filesize : 0;
    x->mtime = (a->flags & LIBSSH2_SFTP_ATTR_ACMODTIME) ? (int64_t)a->mtime : 0;
    if (!(a->flags & LIBSSH2_SFTP_ATTR_PERMISSIONS))
        x->type = SFTP_OTHER;
    else if (LIBSSH2_SFTP_S_ISREG(a->permissions))
        x->type = SFTP_REGULAR;
    else if (LIBSSH2_SFTP_S_ISDIR(a->permissions))
        x->type = SFTP_DIRECTORY;
    else
        x->type = SFTP_OTHER;
}

void sftp_list_free(sftp_entry *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].name);
    free(v);
}

static void close_handle(sftp_conn *c, LIBSSH2_SFTP_HANDLE *h)
{
    int rc;
    err_t ignore;
    SSH_CALL(c, rc, "closing a remote file", &ignore, libssh2_sftp_close_handle(h));
    (void)rc;
}

int sftp_list(sftp_conn *c, const char *dir, sftp_entry **out, size_t *n, err_t *e)
{
    char step[1200];
    snprintf(step, sizeof step, "listing %s", dir);
    LIBSSH2_SFTP_HANDLE *h;
    int rc;
    SSH_PCALL(c, h, rc, step, e, libssh2_sftp_opendir(c->sftp, dir));
    if (!h)
        return rc == LIBSSH2_ERROR_EAGAIN ? -1 : sftp_ssh_fail(c, step, rc, e);
    sftp_entry *v = NULL;
    size_t cnt = 0, cap = 0;
    char name[4096];
    for (;;) {
        LIBSSH2_SFTP_ATTRIBUTES a;
        SSH_CALL(c, rc, step, e, libssh2_sftp_readdir_ex(h, name, sizeof name, NULL, 0, &a));
        if (rc == 0)
            break;
        if (rc < 0) {
            if (rc != LIBSSH2_ERROR_EAGAIN)
                sftp_ssh_fail(c, step, rc, e);
            sftp_list_free(v, cnt);
            close_handle(c, h);
            return -1;
        }
        size_t len = (size_t)rc;
        if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
            continue;
        if (cnt == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            sftp_entry *g = realloc(v, ncap * sizeof *v);
            if (!g) {
                sftp_list_free(v, cnt);
                close_handle(c, h);
                return err_fail(e, EX_SOFTWARE, "out of memory");
            }
            v = g;
            cap = ncap;
        }
        sftp_entry *x = &v[cnt];
        x->name = malloc(len + 1);
        if (!x->name) {
            sftp_list_free(v, cnt);
            close_handle(c, h);
            return err_fail(e, EX_SOFTWARE, "out of memory");
        }
        memcpy(x->name, name, len);
        x->name[len] = '\0';
        x->name_len = len;
        fill_entry(x, &a);
        cnt++;
    }
    close_handle(c, h);
    *out = v;
    *n = cnt;
    return 0;
}

int sftp_stat(sftp_conn *c, const char *path, sftp_entry *out, err_t *e)
{
    char step[1200];
    snprintf(step, sizeof step, "reading the attributes of %s", path);
    LIBSSH2_SFTP_ATTRIBUTES a;
    int rc;
    SSH_CALL(c, rc, step, e,
             libssh2_sftp_stat_ex(c->sftp, path, (unsigned)strlen(path), LIBSSH2_SFTP_STAT, &a));
    if (rc)
        return rc == LIBSSH2_ERROR_EAGAIN ? -1 : sftp_ssh_fail(c, step, rc, e);
    memset(out, 0, sizeof *out);
    fill_entry(out, &a);
    return 0;
}

static int write_all(int fd, const char *buf, size_t n)
{
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The sink of sftp_download(): write to an fd. */
static int fd_sink(void *arg, const char *buf, size_t n, err_t *e)
{
    (void)e;
    return write_all(*(const int *)arg, buf, n);
}

int sftp_download(sftp_conn *c, const char *path, int fd, uint64_t offset, uint64_t limit, uint64_t *total,
                  err_t *e)
{
    return sftp_download_to(c, path, offset, limit, total, fd_sink, &fd, e);
}

/* Hand buf[0..*fill) to the sink; *got counts what was handed over. */
static int sink_flush(sftp_sink sink, void *arg, const char *path, char *buf, size_t *fill, uint64_t *got, err_t *e)
{
    if (!*fill)
        return 0;
    if (sink(arg, buf, *fill, e) < 0) {
        if (!e->code)
            err_set(e, EX_IOERR, "cannot write the download of %s: %s", path, strerror(errno));
        return -1;
    }
    *got += *fill;
    *fill = 0;
    return 0;
}

/* The rate of a download over windows of timeout_seconds (sftp_download_to). */
typedef struct rate_window {
    long long start, ms;   /* the window's start (sftp_now_ms) and length */
    uint64_t bytes;        /* received in it */
} rate_window;

/* -1 with e set (EX_TEMPFAIL, the connection broken) when the source's
 * time budget ran out, or when the window just ended averaged less than
 * min_bytes_per_second (held: the bytes so far); 0 to go on. */
static int dl_out_of_time(sftp_conn *c, const char *step, rate_window *w, uint64_t held, err_t *e)
{
    long long now = sftp_now_ms();
    if (c->deadline_ms && now >= c->deadline_ms)
        return sftp_budget_fail(c, step, e);
    if (now - w->start < w->ms)
        return 0;
    long long rate = (long long)(w->bytes * 1000 / (uint64_t)(now - w->start));
    if (c->ep->min_bytes_per_second > 0 && rate < c->ep->min_bytes_per_second) {
        sftp_conn_break(c);
        return err_fail(e, EX_TEMPFAIL,
                        "%s too slow: %lld bytes/s over the last %llds, less than min_bytes_per_second = %lld "
                        "(%llu bytes so far, kept for resuming)",
                        step, rate, (now - w->start) / 1000, c->ep->min_bytes_per_second, (unsigned long long)held);
    }
    w->start = now;
    w->bytes = 0;
    return 0;
}

/* One read of h into buf[0..space), waiting while libssh2 would block:
 * the bytes read, 0 at the end of the file, -1 with e set. */
static ssize_t dl_read(sftp_conn *c, LIBSSH2_SFTP_HANDLE *h, char *buf, size_t space, const char *step, err_t *e)
{
    ssize_t r;
    long long dl = 0;
    /* libssh2 keeps min(4 x the space offered, 8 MB) of read requests
     * in flight: READ_BUF - SFTP_SINK_BLOCK >= 2 MB keeps it at 8 MB */
    while ((r = libssh2_sftp_read(h, buf, space)) == LIBSSH2_ERROR_EAGAIN)
        if (sftp_conn_wait(c, &dl, step, e) < 0)
            break;
    if (r >= 0)
        return r;
    if (r != LIBSSH2_ERROR_EAGAIN)
        sftp_ssh_fail(c, step, (int)r, e);
    return -1;
}

/* The terminal's progress line of a download: held of limit (0: unknown). */
static void dl_progress(const char *path, uint64_t held, uint64_t limit)
{
    if (limit)
        progress_update("fetch %s: %llu of %llu MB", path, (unsigned long long)(held >> 20),
                        (unsigned long long)(limit >> 20));
    else
        progress_update("fetch %s: %llu MB", path, (unsigned long long)(held >> 20));
}

/* Open path for reading at offset: the handle, or NULL with e set. */
static LIBSSH2_SFTP_HANDLE *dl_open(sftp_conn *c, const char *path, uint64_t offset, err_t *e)
{
    char step[1200];
    snprintf(step, sizeof step, "opening %s", path);
    LIBSSH2_SFTP_HANDLE *h;
    int rc;
    SSH_PCALL(c, h, rc, step, e,
              libssh2_sftp_open_ex(c->sftp, path, (unsigned)strlen(path), LIBSSH2_FXF_READ, 0, LIBSSH2_SFTP_OPENFILE));
    if (!h) {
        if (rc != LIBSSH2_ERROR_EAGAIN)
            sftp_ssh_fail(c, step, rc, e);
        return NULL;
    }
    if (offset)
        libssh2_sftp_seek64(h, offset);
    return h;
}

int sftp_download_to(sftp_conn *c, const char *path, uint64_t offset, uint64_t limit, uint64_t *total,
                     sftp_sink sink, void *arg, err_t *e)
{
    LIBSSH2_SFTP_HANDLE *h = dl_open(c, path, offset, e);
    if (!h)
        return -1;
    char *buf = malloc(READ_BUF);
    if (!buf) {
        close_handle(c, h);
        return err_fail(e, EX_SOFTWARE, "out of memory");
    }
    char step[1200];
    snprintf(step, sizeof step, "reading %s", path);
    uint64_t got = offset; /* handed to the sink */
    size_t fill = 0;       /* received, in buf, not yet handed over */
    int ret = 0;
    /* timeout_seconds restarts on every read, so a server trickling a few
     * bytes at a time never times out: measure the rate over windows of
     * timeout_seconds (a short read or a short stall is fine; only a
     * window's average counts) and cut a download slower than
     * min_bytes_per_second (EX_TEMPFAIL: the .part is resumed next time). */
    rate_window w = { .start = sftp_now_ms(), .ms = c->timeout_ms > 1000 ? c->timeout_ms : 1000 };
    for (;;) {
        if (dl_out_of_time(c, step, &w, got + fill, e) < 0) {
            ret = -1;
            break;
        }
        ssize_t r = dl_read(c, h, buf + fill, READ_BUF - fill, step, e);
        if (r <= 0) {
            ret = r < 0 ? -1 : 0;
            break;
        }
        if (limit && got + fill + (uint64_t)r > limit) {
            err_set(e, EX_DATAERR, "%s has more than the %llu bytes expected", path, (unsigned long long)limit);
            fill = 0; /* nothing of a file that changed is kept */
            ret = -1;
            break;
        }
        fill += (size_t)r;
        w.bytes += (uint64_t)r;
        if (fill >= SFTP_SINK_BLOCK && sink_flush(sink, arg, path, buf, &fill, &got, e) < 0) {
            ret = -1;
            break;
        }
        dl_progress(path, got + fill, limit);
    }
    /* what arrived before a failure is kept too: a resume starts after it */
    if (fill && e->code != EX_IOERR && e->code != EX_SOFTWARE) {
        err_t later = { 0 };
        if (sink_flush(sink, arg, path, buf, &fill, &got, ret ? &later : e) < 0)
            ret = -1;
    }
    progress_done();
    free(buf);
    if (total)
        *total = got;
    close_handle(c, h); /* fails at once after a network failure (conn_break) */
    return ret;
}

int sftp_rename(sftp_conn *c, const char *from, const char *to, err_t *e)
{
    char step[2400];
    snprintf(step, sizeof step, "renaming %s to %s", from, to);
    int rc;
    SSH_CALL(c, rc, step, e,
             libssh2_sftp_rename_ex(c->sftp, from, (unsigned)strlen(from), to, (unsigned)strlen(to),
                                    LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE));
    if (rc)
        return rc == LIBSSH2_ERROR_EAGAIN ? -1 : sftp_ssh_fail(c, step, rc, e);
    return 0;
}

int sftp_remove(sftp_conn *c, const char *path, err_t *e)
{
    char step[1200];
    snprintf(step, sizeof step, "removing %s", path);
    int rc;
    SSH_CALL(c, rc, step, e, libssh2_sftp_unlink_ex(c->sftp, path, (unsigned)strlen(path)));
    if (rc)
        return rc == LIBSSH2_ERROR_EAGAIN ? -1 : sftp_ssh_fail(c, step, rc, e);
    return 0;
}

int sftp_upload(sftp_conn *c, const char *local_path, const char *dir, const char *name, err_t *e)
{
    int fd = open(local_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_fail(e, EX_IOERR, "cannot open %s: %s", local_path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return err_fail(e, EX_IOERR, "cannot stat %s: %s", local_path, strerror(errno));
    }
    char final[2048], tmp[2100], step[2400];
    snprintf(final, sizeof final, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.part", final);
    snprintf(step, sizeof step, "creating %s", tmp);
    LIBSSH2_SFTP_HANDLE *h;
    int rc;
    SSH_PCALL(c, h, rc, step, e,
              libssh2_sftp_open_ex(c->sftp, tmp, (unsigned)strlen(tmp),
                                   LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC,
                                   LIBSSH2_SFTP_S_IRUSR | LIBSSH2_SFTP_S_IWUSR, LIBSSH2_SFTP_OPENFILE));
    if (!h) {
        close(fd);
        return rc == LIBSSH2_ERROR_EAGAIN ? -1 : sftp_ssh_fail(c, step, rc, e);
    }
    char *buf = malloc(WRITE_BUF);
    int ret = buf ? 0 : (err_fail(e, EX_SOFTWARE, "out of memory"));
    snprintf(step, sizeof step, "writing %s", tmp);
    while (ret == 0) {
        ssize_t n = read(fd, buf, WRITE_BUF);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err_set(e, EX_IOERR, "cannot read %s: %s", local_path, strerror(errno));
            ret = -1;
            break;
        }
        if (n == 0)
            break;
        size_t off = 0;
        while (off < (size_t)n) {
            ssize_t w;
            long long dl = 0;
            while ((w = libssh2_sftp_write(h, buf + off, (size_t)n - off)) == LIBSSH2_ERROR_EAGAIN)
                if (sftp_conn_wait(c, &dl, step, e) < 0)
                    break;
            if (w < 0) {
                if (w != LIBSSH2_ERROR_EAGAIN)
                    sftp_ssh_fail(c, step, (int)w, e);
                ret = -1;
                break;
            }
            off += (size_t)w;
        }
    }
    free(buf);
    close(fd);
    if (ret == 0) {
        LIBSSH2_SFTP_ATTRIBUTES a;
        snprintf(step, sizeof step, "checking the size of %s", tmp);
        SSH_CALL(c, rc, step, e, libssh2_sftp_fstat_ex(h, &a, 0));
        if (rc)
            ret = rc == LIBSSH2_ERROR_EAGAIN ? -1 : sftp_ssh_fail(c, step, rc, e);
        else if (!(a.flags & LIBSSH2_SFTP_ATTR_SIZE) || a.filesize != (uint64_t)st.st_size) {
            err_set(e, EX_DATAERR, "%s holds %llu bytes after upload, expected %lld", tmp,
                    (unsigned long long)a.filesize, (long long)st.st_size);
            ret = -1;
        }
    }
    close_handle(c, h); /* fails at once after a network failure (sftp_conn_break) */
    if (ret == 0)
        ret = sftp_rename(c, tmp, final, e);
    if (ret < 0 && e->code != EX_TEMPFAIL) {
        err_t ignore = { 0 };
        sftp_remove(c, tmp, &ignore);
    }
    return ret;
}
