/* sheet_read.c - finance's filled-in exception sheet (xlsx or CSV) read back
 * for `settle resolve --from` (report/sheet_read.h has the contract).
 *
 * xlsx: libzip opens the zip from memory; each part is checked before it is
 * inflated (declared size, ratio, the running total) and read with a hard
 * cap, so a part that lies about its size stops at the cap too. libxml2's
 * xmlTextReader walks xl/workbook.xml (sheet order), its relationships
 * (sheet part names, the shared strings), xl/sharedStrings.xml and the
 * sheets, never building a tree; a DOCTYPE is refused, so no entity is ever
 * declared, and XML_PARSE_NONET keeps it off the network.
 * CSV: libcsv, strict quoting, ',' or ';' chosen from the header line. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <csv.h>
#include <libxml/xmlreader.h>
#include <zip.h>

#include "report/sheet_read.h"

#define NS_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

/* ---- small helpers ---------------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t n, cap;
    size_t full;        /* bytes offered, kept or not */
    size_t limit;       /* 0: no cut */
} sbuf;

static int sb_add(sbuf *b, const char *s, size_t n)
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

static void sb_reset(sbuf *b)
{
    b->n = 0;
    b->full = 0;
    if (b->p)
        b->p[0] = '\0';
}

/* Lower-case ASCII, Latin-1 accented letters (UTF-8) to their base letter,
 * blanks (space, tab, NBSP, CR, LF) trimmed at both ends; into out (n). */
static void fold(const char *s, char *out, size_t n)
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
static int header_col(const char *text)
{
    char f[64];
    fold(text, f, sizeof f);
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
static const char *quote(const char *s, char *buf, size_t n)
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
static int push_row(sheet_rows *out, const char *name, long row, sbuf cells[SHEET_NCOLS], err_t *e)
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
        int c = len < sizeof tmp ? header_col(tmp) : -1;
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
            if (x->col_of[c] == x->field && sb_add(&x->cells[c], p, len) < 0) {
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
    } else if (push_row(x->out, x->name, start, x->cells, x->e) < 0) {
        x->failed = 1;
        return;
    }
    for (int k = 0; k < SHEET_NCOLS; k++)
        sb_reset(&x->cells[k]);
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

/* ---- xlsx: zip parts ------------------------------------------------------ */

typedef struct xlsx {
    const char *name;
    zip_t *za;
    long long inflated;             /* total so far, against SHEET_TOTAL_MAX */
    err_t *e;
    char **strings;                 /* shared strings */
    size_t n_strings;
} xlsx;

/* Read part into a new buffer (*out, *len; NUL-terminated), 0; 1 when the
 * zip has no such part; -1 with e set. Checked before inflating: the
 * declared size, its ratio to the compressed size, the running total; read
 * with a hard cap at the declared size. */
static int part_read(xlsx *z, const char *part, unsigned char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat(z->za, part, 0, &st) != 0)
        return 1;
    if (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE))
        return err_fail(z->e, EX_DATAERR, "%s: %s: the zip does not say its size", z->name, part);
    if (st.size > (zip_uint64_t)SHEET_PART_MAX)
        return err_fail(z->e, EX_DATAERR, "%s: %s: expected at most %ld bytes inflated, found %llu declared\n"
                       "HINT: a workbook this large is not the exception sheet; save only that sheet",
                       z->name, part, SHEET_PART_MAX, (unsigned long long)st.size);
    if (st.size > 1024 * 1024 && (st.comp_size == 0 || st.size / st.comp_size > SHEET_RATIO_MAX))
        return err_fail(z->e, EX_DATAERR, "%s: %s: refused as a zip bomb: %llu bytes inflated from %llu (more than %d to 1)",
                       z->name, part, (unsigned long long)st.size, (unsigned long long)st.comp_size, SHEET_RATIO_MAX);
    if (z->inflated + (long long)st.size > SHEET_TOTAL_MAX)
        return err_fail(z->e, EX_DATAERR, "%s: %s: more than %ld bytes inflated in all", z->name, part, SHEET_TOTAL_MAX);
    zip_file_t *f = zip_fopen(z->za, part, 0);
    if (!f)
        return err_fail(z->e, EX_DATAERR, "%s: %s: %s", z->name, part, zip_strerror(z->za));
    size_t cap = (size_t)st.size + 1;
    unsigned char *b = malloc(cap + 1);
    if (!b) {
        zip_fclose(f);
        return err_fail(z->e, EX_SOFTWARE, "%s: out of memory", z->name);
    }
    size_t got = 0;
    for (;;) {
        zip_int64_t r = zip_fread(f, b + got, cap - got);
        if (r < 0) {
            err_set(z->e, EX_DATAERR, "%s: %s: cannot inflate: %s", z->name, part, zip_file_strerror(f));
            zip_fclose(f);
            free(b);
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
        if (got > (size_t)st.size) {
            zip_fclose(f);
            free(b);
            return err_fail(z->e, EX_DATAERR, "%s: %s: inflates to more than the %llu bytes it declares", z->name, part,
                           (unsigned long long)st.size);
        }
    }
    zip_fclose(f);
    z->inflated += (long long)got;
    b[got] = '\0';
    *out = b;
    *len = got;
    return 0;
}

