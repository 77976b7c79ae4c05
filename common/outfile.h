/* outfile.h - files other systems consume: deterministic gzip, and
 * publishing a file durably and atomically.
 *
 * outfile_publish() writes DIR/.NAME.part, fsyncs it, renames it to
 * DIR/NAME and fsyncs DIR: a reader never sees a half-written NAME, and
 * after it returns NAME survives a power loss. */
#ifndef SETTLE_OUTFILE_H
#define SETTLE_OUTFILE_H

#include <stddef.h>
#include <zlib.h>

#include "common/error.h"

/* Compress in[0..len) as one gzip member with a fixed header (mtime 0, no
 * name, OS byte 255 "unknown", level 9, default strategy): the same input
 * gives the same bytes with the same zlib. On success *out is malloc'ed
 * (the caller frees it) and 0 is returned; -1 with e set otherwise. */
int outfile_gzip(const void *in, size_t len, unsigned char **out, size_t *out_len, err_t *e);

/* The same at compression level 1-9 (the header's XFL byte says 2 for 9, 4
 * for 1, 0 otherwise): the same input and level give the same bytes. */
int outfile_gzip_level(const void *in, size_t len, int level, unsigned char **out, size_t *out_len, err_t *e);

/* A compressor kept across many outfile_gzip_level() calls (export's
 * batches), so that each member does not allocate and clear zlib's state
 * and an output buffer anew. Zero-initialise; outfile_gz_free() at the end. */
typedef struct outfile_gz {
    z_stream z;
    gz_header head;
    int ready, level;
    unsigned char *buf; /* scratch output, deflateBound() of the largest input */
    size_t cap;
} outfile_gz;

/* outfile_gzip_level() with g's state: the same bytes (a reset stream is a
 * fresh one). *out is malloc'ed, exactly *out_len bytes. 0, or -1 with e set. */
int outfile_gz_compress(outfile_gz *g, const void *in, size_t len, int level, unsigned char **out,
                        size_t *out_len, err_t *e);
void outfile_gz_free(outfile_gz *g);

/* mkdir -p path with mode 0700 for what it creates. 0, or -1 with e set
 * (EX_SOFTWARE). */
int outfile_mkdirs(const char *path, err_t *e);

/* Write data durably as dir/name (see above), mode 0600 (personal data: docs/security.md).
 * 0, or -1 with e set (EX_IOERR; a disk-full, quota or file-size error adds a
 * HINT) and no dir/name change; the .part file is removed. */
int outfile_publish(const char *dir, const char *name, const void *data, size_t len, err_t *e);

/* One file of outfile_publish_all(). */
typedef struct outfile_item {
    const char *name;
    const void *data;
    size_t len;
} outfile_item;

/* outfile_publish() for n files with one directory fsync: every .part is
 * written and fsynced first (on an error all of them are removed and no
 * name changes), then renamed in the order given, then dir is fsynced.
 * 0, or -1 with e set. */
int outfile_publish_all(const char *dir, const outfile_item *items, size_t n, err_t *e);

/* fsync a directory. 0, or -1 with e set. */
int outfile_sync_dir(const char *dir, err_t *e);

#endif
