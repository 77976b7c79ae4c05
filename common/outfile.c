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
    z_stream z;
    memset(&z, 0, sizeof z);
    /* windowBits 15 + 16: a gzip wrapper; memLevel 8 is zlib's default. */
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return err_fail(e, EX_SOFTWARE, "gzip: deflateInit2 failed");
    gz_header h;
    memset(&h, 0, sizeof h);
    h.time = 0;
    h.os = 255;
    if (deflateSetHeader(&z, &h) != Z_OK) {
        deflateEnd(&z);
        return err_fail(e, EX_SOFTWARE, "gzip: deflateSetHeader failed");
    }
    uLong bound = deflateBound(&z, (uLong)len);
    unsigned char *buf = malloc(bound);
    if (!buf) {
        deflateEnd(&z);
        return err_fail(e, EX_SOFTWARE, "gzip: out of memory");
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = buf;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    if (rc != Z_STREAM_END) {
        deflateEnd(&z);
        free(buf);
        return err_fail(e, EX_SOFTWARE, "gzip: deflate returned %d", rc);
    }
    *out_len = z.total_out;
    deflateEnd(&z);
    *out = buf;
    return 0;
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

int outfile_publish(const char *dir, const char *name, const void *data, size_t len, err_t *e)
{
    char tmp[PATH_MAX], dst[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/.%s.part", dir, name);
    snprintf(dst, sizeof dst, "%s/%s", dir, name);
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
    if (rename(tmp, dst) != 0) {
        int er = errno;
        unlink(tmp);
        return err_fail(e, EX_IOERR, "cannot rename %s to %s: %s", tmp, dst, strerror(er));
    }
    return outfile_sync_dir(dir, e);
}
