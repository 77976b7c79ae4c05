/* sheet_xlsx.c - finance's filled-in exception sheet read back from an
 * xlsx workbook (report/sheet_read.h has the contract, report/sheet_int.h
 * what the readers share).
 *
 * libzip opens the zip from memory; each part is checked before it is
 * inflated (declared size, ratio, the running total) and read with a hard
 * cap, so a part that lies about its size stops at the cap too. libxml2's
 * xmlTextReader walks xl/workbook.xml (sheet order), its relationships
 * (sheet part names, the shared strings), xl/sharedStrings.xml and the
 * sheets, never building a tree; a DOCTYPE is refused, so no entity is ever
 * declared, and XML_PARSE_NONET keeps it off the network. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>
#include <zip.h>

#include "report/sheet_int.h"

#define NS_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

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
                sbuf_reset(&s);
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
            if (v && sbuf_add(&s, v, strlen(v)) < 0) {
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

#define SHEET_HEADER_ROWS 10

/* Where the walk over one sheet stands. */
typedef struct sheet_scan {
    xlsx *z;
    const char *part;
    xmlTextReaderPtr r;
    sheet_rows *out;
    int col_of[SHEET_NCOLS];        /* the header's column of each of the four, -1 not yet */
    int header_done, found;
    long row, last_row;
    int col, in_c, in_v, in_is, in_t;
    char ctype[16];                 /* the cell's t attribute ("s": a shared string) */
    sbuf v;                         /* the cell's value */
    sbuf cells[SHEET_NCOLS];        /* the row's four cells */
    int hdr_seen, hdr_rows;         /* above the header: a non-blank cell in this row, non-blank rows so far */
} sheet_scan;

/* <row>: its number (the r attribute, ascending; else the one after the
 * last), the cells of the previous row cleared. 0 or -1 with e set. */
static int scan_row_start(sheet_scan *s, int empty, int *end_row)
{
    xmlChar *a = xmlTextReaderGetAttribute(s->r, (const xmlChar *)"r");
    long n = s->last_row + 1;
    if (a) {
        char *end;
        errno = 0;
        n = strtol((const char *)a, &end, 10);
        if (errno || *end || n <= s->last_row || n > 1048576) {
            char q[64];
            err_set(s->z->e, EX_DATAERR, "%s: %s:%d: row: expected a row number after %ld, found %s", s->z->name,
                    s->part, xmlTextReaderGetParserLineNumber(s->r), s->last_row,
                    sheet_quote((const char *)a, q, sizeof q));
            xmlFree(a);
            return -1;
        }
        xmlFree(a);
    }
    s->row = s->last_row = n;
    s->col = -1;
    for (int k = 0; k < SHEET_NCOLS; k++)
        sbuf_reset(&s->cells[k]);
    if (empty)
        *end_row = 1;
    return 0;
}

/* <c>: its column (the r attribute; else the one after the last) and
 * type. 0 or -1 with e set. */
static int scan_cell_start(sheet_scan *s, int empty, int *end_c)
{
    xmlChar *a = xmlTextReaderGetAttribute(s->r, (const xmlChar *)"r");
    int c = s->col + 1;
    if (a) {
        c = ref_col((const char *)a);
        xmlFree(a);
        if (c < 0)
            return err_fail(s->z->e, EX_DATAERR, "%s: %s:%d: row %ld: expected a cell reference like AC12", s->z->name,
                            s->part, xmlTextReaderGetParserLineNumber(s->r), s->row);
    }
    s->col = c;
    xmlChar *t = xmlTextReaderGetAttribute(s->r, (const xmlChar *)"t");
    snprintf(s->ctype, sizeof s->ctype, "%s", t ? (const char *)t : "n");
    xmlFree(t);
    sbuf_reset(&s->v);
    s->in_c = 1;
    if (empty)
        *end_c = 1;
    return 0;
}

/* An element opens: a row, a cell, or a part of a cell's value. */
static int scan_element(sheet_scan *s, int *end_row, int *end_c)
{
    xmlTextReaderPtr r = s->r;
    int empty = xmlTextReaderIsEmptyElement(r);
    if (is_elem(r, "row"))
        return scan_row_start(s, empty, end_row);
    if (is_elem(r, "c"))
        return scan_cell_start(s, empty, end_c);
    if (s->in_c && is_elem(r, "v") && !empty)
        s->in_v = 1;
    else if (s->in_c && is_elem(r, "is"))
        s->in_is = 1;
    else if (s->in_is && is_elem(r, "t") && !empty)
        s->in_t = 1;
    else if (s->in_is && is_elem(r, "rPh") && !empty)
        s->in_is = 2;          /* phonetic run: skipped */
    return 0;
}

/* Text inside a cell's <v> or its inline string's <t>: appended to the
 * value. 0 or -1 with e set. */