/* ---- xlsx: XML ------------------------------------------------------------ */

typedef struct xml_err {
    char msg[300];
    int line;
} xml_err;

static void xml_on_error(void *arg, xmlErrorPtr err)
{
    xml_err *x = arg;
    if (x->msg[0] || !err)
        return;
    snprintf(x->msg, sizeof x->msg, "%s", err->message ? err->message : "malformed XML");
    size_t n = strlen(x->msg);
    while (n && (x->msg[n - 1] == '\n' || x->msg[n - 1] == ' '))
        x->msg[--n] = '\0';
    x->line = err->line;
}

/* 1 when the prolog (before the root element) holds a DOCTYPE. Checked
 * before libxml2 sees the bytes, so not even the internal subset is parsed. */
static int has_doctype(const unsigned char *b, size_t n)
{
    size_t i = 0;
    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
        i = 3;
    while (i < n) {
        if (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
            i++;
        } else if (i + 1 < n && b[i] == '<' && b[i + 1] == '?') {
            const unsigned char *q = memmem(b + i, n - i, "?>", 2);
            if (!q)
                return 0;
            i = (size_t)(q - b) + 2;
        } else if (i + 3 < n && !memcmp(b + i, "<!--", 4)) {
            const unsigned char *q = memmem(b + i, n - i, "-->", 3);
            if (!q)
                return 0;
            i = (size_t)(q - b) + 3;
        } else {
            return i + 2 < n && !memcmp(b + i, "<!", 2);
        }
    }
    return 0;
}

/* A streaming reader over one part, or NULL with z->e set. */
static xmlTextReaderPtr xml_open(xlsx *z, const unsigned char *buf, size_t len, const char *url, xml_err *xe)
{
    if (has_doctype(buf, len))
        return err_set(z->e, EX_DATAERR, "%s: %s: expected no DOCTYPE in an xlsx part, found one", z->name, url), NULL;
    if (len > INT_MAX)
        return err_set(z->e, EX_DATAERR, "%s: %s: too large", z->name, url), NULL;
    xmlTextReaderPtr r = xmlReaderForMemory((const char *)buf, (int)len, url, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                            XML_PARSE_NOWARNING);
    if (!r)
        return err_set(z->e, EX_SOFTWARE, "%s: %s: cannot start the XML reader (out of memory)", z->name, url), NULL;
    xmlTextReaderSetStructuredErrorHandler(r, xml_on_error, xe);
    return r;
}

/* One step of the reader: 1 a node, 0 the end, -1 with e set (malformed
 * XML, or a DOCTYPE: an xlsx part never has one, and refusing it means no
 * entity is ever declared, let alone expanded). */
