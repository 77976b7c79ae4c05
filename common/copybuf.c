/* copybuf.c - COPY text-format rows, flushed in big chunks. */
#include "common/copybuf.h"

#include <stdlib.h>
#include <string.h>

#include "common/db.h"

int copybuf_init(copybuf *b, PGconn *db, FILE *spill)
{
    memset(b, 0, sizeof *b);
    b->cap = COPYBUF_CHUNK + 65536;
    b->buf = malloc(b->cap);
    b->db = db;
    b->spill = spill;
    return b->buf ? 0 : -1;
}

void copybuf_free(copybuf *b)
{
    free(b->buf);
    b->buf = NULL;
}

static void reserve(copybuf *b, size_t n)
{
    if (b->len + n <= b->cap)
        return;
    size_t cap = b->cap;
    while (b->len + n > cap)
        cap *= 2;
    char *g = realloc(b->buf, cap);
    if (!g) {
        b->failed = 1;
        err_set(&b->err, EX_SOFTWARE, "out of memory building COPY data");
        b->len = 0;
        return;
    }
    b->buf = g;
    b->cap = cap;
}

static void sep(copybuf *b)
{
    if (b->fields++) {
        reserve(b, 1);
        if (!b->failed)
            b->buf[b->len++] = '\t';
    }
}

void copybuf_textn(copybuf *b, const char *s, size_t n)
{
    sep(b);
    reserve(b, 2 * n);
    if (b->failed)
        return;
    char *o = b->buf + b->len;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        switch (c) {
        case '\\': *o++ = '\\'; *o++ = '\\'; break;
        case '\t': *o++ = '\\'; *o++ = 't'; break;
        case '\n': *o++ = '\\'; *o++ = 'n'; break;
        case '\r': *o++ = '\\'; *o++ = 'r'; break;
        default: *o++ = c;
        }
    }
    b->len = (size_t)(o - b->buf);
}

void copybuf_text(copybuf *b, const char *s)
{
    if (!s)
        copybuf_null(b);
    else
        copybuf_textn(b, s, strlen(s));
}

void copybuf_null(copybuf *b)
{
    sep(b);
    reserve(b, 2);
    if (!b->failed) {
        b->buf[b->len++] = '\\';
        b->buf[b->len++] = 'N';
    }
}

void copybuf_int(copybuf *b, int64_t v)
{
    sep(b);
    reserve(b, 24);
    if (!b->failed)
        b->len += (size_t)snprintf(b->buf + b->len, 24, "%lld", (long long)v);
}

void copybuf_date(copybuf *b, int y, int m, int d)
{
    if (!y) {
        copybuf_null(b);
        return;
    }
    sep(b);
    reserve(b, 16);
    if (!b->failed)
        b->len += (size_t)snprintf(b->buf + b->len, 16, "%04d-%02d-%02d", y, m, d);
}

int copybuf_flush(copybuf *b)
{
    if (b->failed)
        return -1;
    if (!b->len)
        return 0;
    if (b->db) {
        if (PQputCopyData(b->db, b->buf, (int)b->len) != 1) {
            db_error(b->db, NULL, &b->err, "sending COPY data");
            b->failed = 1;
            return -1;
        }
    } else if (fwrite(b->buf, 1, b->len, b->spill) != b->len) {
        err_set(&b->err, EX_SOFTWARE, "cannot write the COPY spill file");
        b->failed = 1;
        return -1;
    }
    b->len = 0;
    return 0;
}

void copybuf_end_row(copybuf *b)
{
    reserve(b, 1);
    if (b->failed)
        return;
    b->buf[b->len++] = '\n';
    b->fields = 0;
    b->rows++;
    if (b->len >= COPYBUF_CHUNK)
        copybuf_flush(b);
}

int copybuf_send_file(PGconn *db, FILE *f, err_t *e)
{
    static char chunk[COPYBUF_CHUNK];
    size_t n;
    rewind(f);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (PQputCopyData(db, chunk, (int)n) != 1)
            return db_error(db, NULL, e, "sending COPY data"), -1;
    if (ferror(f))
        return err_fail(e, EX_SOFTWARE, "cannot read the COPY spill file");
    return 0;
}

long long copybuf_end(PGconn *db, const char *errmsg, err_t *e)
{
    if (PQputCopyEnd(db, errmsg) != 1)
        return db_error(db, NULL, e, "ending COPY"), -1;
    long long rows = -1;
    PGresult *r;
    while ((r = PQgetResult(db))) {
        if (PQresultStatus(r) == PGRES_COMMAND_OK) {
            rows = atoll(PQcmdTuples(r));
        } else if (!errmsg) {
            db_error(db, r, e, "COPY");
            rows = -2;
        }
        PQclear(r);
    }
    return rows < 0 ? -1 : rows;
}