static int scan_text(sheet_scan *s)
{
    if (!(s->in_v || (s->in_t && s->in_is == 1)))
        return 0;
    const char *t = (const char *)xmlTextReaderConstValue(s->r);
    if (t && sbuf_add(&s->v, t, strlen(t)) < 0)
        return err_fail(s->z->e, EX_SOFTWARE, "%s: out of memory", s->z->name);
    return 0;
}

/* An element closes. 1 when it is the sheet's data after the header (the
 * sheet is read), else 0. */
static int scan_end_element(sheet_scan *s, int *end_row, int *end_c)
{
    xmlTextReaderPtr r = s->r;
    if (is_elem(r, "v"))
        s->in_v = 0;
    else if (is_elem(r, "t"))
        s->in_t = 0;
    else if (is_elem(r, "rPh") && s->in_is == 2)
        s->in_is = 1;
    else if (is_elem(r, "is"))
        s->in_is = 0;
    else if (is_elem(r, "c"))
        *end_c = 1;
    else if (is_elem(r, "row"))
        *end_row = 1;
    else if (is_elem(r, "sheetData") && s->header_done)
        return 1;
    return 0;
}

/* A cell ends: its text (a shared string looked up) names a header column,
 * or is kept as one of the row's four cells. 0 or -1 with e set. */
static int scan_cell_end(sheet_scan *s)
{
    xlsx *z = s->z;
    s->in_c = s->in_v = s->in_t = s->in_is = 0;
    const char *text = s->v.p ? s->v.p : "";
    size_t full = s->v.full;
    if (!strcmp(s->ctype, "s") && s->v.n) {
        char *end;
        errno = 0;
        unsigned long i = strtoul(text, &end, 10);
        if (errno || *end || i >= z->n_strings) {
            char q[64];
            return err_fail(z->e, EX_DATAERR, "%s: %s: row %ld: expected a shared string index below %zu, found %s",
                            z->name, s->part, s->row, z->n_strings, sheet_quote(text, q, sizeof q));
        }
        text = z->strings[i];
        full = strlen(text);
    }
    if (!s->header_done) {
        if (full)
            s->hdr_seen = 1;
        int k = sheet_header_col(text);
        if (k >= 0 && s->col_of[k] < 0)
            s->col_of[k] = s->col;
        return 0;
    }
    for (int k = 0; k < SHEET_NCOLS; k++)
        if (s->col_of[k] == s->col) {
            sbuf_reset(&s->cells[k]);
            if (sbuf_add(&s->cells[k], text, strlen(text)) < 0)
                return err_fail(z->e, EX_SOFTWARE, "%s: out of memory", z->name);
            if (full > s->cells[k].full)
                s->cells[k].full = full;
        }
    return 0;
}

/* A row ends: a data row goes to out; above the header, a row naming the
 * four columns is the header, any other non-blank row a title (the header
 * may be below). 0 to read on, 1 when SHEET_HEADER_ROWS non-blank rows held
 * no header (not the exception sheet), -1 with e set. */
static int scan_row_end(sheet_scan *s)
{
    if (s->header_done)
        return sheet_push_row(s->out, s->z->name, s->row, s->cells, s->z->e) < 0 ? -1 : 0;
    if (!s->hdr_seen)
        return 0;       /* blank rows above the header */
    int all = 1;
    for (int k = 0; k < SHEET_NCOLS; k++)
        if (s->col_of[k] < 0)
            all = 0;
    if (all) {
        s->header_done = s->found = 1;
        return 0;
    }
    if (++s->hdr_rows == SHEET_HEADER_ROWS)
        return 1;       /* not the exception sheet */
    for (int k = 0; k < SHEET_NCOLS; k++)
        s->col_of[k] = -1;
    s->hdr_seen = 0;
    return 0;
}

/* One node of the sheet: 0 to read on, 1 to stop (the data read, or not
 * the exception sheet), -1 with e set. */
static int scan_node(sheet_scan *s)
{
    int type = xmlTextReaderNodeType(s->r);
    int end_row = 0, end_c = 0;
    if (type == XML_READER_TYPE_ELEMENT) {
        if (scan_element(s, &end_row, &end_c) < 0)
            return -1;
    } else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
               type == XML_READER_TYPE_WHITESPACE || type == XML_READER_TYPE_CDATA) {
        if (scan_text(s) < 0)
            return -1;
    } else if (type == XML_READER_TYPE_END_ELEMENT) {
        if (scan_end_element(s, &end_row, &end_c))
            return 1;
    }
    if (end_c && scan_cell_end(s) < 0)
        return -1;
    if (end_row)
        return scan_row_end(s);
    return 0;
}

/* One sheet: 1 when one of its first SHEET_HEADER_ROWS non-blank rows (a
 * title may sit above the header) names the four columns and the rows below
 * it were read into out, 0 when it is not the exception sheet, -1 with e set. */