static int xml_next(xmlTextReaderPtr r, xml_err *xe, xlsx *z, const char *part)
{
    int rc = xmlTextReaderRead(r);
    if (rc == 1 && xmlTextReaderNodeType(r) == XML_READER_TYPE_DOCUMENT_TYPE)
        return err_fail(z->e, EX_DATAERR, "%s: %s: expected no DOCTYPE in an xlsx part, found one", z->name, part);
    if (rc < 0)
        return err_fail(z->e, EX_DATAERR, "%s: %s:%d: malformed XML: %s", z->name, part, xe->line,
                       xe->msg[0] ? xe->msg : "cannot parse");
    return rc;
}

static int is_elem(xmlTextReaderPtr r, const char *local)
{
    const xmlChar *n = xmlTextReaderConstLocalName(r);
    return n && !strcmp((const char *)n, local);
}

/* The shared strings: the text of each <si>, its runs joined, phonetic
 * runs (<rPh>) left out. */
static int read_strings(xlsx *z, const char *part)
{
    unsigned char *buf;
    size_t len;
    int rc = part_read(z, part, &buf, &len);
    if (rc)
        return rc < 0 ? -1 : 0;
    xml_err xe = { { 0 }, 0 };
    xmlTextReaderPtr r = xml_open(z, buf, len, part, &xe);
    if (!r) {
        free(buf);
        return -1;
    }
    sbuf s = { 0 };
    size_t cap = 0;
    int in_si = 0, in_t = 0, in_rph = 0, depth_t = -1;
    while ((rc = xml_next(r, &xe, z, part)) == 1) {
        int type = xmlTextReaderNodeType(r);
        if (type == XML_READER_TYPE_ELEMENT) {
            int empty = xmlTextReaderIsEmptyElement(r);
            if (is_elem(r, "si")) {
                in_si = 1;
                sb_reset(&s);
            } else if (is_elem(r, "rPh") && !empty) {
                in_rph = 1;
            } else if (is_elem(r, "t") && in_si && !in_rph && !empty) {
                in_t = 1;
                depth_t = xmlTextReaderDepth(r);
            }
            if (!(is_elem(r, "si") && empty))
                continue;
        } else if ((type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
                    type == XML_READER_TYPE_WHITESPACE || type == XML_READER_TYPE_CDATA) && in_t) {
            const char *v = (const char *)xmlTextReaderConstValue(r);
            if (v && sb_add(&s, v, strlen(v)) < 0) {
                rc = err_fail(z->e, EX_SOFTWARE, "%s: out of memory", z->name);
                break;
            }
            continue;
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (is_elem(r, "t") && xmlTextReaderDepth(r) == depth_t)
                in_t = 0;
            else if (is_elem(r, "rPh"))
                in_rph = 0;
            if (!is_elem(r, "si"))
                continue;
        } else {
            continue;
        }
        /* end of an <si> (or an empty <si/>) */
        if ((long)z->n_strings >= SHEET_STRINGS_MAX) {
            rc = err_fail(z->e, EX_DATAERR, "%s: %s: more than %ld shared strings", z->name, part, SHEET_STRINGS_MAX);
            break;
        }
        if (z->n_strings == cap) {
            size_t c = cap ? cap * 2 : 256;
            char **v = realloc(z->strings, c * sizeof *v);
            if (!v) {
                rc = err_fail(z->e, EX_SOFTWARE, "%s: out of memory", z->name);
                break;
            }
            z->strings = v;
            cap = c;
        }
        z->strings[z->n_strings] = strdup(s.p ? s.p : "");
        if (!z->strings[z->n_strings]) {
            rc = err_fail(z->e, EX_SOFTWARE, "%s: out of memory", z->name);
            break;
        }
        z->n_strings++;
        in_si = 0;
    }
    free(s.p);
    xmlFreeTextReader(r);
    free(buf);
    return rc < 0 ? -1 : 0;
}

/* Column letters of a cell reference ("AC12") to a 0-based index, -1 when
 * it is not one. */
