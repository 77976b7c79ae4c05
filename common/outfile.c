/* outfile.c - deterministic gzip and durable, atomic file publication. */
#include "common/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Set e and return -1: the contract of this file's fallible functions. */

int outfile_gzip(const void *in, size_t len, unsigned char **out, size_t *out_len, err_t *e)
{
    return outfile_gzip_level(in, len, 9, out, out_len, e);
}

/* (Re)start g's stream for one member at level: a fresh deflateInit2 the
 * first time or when the level changes, else deflateReset (the same state
 * as a fresh init, without its allocations). */
static int gz_start(outfile_gz *g, int level, err_t *e)
{
    if (g->ready && g->level != level) {
        deflateEnd(&g->z);
        g->ready = 0;
    }
    if (!g->ready) {
        memset(&g->z, 0, sizeof g->z);
        /* windowBits 15 + 16: a gzip wrapper; memLevel 8 is zlib's default. */
        if (deflateInit2(&g->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return err_fail(e, EX_SOFTWARE, "gzip: deflateInit2 failed");
        g->ready = 1;
        g->level = level;
    } else if (deflateReset(&g->z) != Z_OK) {
        return err_fail(e, EX_SOFTWARE, "gzip: deflateReset failed");
    }
    memset(&g->head, 0, sizeof g->head);
    g->head.time = 0;
    g->head.os = 255;
    if (deflateSetHeader(&g->z, &g->head) != Z_OK)
        return err_fail(e, EX_SOFTWARE, "gzip: deflateSetHeader failed");
    return 0;
}

int outfile_gz_compress(outfile_gz *g, const void *in, size_t len, int level, unsigned char **out,
                        size_t *out_len, err_t *e)
{
    if (gz_start(g, level, e))
        return -1;
    uLong bound = deflateBound(&g->z, (uLong)len);
    if (g->cap < bound) {
        unsigned char *nb = realloc(g->buf, bound);
        if (!nb)
            return err_fail(e, EX_SOFTWARE, "gzip: out of memory");
        g->buf = nb;
        g->cap = bound;
    }
    g->z.next_in = (Bytef *)in;
    g->z.avail_in = (uInt)len;
    g->z.next_out = g->buf;
    g->z.avail_out = (uInt)bound;
    int rc = deflate(&g->z, Z_FINISH);
    if (rc != Z_STREAM_END)
        return err_fail(e, EX_SOFTWARE, "gzip: deflate returned %d", rc);
    size_t n = g->z.total_out;
    unsigned char *o = malloc(n ? n : 1);
    if (!o)
        return err_fail(e, EX_SOFTWARE, "gzip: out of memory");
    memcpy(o, g->buf, n);
    *out = o;
    *out_len = n;
    return 0;
}

void outfile_gz_free(outfile_gz *g)
{
    if (g->ready)
        deflateEnd(&g->z);
    free(g->buf);
    memset(g, 0, sizeof *g);
}

int outfile_gzip_level(const void *in, size_t len, int level, unsigned char **out, size_t *out_len, err_t *e)
{
    outfile_gz g = { 0 };
    int rc = outfile_gz_compress(&g, in, len, level, out, out_len, e);
    outfile_gz_free(&g);
    return rc;
}

int outfile_mkdirs(const char *path, err_t *e)
{
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
        return err_fail(e, EX_SOFTWARE, "path too long: %s", path);
    for (char *s = p + 1; ; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0700) != 0 && errno != EEXIST)
                return err_fail(e, err_local_write(errno), "cannot create directory %s: %s", p, strerror(errno));
            *s = c;
            if (!c)
                break;
        }
    }
    return 0;
}

int outfile_sync_dir(const char *dir, err_t *e)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return err_fail(e, err_local_write(errno), "cannot open directory %s: %s", dir, strerror(errno));
    if (fsync(fd) != 0) {
        int er = errno;
        close(fd);
        return err_fail(e, err_local_write(er), "cannot fsync directory %s: %s", dir, strerror(er));
    }
    close(fd);
    return 0;
}

/* Write, fsync or close failed: EX_IOERR, with a hint when the disk (or a
 * size limit or quota) is full. */
static int write_failed(err_t *e, const char *what, const char *path, int er)
{
    if (er == ENOSPC || er == EDQUOT || er == EFBIG)
        return err_fail(e, EX_IOERR,
                           "cannot %s %s: %s\nHINT: free space on that file system (or raise the limit) and run "
                           "again; the file was not published",
                           what, path, strerror(er));
    return err_fail(e, err_local_write(er), "cannot %s %s: %s", what, path, strerror(er));
}

/* dir/.name.part written and fsynced; its path into tmp. 0, or -1 with e
 * set and the .part removed. */
static int write_part(const char *dir, const char *name, const void *data, size_t len, char *tmp, size_t n,
                      err_t *e)
{
    snprintf(tmp, n, "%s/.%s.part", dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return write_failed(e, "create", tmp, errno);
    const unsigned char *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int er = w < 0 ? errno : ENOSPC;
            close(fd);
            unlink(tmp);
            return write_failed(e, "write", tmp, er);
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0) {
        int er = errno;
        close(fd);
        unlink(tmp);
        return write_failed(e, "fsync", tmp, er);
    }
    if (close(fd) != 0) {
        int er = errno;
        unlink(tmp);
        return write_failed(e, "close", tmp, er);
    }
    return 0;
}

int outfile_publish(const char *dir, const char *name, const void *data, size_t len, err_t *e)
{
    outfile_item it = { name, data, len };
    return outfile_publish_all(dir, &it, 1, e);
}

int outfile_publish_all(const char *dir, const outfile_item *items, size_t n, err_t *e)
{
    char tmp[PATH_MAX], dst[PATH_MAX];
    for (size_t i = 0; i < n; i++)
        if (write_part(dir, items[i].name, items[i].data, items[i].len, tmp, sizeof tmp, e)) {
            for (size_t k = 0; k < i; k++) {
                snprintf(tmp, sizeof tmp, "%s/.%s.part", dir, items[k].name);
                unlink(tmp);
            }
            return -1;
        }
    for (size_t i = 0; i < n; i++) {
        snprintf(tmp, sizeof tmp, "%s/.%s.part", dir, items[i].name);
        snprintf(dst, sizeof dst, "%s/%s", dir, items[i].name);
        if (rename(tmp, dst) != 0) {
            int er = errno;
            for (size_t k = i; k < n; k++) {
                snprintf(tmp, sizeof tmp, "%s/.%s.part", dir, items[k].name);
                unlink(tmp);
            }
            return err_fail(e, EX_IOERR, "cannot rename %s/.%s.part to %s: %s", dir, items[i].name, dst,
                               strerror(er));
        }
    }
    return outfile_sync_dir(dir, e);
}
