/* copybuf.h - building COPY ... FROM STDIN text-format rows in big chunks.
 *
 * Rows are appended field by field with COPY's text escaping (backslash,
 * tab, newline, carriage return) and flushed every COPYBUF_CHUNK bytes, either
 * straight to the server (PQputCopyData, the connection must be in COPY IN
 * state) or to a FILE (a spill file sent later with copybuf_send_file()).
 *
 * Ownership: the caller owns the copybuf value; copybuf_free() releases its
 * buffer. */
#ifndef SETTLE_COPYBUF_H
#define SETTLE_COPYBUF_H

#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"

#define COPYBUF_CHUNK (1 << 16)

typedef struct copybuf {
    char *buf;
    size_t len, cap;
    int fields;          /* fields in the current row */
    PGconn *db;          /* flush target: the server ... */
    FILE *spill;         /* ... or this file */
    long rows;
    int failed;          /* a flush failed; the message is in err */
    err_t err;
} copybuf;

/* Start a buffer flushing to db (when not NULL) or to spill. 0 or -1 (OOM). */
int copybuf_init(copybuf *b, PGconn *db, FILE *spill);
void copybuf_free(copybuf *b);

void copybuf_text(copybuf *b, const char *s);      /* NULL writes \N */
void copybuf_textn(copybuf *b, const char *s, size_t n);
void copybuf_int(copybuf *b, int64_t v);
void copybuf_null(copybuf *b);
void copybuf_date(copybuf *b, int y, int m, int d); /* y == 0 writes \N */
void copybuf_end_row(copybuf *b);                   /* flushes when the chunk is full */

/* Flush what is buffered. 0, or -1 with b->err set. */
int copybuf_flush(copybuf *b);

/* Send the whole spill file f (rewound first) to db, which must be in COPY IN
 * state, in COPYBUF_CHUNK pieces. 0, or -1 with e set. */
int copybuf_send_file(PGconn *db, FILE *f, err_t *e);

/* End a COPY IN: PQputCopyEnd (with errmsg to abort it, NULL to finish) and
 * read the command's result. Returns the rows copied, or -1 with e set. */
long long copybuf_end(PGconn *db, const char *errmsg, err_t *e);

#endif