static int ref_col(const char *ref)
{
    int c = 0, n = 0;
    for (; *ref >= 'A' && *ref <= 'Z'; ref++, n++) {
        c = c * 26 + (*ref - 'A' + 1);
        if (c > 16384)
            return -1;
    }
    return n ? c - 1 : -1;
}

/* One sheet: 1 when one of its first SHEET_HEADER_ROWS non-blank rows (a
 * title may sit above the header) names the four columns and the rows below
 * it were read into out, 0 when it is not the exception sheet, -1 with e set. */
#define SHEET_HEADER_ROWS 10
static int read_sheet(xlsx *z, const char *part, sheet_rows *out)
{
    unsigned char *buf;
    size_t len;
    int rc = part_read(z, part, &buf, &len);
    if (rc)
        return rc < 0 ? -1 : err_fail(z->e, EX_DATAERR, "%s: the workbook names the sheet %s, which the zip lacks", z->name, part);
    xml_err xe = { { 0 }, 0 };
    xmlTextReaderPtr r = xml_open(z, buf, len, part, &xe);
    if (!r) {
        free(buf);
        return -1;
    }
    int col_of[SHEET_NCOLS] = { -1, -1, -1, -1 };
    int header_done = 0, found = 0;
    long row = 0, last_row = 0;
    int col = -1, in_c = 0, in_v = 0, in_is = 0, in_t = 0;
    char ctype[16] = "";
    sbuf v = { .limit = SHEET_CELL_MAX * 2 };
    sbuf cells[SHEET_NCOLS];
    for (int k = 0; k < SHEET_NCOLS; k++)
        cells[k] = (sbuf){ .limit = SHEET_CELL_MAX };
    int hdr_seen = 0, hdr_rows = 0;
    while ((rc = xml_next(r, &xe, z, part)) == 1) {
        int type = xmlTextReaderNodeType(r);
        int end_row = 0, end_c = 0;
        if (type == XML_READER_TYPE_ELEMENT) {
            int empty = xmlTextReaderIsEmptyElement(r);
            if (is_elem(r, "row")) {
                xmlChar *a = xmlTextReaderGetAttribute(r, (const xmlChar *)"r");
                long n = last_row + 1;
                if (a) {
                    char *end;
                    errno = 0;
                    n = strtol((const char *)a, &end, 10);
                    if (errno || *end || n <= last_row || n > 1048576) {
                        char q[64];
                        err_set(z->e, EX_DATAERR, "%s: %s:%d: row: expected a row number after %ld, found %s", z->name,
                                part, xmlTextReaderGetParserLineNumber(r), last_row, quote((const char *)a, q, sizeof q));
                        xmlFree(a);
                        rc = -1;
                        break;
                    }
                    xmlFree(a);
                }
                row = last_row = n;
                col = -1;
                for (int k = 0; k < SHEET_NCOLS; k++)
                    sb_reset(&cells[k]);
                if (empty)
                    end_row = 1;
            } else if (is_elem(r, "c")) {
                xmlChar *a = xmlTextReaderGetAttribute(r, (const xmlChar *)"r");
                int c = col + 1;
                if (a) {
                    c = ref_col((const char *)a);
                    xmlFree(a);
                    if (c < 0) {
                        rc = err_fail(z->e, EX_DATAERR, "%s: %s:%d: row %ld: expected a cell reference like AC12", z->name,
                                     part, xmlTextReaderGetParserLineNumber(r), row);
                        break;
                    }
                }
                col = c;
                xmlChar *t = xmlTextReaderGetAttribute(r, (const xmlChar *)"t");
                snprintf(ctype, sizeof ctype, "%s", t ? (const char *)t : "n");
                xmlFree(t);
                sb_reset(&v);
                in_c = 1;
                if (empty)
                    end_c = 1;
            } else if (in_c && is_elem(r, "v") && !empty) {
                in_v = 1;
            } else if (in_c && is_elem(r, "is")) {
                in_is = 1;
            } else if (in_is && is_elem(r, "t") && !empty) {
                in_t = 1;
            } else if (in_is && is_elem(r, "rPh") && !empty) {
                in_is = 2;          /* phonetic run: skipped */
            }
        } else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
                   type == XML_READER_TYPE_WHITESPACE || type == XML_READER_TYPE_CDATA) {
            if (in_v || (in_t && in_is == 1)) {
                const char *s = (const char *)xmlTextReaderConstValue(r);
                if (s && sb_add(&v, s, strlen(s)) < 0) {
                    rc = err_fail(z->e, EX_SOFTWARE, "%s: out of memory", z->name);
                    break;
                }
            }
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (is_elem(r, "v"))
                in_v = 0;
            else if (is_elem(r, "t"))
                in_t = 0;
            else if (is_elem(r, "rPh") && in_is == 2)
                in_is = 1;
            else if (is_elem(r, "is"))
                in_is = 0;
            else if (is_elem(r, "c"))
                end_c = 1;
            else if (is_elem(r, "row"))
                end_row = 1;
            else if (is_elem(r, "sheetData") && header_done)
                break;
        }
        if (end_c) {
            in_c = in_v = in_t = in_is = 0;
            const char *text = v.p ? v.p : "";
            size_t full = v.full;
            if (!strcmp(ctype, "s") && v.n) {
                char *end;
                errno = 0;
                unsigned long i = strtoul(text, &end, 10);
                if (errno || *end || i >= z->n_strings) {
                    char q[64];
                    rc = err_fail(z->e, EX_DATAERR, "%s: %s: row %ld: expected a shared string index below %zu, found %s",
                                 z->name, part, row, z->n_strings, quote(text, q, sizeof q));
                    break;
                }
                text = z->strings[i];
                full = strlen(text);
            }
            if (!header_done) {
                if (full)
                    hdr_seen = 1;
                int k = header_col(text);
                if (k >= 0 && col_of[k] < 0)
                    col_of[k] = col;
            } else {
                for (int k = 0; k < SHEET_NCOLS; k++)
                    if (col_of[k] == col) {
                        sb_reset(&cells[k]);
                        if (sb_add(&cells[k], text, strlen(text)) < 0) {
                            rc = err_fail(z->e, EX_SOFTWARE, "%s: out of memory", z->name);
                            break;
                        }
                        if (full > cells[k].full)
                            cells[k].full = full;
                    }
                if (rc < 0)
                    break;
            }
        }
        if (end_row) {
            if (!header_done) {
                if (!hdr_seen)
                    continue;       /* blank rows above the header */
                int all = 1;
                for (int k = 0; k < SHEET_NCOLS; k++)
                    if (col_of[k] < 0)
                        all = 0;
                if (all) {
                    header_done = found = 1;
                } else if (++hdr_rows == SHEET_HEADER_ROWS) {
                    goto done;      /* not the exception sheet */
                } else {            /* a title row: the header may be below */
                    for (int k = 0; k < SHEET_NCOLS; k++)
                        col_of[k] = -1;
                    hdr_seen = 0;
                }
            } else if (push_row(out, z->name, row, cells, z->e) < 0) {
                rc = -1;
                break;
            }
        }
    }
