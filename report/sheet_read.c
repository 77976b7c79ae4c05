/* sheet_read.c - finance's filled-in exception sheet (xlsx or CSV) read back
 * for `settle resolve --from` (report/sheet_read.h has the contract): the
 * helpers the readers share (report/sheet_int.h), the CSV reader and the
 * entry points. The xlsx reader is sheet_xlsx.c, the rows' validation
 * sheet_validate.c.
 *
 * CSV: libcsv, strict quoting, ',' or ';' chosen from the header line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <csv.h>

#include "report/sheet_int.h"

/* ---- small helpers ---------------------------------------------------- */

int sbuf_add(sbuf *b, const char *s, size_t n)
{
    b->full += n;
    if (b->limit && b->n + n > b->limit)
        n = b->n < b->limit ? b->limit - b->n : 0;
    if (b->n + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 64;
        while (c < b->n + n + 1)
            c *= 2;
        char *q = realloc(b->p, c);
        if (!q)
            return -1;
        b->p = q;
        b->cap = c;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

void sbuf_reset(sbuf *b)
{
    b->n = 0;
    b->full = 0;
    if (b->p)
        b->p[0] = '\0';
}

/* Lower-case ASCII, Latin-1 accented letters (UTF-8) to their base letter,
 * blanks (space, tab, NBSP, CR, LF) trimmed at both ends; into out (n). */
void sheet_fold(const char *s, char *out, size_t n)
{
    static const struct { unsigned char b; char c; } map[] = {
        /* second byte after 0xC3: À-Å à-å Ç ç È-Ë è-ë Ì-Ï ì-ï Ñ ñ Ò-Ö ò-ö Ù-Ü ù-ü */
        { 0x80, 'a' }, { 0x81, 'a' }, { 0x82, 'a' }, { 0x83, 'a' }, { 0x84, 'a' }, { 0x85, 'a' },
        { 0xA0, 'a' }, { 0xA1, 'a' }, { 0xA2, 'a' }, { 0xA3, 'a' }, { 0xA4, 'a' }, { 0xA5, 'a' },
        { 0x87, 'c' }, { 0xA7, 'c' }, { 0x88, 'e' }, { 0x89, 'e' }, { 0x8A, 'e' }, { 0x8B, 'e' },
        { 0xA8, 'e' }, { 0xA9, 'e' }, { 0xAA, 'e' }, { 0xAB, 'e' }, { 0x8C, 'i' }, { 0x8D, 'i' },
        { 0x8E, 'i' }, { 0x8F, 'i' }, { 0xAC, 'i' }, { 0xAD, 'i' }, { 0xAE, 'i' }, { 0xAF, 'i' },
        { 0x91, 'n' }, { 0xB1, 'n' }, { 0x92, 'o' }, { 0x93, 'o' }, { 0x94, 'o' }, { 0x95, 'o' },
        { 0x96, 'o' }, { 0xB2, 'o' }, { 0xB3, 'o' }, { 0xB4, 'o' }, { 0xB5, 'o' }, { 0xB6, 'o' },
        { 0x99, 'u' }, { 0x9A, 'u' }, { 0x9B, 'u' }, { 0x9C, 'u' }, { 0xB9, 'u' }, { 0xBA, 'u' },
        { 0xBB, 'u' }, { 0xBC, 'u' },
    };
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || (p[0] == 0xC2 && p[1] == 0xA0))
        p += *p == 0xC2 ? 2 : 1;
    for (; *p && o + 1 < n; p++) {
        if (*p == 0xC3 && p[1]) {
            char c = '?';
            for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
                if (map[i].b == p[1])
                    c = map[i].c;
            out[o++] = c;
            p++;
        } else if (*p == 0xC2 && p[1] == 0xA0) {
            out[o++] = ' ';
            p++;
        } else {
            out[o++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        }
    }
    while (o && (out[o - 1] == ' ' || out[o - 1] == '\t' || out[o - 1] == '\r' || out[o - 1] == '\n'))
        o--;
    out[o] = '\0';
}

/* Which of the four columns a header names, or -1. */
int sheet_header_col(const char *text)
{
    char f[64];
    sheet_fold(text, f, sizeof f);
    if (!strcmp(f, "id") || !strcmp(f, "excecao"))
        return SHEET_ID;
    if (!strcmp(f, "acao"))
        return SHEET_ACAO;
    if (!strcmp(f, "nota"))
        return SHEET_NOTA;
    if (!strcmp(f, "pagamento_id"))
        return SHEET_PAGAMENTO;
    return -1;
}

static const char *col_name(int c)
{
    static const char *const names[] = { "id", "acao", "nota", "pagamento_id" };
    return names[c];
}

/* Quote a value for a message: control characters escaped, cut at 40. */
const char *sheet_quote(const char *s, char *buf, size_t n)
{
    size_t o = 0;
    buf[o++] = '\'';
    for (size_t i = 0; s[i] && o + 6 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i >= 40) {
            o += (size_t)snprintf(buf + o, n - o, "...");
            break;
        }
        if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
        else
            buf[o++] = (char)c;
    }
    if (o + 2 <= n) {
        buf[o++] = '\'';
        buf[o] = '\0';
    } else {
        buf[n - 1] = '\0';
    }
    return buf;
}

void sheet_rows_free(sheet_rows *rows)
{
    if (!rows)
        return;
    for (size_t i = 0; i < rows->n; i++)
        for (int c = 0; c < SHEET_NCOLS; c++)
            free(rows->v[i].cell[c]);
    free(rows->v);
    rows->v = NULL;
    rows->n = rows->cap = 0;
}

/* Append a row (cells copied, cut at SHEET_CELL_MAX). -1 when out of memory
 * or over SHEET_ROWS_MAX (e set). */
int sheet_push_row(sheet_rows *out, const char *name, long row, sbuf cells[SHEET_NCOLS], err_t *e)
{
    int any = 0;
    for (int c = 0; c < SHEET_NCOLS; c++)
        if (cells[c].full)
            any = 1;
    if (!any)
        return 0;
    if ((long)out->n >= SHEET_ROWS_MAX)
        return err_fail(e, EX_DATAERR, "%s: row %ld: more than %ld rows to resolve\nHINT: split the file", name, row,
                       SHEET_ROWS_MAX);
    if (out->n == out->cap) {
        size_t c = out->cap ? out->cap * 2 : 64;
        sheet_row *v = realloc(out->v, c * sizeof *v);
        if (!v)
            return err_fail(e, EX_SOFTWARE, "%s: out of memory", name);
        out->v = v;
        out->cap = c;
    }
    sheet_row *r = &out->v[out->n];
    memset(r, 0, sizeof *r);
    r->row = row;
    for (int c = 0; c < SHEET_NCOLS; c++) {
        size_t n = cells[c].n < SHEET_CELL_MAX ? cells[c].n : SHEET_CELL_MAX;
        r->cell[c] = malloc(n + 1);
        if (!r->cell[c]) {
            for (int d = 0; d < c; d++)
                free(r->cell[d]);
            return err_fail(e, EX_SOFTWARE, "%s: out of memory", name);
        }
        if (n)
            memcpy(r->cell[c], cells[c].p, n);
        r->cell[c][n] = '\0';
        r->len[c] = cells[c].full;
    }
    out->n++;
    return 0;
}

/* ---- CSV ---------------------------------------------------------------- */

typedef struct csv_ctx {
    const char *name;
    sheet_rows *out;
    err_t *e;
    int failed;
    int header_done;
    int col_of[SHEET_NCOLS];        /* field index of each column, -1 none */
    int field;                      /* index of the next field in the record */
    long line;                      /* physical line being fed (1-based) */
    long nl_in_record;              /* line breaks inside the record's quoted fields */
    sbuf cells[SHEET_NCOLS];
    sbuf hdr;                       /* header cells, for messages */
} csv_ctx;

static void csv_field(void *s, size_t len, void *data)
{
    csv_ctx *x = data;
    if (x->failed)
        return;
    const char *p = s ? s : "";
    for (size_t i = 0; i < len; i++)
        if (p[i] == '\n' || (p[i] == '\r' && (i + 1 == len || p[i + 1] != '\n')))
            x->nl_in_record++;
    if (!x->header_done) {
        char tmp[256];
        size_t n = len < sizeof tmp - 1 ? len : sizeof tmp - 1;
        memcpy(tmp, p, n);
        tmp[n] = '\0';
        int c = len < sizeof tmp ? sheet_header_col(tmp) : -1;
        if (c >= 0) {
            if (x->col_of[c] >= 0) {
                err_set(x->e, EX_DATAERR, "%s:%ld: header: the column %s appears twice", x->name, x->line, col_name(c));
                x->failed = 1;
                return;
            }
            x->col_of[c] = x->field;
        }
    } else {
        for (int c = 0; c < SHEET_NCOLS; c++)
            if (x->col_of[c] == x->field && sbuf_add(&x->cells[c], p, len) < 0) {
                err_set(x->e, EX_SOFTWARE, "%s: out of memory", x->name);
                x->failed = 1;
                return;
            }
    }
    x->field++;
}

static void csv_record(int c, void *data)
{
    (void)c;
    csv_ctx *x = data;
    if (x->failed)
        return;
    long start = x->line - x->nl_in_record;
    if (!x->header_done) {
        static const char *const need[] = { "id (or Exceção)", "acao", "nota", "pagamento_id" };
        for (int k = 0; k < SHEET_NCOLS; k++)
            if (x->col_of[k] < 0) {
                err_set(x->e, EX_DATAERR, "%s:%ld: header: expected a column %s, found none\n"
                        "HINT: the first line names the columns: id,acao,nota,pagamento_id", x->name, start, need[k]);
                x->failed = 1;
                return;
            }
        x->header_done = 1;
    } else if (sheet_push_row(x->out, x->name, start, x->cells, x->e) < 0) {
        x->failed = 1;
        return;
    }
    for (int k = 0; k < SHEET_NCOLS; k++)
        sbuf_reset(&x->cells[k]);
    x->field = 0;
    x->nl_in_record = 0;
}

static int read_csv(const char *name, const unsigned char *buf, size_t n, sheet_rows *out, err_t *e)
{
    if (n >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF) {
        buf += 3;
        n -= 3;
    }
    if (memchr(buf, '\0', n))
        return err_fail(e, EX_DATAERR, "%s: expected an xlsx workbook or a CSV text file, found binary data (a NUL byte)", name);
    /* the delimiter: ';' when the header line has more of them than ',' */
    size_t commas = 0, semis = 0;
    int inq = 0;
    for (size_t i = 0; i < n && (inq || buf[i] != '\n'); i++) {
        if (buf[i] == '"')
            inq = !inq;
        else if (!inq && buf[i] == ',')
            commas++;
        else if (!inq && buf[i] == ';')
            semis++;
    }
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        return err_fail(e, EX_SOFTWARE, "%s: out of memory", name);
    csv_set_delim(&p, semis > commas ? ';' : ',');
    csv_ctx x = { .name = name, .out = out, .e = e, .line = 1 };
    for (int k = 0; k < SHEET_NCOLS; k++) {
        x.col_of[k] = -1;
        x.cells[k].limit = SHEET_CELL_MAX;
    }
    snprintf(out->kind, sizeof out->kind, "csv");
    int rc = 0;
    size_t off = 0;
    while (off < n && !x.failed) {
        /* one physical line at a time (LF, CRLF or a lone CR ends it), so
         * that x.line is the line a record ends on */
        size_t end = off;
        while (end < n && buf[end] != '\n' && buf[end] != '\r')
            end++;
        const unsigned char *nl = NULL;
        if (end < n) {
            if (buf[end] == '\r' && end + 1 < n && buf[end + 1] == '\n')
                end++;
            nl = buf + end;
        }
        size_t len = nl ? (size_t)(nl - (buf + off)) + 1 : n - off;
        if (csv_parse(&p, buf + off, len, csv_field, csv_record, &x) != len) {
            if (!x.failed)
                err_set(e, EX_DATAERR, "%s:%ld: expected a CSV field, found a stray quote (%s)\n"
                        "HINT: a quote inside a field is doubled, and the field quoted: \"say \"\"this\"\"\"", name, x.line,
                        csv_strerror(csv_error(&p)));
            rc = -1;
            break;
        }
        off += len;
        if (nl && off < n)
            x.line++;
    }
    if (!rc && !x.failed && csv_fini(&p, csv_field, csv_record, &x) != 0) {
        err_set(e, EX_DATAERR, "%s:%ld: expected a closing quote, found the end of the file", name, x.line);
        rc = -1;
    }
    if (x.failed)
        rc = -1;
    if (!rc && !x.header_done) {
        err_set(e, EX_DATAERR, "%s:1: expected a header line id,acao,nota,pagamento_id, found an empty file", name);
        rc = -1;
    }
    csv_free(&p);
    for (int k = 0; k < SHEET_NCOLS; k++)
        free(x.cells[k].p);
    free(x.hdr.p);
    return rc;
}

/* ---- entry points ----------------------------------------------------------- */

int sheet_read_mem(const char *name, const unsigned char *buf, size_t n, sheet_rows *out, err_t *e)
{
    if (n > (size_t)SHEET_FILE_MAX)
        return err_fail(e, EX_DATAERR, "%s: expected at most %ld bytes, found %zu", name, SHEET_FILE_MAX, n);
    if (n >= 4 && buf[0] == 'P' && buf[1] == 'K' && buf[2] == 3 && buf[3] == 4)
        return sheet_read_xlsx(name, buf, n, out, e);
    if (n >= 2 && buf[0] == 'P' && buf[1] == 'K')
        return err_fail(e, EX_DATAERR, "%s: expected an xlsx workbook, found a zip that does not start with a file", name);
    return read_csv(name, buf, n, out, e);
}

int sheet_read_file(const char *path, sheet_rows *out, err_t *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_fail(e, EX_DATAERR, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return err_fail(e, EX_DATAERR, "%s: expected a regular file", path);
    }
    if (sb.st_size > SHEET_FILE_MAX) {
        fclose(f);
        return err_fail(e, EX_DATAERR, "%s: expected at most %ld bytes, found %lld", path, SHEET_FILE_MAX,
                       (long long)sb.st_size);
    }
    size_t cap = (size_t)sb.st_size + 1;
    unsigned char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return err_fail(e, EX_SOFTWARE, "%s: out of memory", path);
    }
    size_t n = fread(buf, 1, cap, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n == cap) {
        free(buf);
        return err_fail(e, EX_DATAERR, "%s: %s", path, bad ? "read error" : "the file grew while read");
    }
    int rc = sheet_read_mem(path, buf, n, out, e);
    free(buf);
    return rc;
}