static int read_sheet(xlsx *z, const char *part, sheet_rows *out)
{
    unsigned char *buf;
    size_t len;
    int rc = part_read(z, part, &buf, &len);
    if (rc)
        return rc < 0 ? -1 : err_fail(z->e, EX_DATAERR, "%s: the workbook names the sheet %s, which the zip lacks", z->name, part);
    xml_err xe = { { 0 }, 0 };
    sheet_scan s = { .z = z, .part = part, .out = out, .col_of = { -1, -1, -1, -1 }, .col = -1,
                     .v = { .limit = SHEET_CELL_MAX * 2 } };
    for (int k = 0; k < SHEET_NCOLS; k++)
        s.cells[k] = (sbuf){ .limit = SHEET_CELL_MAX };
    s.r = xml_open(z, buf, len, part, &xe);
    if (!s.r) {
        free(buf);
        return -1;
    }
    while ((rc = xml_next(s.r, &xe, z, part)) == 1) {
        int step = scan_node(&s);
        if (step < 0)
            rc = -1;
        if (step)
            break;
    }
    free(s.v.p);
    for (int k = 0; k < SHEET_NCOLS; k++)
        free(s.cells[k].p);
    xmlFreeTextReader(s.r);
    free(buf);
    if (rc < 0)
        return -1;
    return s.found;
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

/* The zip in buf (read in place), or NULL with e set. */
static zip_t *zip_open_mem(const char *name, const unsigned char *buf, size_t n, err_t *e)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(buf, n, 0, &ze);
    if (!src) {
        zip_error_fini(&ze);
        err_set(e, EX_SOFTWARE, "%s: out of memory", name);
        return NULL;
    }
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!za) {
        err_set(e, EX_DATAERR, "%s: expected an xlsx workbook (a zip), found a damaged zip: %s", name, zip_error_strerror(&ze));
        zip_source_free(src);
    }
    zip_error_fini(&ze);
    return za;
}

/* The workbook's sheets in order (xl/workbook.xml): their names and
 * relationship ids into sh (MAX_SHEETS of them), the count in *nsh. 0 or
 * -1 with e set. */
static int read_workbook(xlsx *z, sheet_ref *sh, int *nsh)
{
    const char *part = "xl/workbook.xml";
    unsigned char *wb;
    size_t wl;
    int got = part_read(z, part, &wb, &wl);
    if (got)
        return got < 0 ? -1
                       : err_fail(z->e, EX_DATAERR, "%s: expected an xlsx workbook, found a zip without %s", z->name, part);
    xml_err xe = { { 0 }, 0 };
    xmlTextReaderPtr r = xml_open(z, wb, wl, part, &xe);
    if (!r) {
        free(wb);
        return -1;
    }
    while ((got = xml_next(r, &xe, z, part)) == 1) {
        if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT || !is_elem(r, "sheet"))
            continue;
        if (*nsh == MAX_SHEETS) {
            got = err_fail(z->e, EX_DATAERR, "%s: %s: more than %d sheets", z->name, part, MAX_SHEETS);
            break;
        }
        xmlChar *nm = xmlTextReaderGetAttribute(r, (const xmlChar *)"name");
        xmlChar *id = xmlTextReaderGetAttributeNs(r, (const xmlChar *)"id", (const xmlChar *)NS_REL);
        snprintf(sh[*nsh].name, sizeof sh[*nsh].name, "%s", nm ? (const char *)nm : "");
        snprintf(sh[*nsh].rid, sizeof sh[*nsh].rid, "%s", id ? (const char *)id : "");
        xmlFree(nm);
        xmlFree(id);
        (*nsh)++;
    }
    xmlFreeTextReader(r);
    free(wb);
    return got < 0 ? -1 : 0;
}

int sheet_read_xlsx(const char *name, const unsigned char *buf, size_t n, sheet_rows *out, err_t *e)
{
    zip_t *za = zip_open_mem(name, buf, n, e);
    if (!za)
        return -1;
    xlsx z = { .name = name, .za = za, .e = e };
    snprintf(out->kind, sizeof out->kind, "xlsx");
    sheet_ref *sh = calloc(MAX_SHEETS, sizeof *sh);
    int nsh = 0, rc = -1;
    char strings_part[256] = "";
    if (!sh) {
        err_set(e, EX_SOFTWARE, "%s: out of memory", name);
        goto out;
    }
    if (read_workbook(&z, sh, &nsh) < 0 || read_rels(&z, sh, nsh, strings_part, sizeof strings_part) < 0)
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
    free(sh);
    for (size_t i = 0; i < z.n_strings; i++)
        free(z.strings[i]);
    free(z.strings);
    zip_discard(za);
    return rc;
}