done:
    free(v.p);
    for (int k = 0; k < SHEET_NCOLS; k++)
        free(cells[k].p);
    xmlFreeTextReader(r);
    free(buf);
    if (rc < 0)
        return -1;
    return found;
}

/* The workbook's sheets in order: their names and part names (through
 * xl/_rels/workbook.xml.rels), and the shared strings' part. */
typedef struct sheet_ref {
    char name[128];
    char rid[64];
    char part[256];
} sheet_ref;

static int read_rels(xlsx *z, sheet_ref *sh, int n, char *strings_part, size_t sp)
{
    const char *part = "xl/_rels/workbook.xml.rels";
    unsigned char *buf;
    size_t len;
    int rc = part_read(z, part, &buf, &len);
    if (rc)
        return rc < 0 ? -1 : err_fail(z->e, EX_DATAERR, "%s: expected an xlsx workbook, found no %s", z->name, part);
    xml_err xe = { { 0 }, 0 };
    xmlTextReaderPtr r = xml_open(z, buf, len, part, &xe);
    if (!r) {
        free(buf);
        return -1;
    }
    while ((rc = xml_next(r, &xe, z, part)) == 1) {
        if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT || !is_elem(r, "Relationship"))
            continue;
        xmlChar *id = xmlTextReaderGetAttribute(r, (const xmlChar *)"Id");
        xmlChar *tg = xmlTextReaderGetAttribute(r, (const xmlChar *)"Target");
        xmlChar *ty = xmlTextReaderGetAttribute(r, (const xmlChar *)"Type");
        if (id && tg) {
            char full[256];
            if (tg[0] == '/')
                snprintf(full, sizeof full, "%s", (const char *)tg + 1);
            else
                snprintf(full, sizeof full, "xl/%s", (const char *)tg);
            size_t tl = ty ? strlen((const char *)ty) : 0;
            if (tl >= 14 && !strcmp((const char *)ty + tl - 14, "/sharedStrings"))
                snprintf(strings_part, sp, "%s", full);
            for (int i = 0; i < n; i++)
                if (!strcmp(sh[i].rid, (const char *)id))
                    snprintf(sh[i].part, sizeof sh[i].part, "%s", full);
        }
        xmlFree(id);
        xmlFree(tg);
        xmlFree(ty);
    }
    xmlFreeTextReader(r);
    free(buf);
    return rc < 0 ? -1 : 0;
}

#define MAX_SHEETS 64

static int read_xlsx(const char *name, const unsigned char *buf, size_t n, sheet_rows *out, err_t *e)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(buf, n, 0, &ze);
    if (!src) {
        zip_error_fini(&ze);
        return err_fail(e, EX_SOFTWARE, "%s: out of memory", name);
    }
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!za) {
        err_set(e, EX_DATAERR, "%s: expected an xlsx workbook (a zip), found a damaged zip: %s", name, zip_error_strerror(&ze));
        zip_source_free(src);
        zip_error_fini(&ze);
        return -1;
    }
    zip_error_fini(&ze);
    xlsx z = { .name = name, .za = za, .e = e };
    snprintf(out->kind, sizeof out->kind, "xlsx");
    sheet_ref *sh = calloc(MAX_SHEETS, sizeof *sh);
    int nsh = 0, rc = -1;
    char strings_part[256] = "";
    unsigned char *wb = NULL;
    size_t wl;
    xmlTextReaderPtr r = NULL;
    if (!sh) {
        err_set(e, EX_SOFTWARE, "%s: out of memory", name);
        goto out;
    }
    const char *part = "xl/workbook.xml";
    int got = part_read(&z, part, &wb, &wl);
    if (got) {
        if (got > 0)
            err_set(e, EX_DATAERR, "%s: expected an xlsx workbook, found a zip without %s", name, part);
        goto out;
    }
    xml_err xe = { { 0 }, 0 };
    r = xml_open(&z, wb, wl, part, &xe);
    if (!r)
        goto out;
    while ((got = xml_next(r, &xe, &z, part)) == 1) {
        if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT || !is_elem(r, "sheet"))
            continue;
        if (nsh == MAX_SHEETS) {
            err_set(e, EX_DATAERR, "%s: %s: more than %d sheets", name, part, MAX_SHEETS);
            goto out;
        }
        xmlChar *nm = xmlTextReaderGetAttribute(r, (const xmlChar *)"name");
        xmlChar *id = xmlTextReaderGetAttributeNs(r, (const xmlChar *)"id", (const xmlChar *)NS_REL);
        snprintf(sh[nsh].name, sizeof sh[nsh].name, "%s", nm ? (const char *)nm : "");
        snprintf(sh[nsh].rid, sizeof sh[nsh].rid, "%s", id ? (const char *)id : "");
        xmlFree(nm);
        xmlFree(id);
        nsh++;
    }
    if (got < 0)
        goto out;
    if (read_rels(&z, sh, nsh, strings_part, sizeof strings_part) < 0)
        goto out;
    if (strings_part[0] && read_strings(&z, strings_part) < 0)
        goto out;
    for (int i = 0; i < nsh; i++) {
        if (!sh[i].part[0])
            continue;
        int f = read_sheet(&z, sh[i].part, out);
        if (f < 0)
            goto out;
        if (f) {
            snprintf(out->sheet, sizeof out->sheet, "%s", sh[i].name);
            rc = 0;
            goto out;
        }
    }
    err_set(e, EX_DATAERR, "%s: expected a sheet with a header row naming the columns acao, nota, pagamento_id and the "
            "exception id (id or Exceção), found none in %d sheet%s\n"
            "HINT: use the open-exceptions sheet of reports/exceptions-YYYYMMDD.xlsx", name, nsh, nsh == 1 ? "" : "s");
out:
    if (r)
        xmlFreeTextReader(r);
    free(wb);
    free(sh);
    for (size_t i = 0; i < z.n_strings; i++)
        free(z.strings[i]);
    free(z.strings);
    zip_discard(za);
    return rc;
}

/* ---- entry points ----------------------------------------------------------- */

int sheet_read_mem(const char *name, const unsigned char *buf, size_t n, sheet_rows *out, err_t *e)
{
    if (n > (size_t)SHEET_FILE_MAX)
        return err_fail(e, EX_DATAERR, "%s: expected at most %ld bytes, found %zu", name, SHEET_FILE_MAX, n);
    if (n >= 4 && buf[0] == 'P' && buf[1] == 'K' && buf[2] == 3 && buf[3] == 4)
        return read_xlsx(name, buf, n, out, e);
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

/* ---- validation ----------------------------------------------------------- */

sheet_action sheet_action_parse(const char *s)
{
    char f[32];
    if (strlen(s) >= sizeof f)
        return SHEET_ACT_UNKNOWN;
    fold(s, f, sizeof f);
    if (!f[0])
        return SHEET_ACT_EMPTY;
    if (!strcmp(f, "paid") || !strcmp(f, "pago"))
        return SHEET_ACT_PAID;
    if (!strcmp(f, "refund") || !strcmp(f, "devolver"))
        return SHEET_ACT_REFUND;
    if (!strcmp(f, "ignore") || !strcmp(f, "ignorar"))
        return SHEET_ACT_IGNORE;
    return SHEET_ACT_UNKNOWN;
}

const char *sheet_action_name(sheet_action a)
{
    return a == SHEET_ACT_PAID ? "paid" : a == SHEET_ACT_REFUND ? "refund" : a == SHEET_ACT_IGNORE ? "ignore" : "";
}

/* A whole number as a cell holds it: digits, or digits then ".0..." (a
 * number cell); blanks around. 1 with *v, 0 empty, -1 not one. */
static int whole(const char *s, long long *v)
{
    char f[64];
    if (strlen(s) >= sizeof f)
        return -1;
    fold(s, f, sizeof f);
    if (!f[0])
        return 0;
    size_t d = strspn(f, "0123456789");
    if (!d || d > 18)
        return -1;
    if (f[d]) {
        if (f[d] != '.' || strspn(f + d + 1, "0") != strlen(f + d + 1))
            return -1;
    }
    char *end;
    errno = 0;
    long long x = strtoll(f, &end, 10);
    if (errno || x <= 0)
        return -1;
    *v = x;
    return 1;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static void badf(void (*bad)(void *, long, const char *), void *ctx, long row, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void badf(void (*bad)(void *, long, const char *), void *ctx, long row, const char *fmt, ...)
{
    char m[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    bad(ctx, row, m);
}

static int cmp_item_id(const void *a, const void *b)
{
    const sheet_item *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

static int cmp_item_row(const void *a, const void *b)
{
    const sheet_item *x = a, *y = b;
    return x->row < y->row ? -1 : x->row > y->row;
}

long sheet_validate(const sheet_rows *rows, sheet_item *items, size_t *n_items, long *skipped,
                    void (*bad)(void *ctx, long row, const char *msg), void *ctx)
{
    long problems = 0;
    size_t n = 0;
    *skipped = 0;
    for (size_t i = 0; i < rows->n; i++) {
        const sheet_row *r = &rows->v[i];
        char q[64];
        int ok = 1;
        sheet_action a = sheet_action_parse(r->cell[SHEET_ACAO]);
        if (a == SHEET_ACT_EMPTY) {
            (*skipped)++;
            continue;
        }
        long long id = 0, pay = 0;
        int k = whole(r->cell[SHEET_ID], &id);
        if (k <= 0) {
            badf(bad, ctx, r->row, "id: expected an exception number, found %s",
                 k == 0 ? "nothing" : quote(r->cell[SHEET_ID], q, sizeof q));
            ok = 0;
        }
        if (a == SHEET_ACT_UNKNOWN) {
            badf(bad, ctx, r->row, "acao: expected paid, refund or ignore (pago, devolver, ignorar), found %s",
                 quote(r->cell[SHEET_ACAO], q, sizeof q));
            ok = 0;
        }
        char nf[8];
        fold(r->cell[SHEET_NOTA], nf, sizeof nf);
        if (!nf[0]) {
            badf(bad, ctx, r->row, "nota: expected a note saying why, found nothing");
            ok = 0;
        } else if (r->len[SHEET_NOTA] > SHEET_CELL_MAX || utf8_chars(r->cell[SHEET_NOTA]) > SHEET_NOTE_MAX) {
            badf(bad, ctx, r->row, "nota: expected at most %d characters, found %s", SHEET_NOTE_MAX,
                 r->len[SHEET_NOTA] > SHEET_CELL_MAX ? "more than 4096 bytes" : "more");
            ok = 0;
        }
        k = whole(r->cell[SHEET_PAGAMENTO], &pay);
        if (k < 0) {
            badf(bad, ctx, r->row, "pagamento_id: expected a payment number, found %s",
                 quote(r->cell[SHEET_PAGAMENTO], q, sizeof q));
            ok = 0;
        } else if (k > 0 && a != SHEET_ACT_PAID && a != SHEET_ACT_UNKNOWN) {
            badf(bad, ctx, r->row, "pagamento_id: goes with acao paid only, found it with %s", sheet_action_name(a));
            ok = 0;
        }
        if (!ok) {
            problems++;
            continue;
        }
        items[n++] = (sheet_item){ .row = r->row, .id = id, .action = a, .note = r->cell[SHEET_NOTA], .payment = pay };
    }
    /* an exception twice in the file: every row after the first is bad,
     * and leaves the items (the first one alone goes on to be checked) */
    if (n > 1) {
        sheet_item *s = malloc(n * sizeof *s);
        if (s) {
            memcpy(s, items, n * sizeof *s);
            qsort(s, n, sizeof *s, cmp_item_id);
            size_t dups = 0;
            for (size_t i = 1; i < n; i++)
                if (s[i].id == s[i - 1].id) {
                    size_t f = i - 1;
                    while (f > 0 && s[f - 1].id == s[i].id)
                        f--;
                    badf(bad, ctx, s[i].row, "id: exception #%lld appears again (first on row %ld)", s[i].id, s[f].row);
                    problems++;
                    s[dups++].row = s[i].row;       /* rows to drop, reusing s */
                }
            /* items are in file order, so rows ascend: one merge pass */
            qsort(s, dups, sizeof *s, cmp_item_row);
            size_t k = 0, d = 0;
            for (size_t i = 0; i < n; i++) {
                while (d < dups && s[d].row < items[i].row)
                    d++;
                if (d < dups && s[d].row == items[i].row)
                    continue;
                items[k++] = items[i];
            }
            n = k;
            free(s);
        } else {
            badf(bad, ctx, 0, "out of memory checking for duplicate ids");
            problems++;
        }
    }
    *n_items = n;
    return problems;
}
