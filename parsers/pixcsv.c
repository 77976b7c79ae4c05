/* pixcsv.c - the Pix statement CSV reader: the canonical layout, or a PSP's
 * own export mapped onto it by a [profile NAME] (docs/formats/pix-csv.md).
 *
 * libcsv does the CSV syntax (quoting, doubled quotes, embedded delimiters
 * and newlines) in strict mode; this file feeds it the input one physical
 * line at a time, so that it knows the line where each row starts and
 * libcsv reports at most one row per call. Memory is constant: a 64 KiB
 * read buffer, fields capped at PIX_FIELD_MAX bytes inside libcsv (through
 * a bounded realloc), and fixed slots for the ten canonical columns.
 *
 * Text comes out as UTF-8: a latin-1 profile converts every byte, a utf-8
 * one refuses invalid sequences. Identifiers are checked with PCRE2
 * patterns compiled once per process; amounts and timestamps are parsed by
 * hand into int64 cents and epoch seconds (never floats). */
#include "common/civil.h"
#include "parsers/cnab.h"
#include "parsers/pixcsv.h"
#include "parsers/utf8.h"
#include "parsers/pixval.h"
#include "parsers/pixpsp.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <csv.h>
#include <errno.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PIX_READ_BUF  65536
#define PIX_FIELD_MAX 65536   /* longest field libcsv may hold */
#define PIX_SLOT_MAX  1024    /* bytes kept of a canonical column's value */
#define PIX_MAX_COLS  1024    /* columns in the header row */

enum {
    C_E2E, C_TXID, C_AMOUNT, C_SETTLED_AT, C_PAYER_DOC, C_PAYER_NAME, C_MESSAGE, C_KIND,
    C_REFUND_ID, C_REFUND_STATUS, N_COLS
};

/* Canonical column names; also the profile keys naming each column. */
static const char *const col_key[N_COLS] = {
    "end_to_end_id", "txid", "amount", "settled_at", "payer_doc", "payer_name", "message", "kind",
    "refund_id", "refund_status",
};
static const int col_required[N_COLS] = { [C_E2E] = 1, [C_AMOUNT] = 1, [C_SETTLED_AT] = 1 };

typedef enum { DF_ISO, DF_DMY, DF_DMY_HM, DF_DMY_HMS } date_fmt;
static const char *const date_fmt_name[] = { "iso", "dd/mm/yyyy", "dd/mm/yyyy hh:mm", "dd/mm/yyyy hh:mm:ss" };

/* A profile resolved into what the reader needs. Strings point into the
 * profile (or static canonical values): the profile must outlive the reader. */
typedef struct layout {
    const char *profile;            /* NULL = canonical layout */
    unsigned char delim;
    char decimal;                   /* '.' or ',' */
    date_fmt datef;
    int latin1;
    int tz_minutes;                 /* offset of timestamps written without one */
    const char *col_name[N_COLS];
    const char *kind_pix, *kind_refund;
} layout;

typedef struct slot {
    int present;                    /* this row had the column */
    size_t len;                     /* bytes kept in raw (at most PIX_SLOT_MAX) */
    unsigned char raw[PIX_SLOT_MAX];
    char text[2 * PIX_SLOT_MAX + 1];/* UTF-8, trimmed, NUL-terminated */
} slot;

struct pixcsv {
    gzFile in;                      /* NULL when sniffing memory */
    char name[256];
    layout lay;
    struct csv_parser csv;
    int csv_ready;

    /* input: the read buffer, or the sniffed head */
    unsigned char rbuf[PIX_READ_BUF];
    const unsigned char *data;
    size_t pos, end;
    int started, eof, finished;

    long line;                      /* physical line of the next byte fed */
    int last_cr;                    /* the last segment ended with CR */
    long row_line;                  /* line where the current row starts */

    /* header */
    int in_header;
    int ncols;
    int col_of[N_COLS];             /* 0-based column of each canonical field, -1 absent */
    short map[PIX_MAX_COLS];        /* canonical field of each column, -1 ignored */
    char found[600];                /* "a, b, c" for the missing-column message */

    /* the row being read */
    int nfield, row_done, row_nonempty, row_sub;
    slot slots[N_COLS];

    /* limits (0 = none): decompressed bytes of a gzip input, empty lines / rows in a row */
    long long max_bytes;
    long max_empty;
    long empty_rows;                /* rows of empty fields skipped in a row */

    /* an error raised inside a libcsv callback */
    int cb_failed;
    err_t cb_err;

    const pcre2_code *re_e2e, *re_rtr, *re_txid;   /* shared, see compile_once() */
    pcre2_match_data *md;
};

/* ---- messages ------------------------------------------------------------ */

static int fail_at(pixcsv *r, err_t *e, long line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail_at(pixcsv *r, err_t *e, long line, int col, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (col > 0)
        err_set(e, EX_DATAERR, "%s:%ld:%d: %s", r->name, line, col, msg);
    else
        err_set(e, EX_DATAERR, "%s:%ld: %s", r->name, line, msg);
    return -1;
}

/* s (UTF-8) quoted for a message: at most 60 bytes, control bytes and
 * quotes escaped, cut on a character boundary with "..." when longer. */
static const char *shown(const char *s, char *out, size_t outsz)
{
    size_t o = 0, n = strlen(s), i = 0;
    out[o++] = '\'';
    while (i < n && o + 8 < outsz) {
        unsigned char c = (unsigned char)s[i];
        if (i >= 60 && (c & 0xC0) != 0x80) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (c < 0x20 || c == 0x7F || c == '\'' || c == '\\') {
            o += (size_t)snprintf(out + o, outsz - o, "\\x%02X", c);
        } else {
            out[o++] = (char)c;
        }
        i++;
    }
    out[o++] = '\'';
    out[o] = '\0';
    return out;
}

/* ---- text ------------------------------------------------------------------ */

static int ascii_ieq(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return 0;
    }
    return 1;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    uint32_t cp;
    return utf8_seq_len(s, n, &cp);
}

/* raw (n bytes) to NUL-terminated UTF-8 in out (at least 2n+1 bytes),
 * spaces and tabs trimmed at both ends. Returns 0, or -1 with *bad set to
 * the first byte that is not UTF-8 (utf-8 encoding only). */
static int to_utf8(const layout *lay, const unsigned char *raw, size_t n, char *out, unsigned char *bad)
{
    size_t a = 0, b = n;
    while (a < b && (raw[a] == ' ' || raw[a] == '\t'))
        a++;
    while (b > a && (raw[b - 1] == ' ' || raw[b - 1] == '\t'))
        b--;
    size_t o = 0;
    for (size_t i = a; i < b;) {
        unsigned char c = raw[i];
        if (c < 0x80) {
            out[o++] = (char)c;
            i++;
            continue;
        }
        if (lay->latin1) {
            o += utf8_put(out + o, c);
            i++;
            continue;
        }
        size_t l = utf8_seq(raw + i, b - i);
        if (!l) {
            *bad = c;
            out[o] = '\0';
            return -1;
        }
        memcpy(out + o, raw + i, l);
        o += l;
        i += l;
    }
    out[o] = '\0';
    return 0;
}

/* ---- the layout -------------------------------------------------------------- */

static unsigned char delim_char(const char *d)
{
    if (!d || !*d || !strcmp(d, "comma"))
        return ',';
    if (!strcmp(d, "semicolon"))
        return ';';
    if (!strcmp(d, "tab"))
        return '\t';
    if (!strcmp(d, "pipe"))
        return '|';
    return (unsigned char)d[0];
}

static int tz_minutes(const char *tz)
{
    if (!tz || strlen(tz) != 6)
        return -180;
    int m = ((tz[1] - '0') * 10 + (tz[2] - '0')) * 60 + (tz[4] - '0') * 10 + (tz[5] - '0');
    return tz[0] == '-' ? -m : m;
}

static void layout_init(layout *l, const profile_cfg *p)
{
    memset(l, 0, sizeof *l);
    l->delim = ',';
    l->decimal = '.';
    l->datef = DF_ISO;
    l->tz_minutes = -180;
    l->kind_pix = "pix";
    l->kind_refund = "pix_refund";
    for (int c = 0; c < N_COLS; c++)
        l->col_name[c] = col_key[c];
    if (!p)
        return;
    const char *cols[N_COLS] = {
        p->col_end_to_end_id, p->col_txid, p->col_amount, p->col_settled_at, p->col_payer_doc,
        p->col_payer_name, p->col_message, p->col_kind, p->col_refund_id, p->col_refund_status,
    };
    l->profile = p->name ? p->name : "";
    l->delim = delim_char(p->delimiter);
    l->decimal = p->decimal && p->decimal[0] == ',' ? ',' : '.';
    for (int f = 0; f < 4; f++)
        if (p->date_format && !strcmp(p->date_format, date_fmt_name[f]))
            l->datef = (date_fmt)f;
    l->latin1 = p->encoding && !strcmp(p->encoding, "latin-1");
    l->tz_minutes = tz_minutes(p->timezone);
    if (p->kind_pix)
        l->kind_pix = p->kind_pix;
    if (p->kind_refund)
        l->kind_refund = p->kind_refund;
    for (int c = 0; c < N_COLS; c++)
        if (cols[c])
            l->col_name[c] = cols[c];
}

/* "(canonical layout)" or "(profile NAME, key KEY)" */
static const char *layout_what(const layout *l, int c, char *buf, size_t n)
{
    if (!l->profile)
        snprintf(buf, n, "canonical layout");
    else
        snprintf(buf, n, "profile %s, key %s", l->profile, col_key[c]);
    return buf;
}

/* ---- libcsv callbacks ------------------------------------------------------- */

/* Set when realloc itself refused a block bounded_realloc() allowed: libcsv
 * reports both that and a field past PIX_FIELD_MAX as CSV_ENOMEM, and only
 * the first is "out of memory". Per thread, as libcsv gives the callback no
 * context; cleared before each csv_parse(). */
static __thread int pix_oom;

/* libcsv grows its field buffer through this: refusing past PIX_FIELD_MAX
 * keeps memory constant whatever a file holds. */
static void *bounded_realloc(void *p, size_t n)
{
    if (n > PIX_FIELD_MAX)
        return NULL;
    void *q = realloc(p, n);
    if (!q)
        pix_oom = 1;
    return q;
}

static void cb_fail(pixcsv *r, long line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void cb_fail(pixcsv *r, long line, int col, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    if (r->cb_failed)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fail_at(r, &r->cb_err, line, col, "%s", msg);
    r->cb_failed = 1;
}

static void header_field(pixcsv *r, int fi, const unsigned char *d, size_t len)
{
    if (fi >= PIX_MAX_COLS) {
        cb_fail(r, r->row_line, fi + 1, "expected at most %d columns in the header, found more", PIX_MAX_COLS);
        return;
    }
    char name[2 * 256 + 1], show[128];
    unsigned char bad;
    if (len > 256)
        len = 256;
    if (to_utf8(&r->lay, d, len, name, &bad) < 0) {
        cb_fail(r, r->row_line, fi + 1, "expected UTF-8 text, found byte 0x%02X%s", bad,
                r->lay.profile ? "\nHINT: for a Latin-1 export set encoding = latin-1 in the profile"
                               : "\nHINT: a Latin-1 export needs a [profile NAME] with encoding = latin-1");
        return;
    }
    size_t fl = strlen(r->found);
    if (fl + 1 < sizeof r->found)
        snprintf(r->found + fl, sizeof r->found - fl, "%s%s", fi ? ", " : "", shown(name, show, sizeof show));
    r->map[fi] = -1;
    for (int c = 0; c < N_COLS; c++) {
        const char *want = r->lay.col_name[c];
        if (!*want || !ascii_ieq(name, strlen(name), want))
            continue;
        if (r->col_of[c] >= 0) {
            if (r->col_of[c] == fi)
                continue;
            cb_fail(r, r->row_line, fi + 1, "expected one column %s, found a second one (first at column %d)",
                    shown(name, show, sizeof show), r->col_of[c] + 1);
            return;
        }
        r->col_of[c] = fi;
        r->map[fi] = (short)c;
        break;
    }
}

static void on_field(void *data, size_t len, void *user)
{
    pixcsv *r = user;
    const unsigned char *d = data;
    if (r->cb_failed)
        return;
    int fi = r->nfield++;
    if (len)
        r->row_nonempty = 1;
    if (fi == 0 && len == 1 && d[0] == 0x1A)
        r->row_sub = 1;       /* a DOS end-of-file mark alone on the last line */
    if (r->in_header) {
        header_field(r, fi, d, len);
        return;
    }
    if (fi < r->ncols && r->map[fi] >= 0) {
        slot *s = &r->slots[r->map[fi]];
        s->present = 1;
        s->len = len < PIX_SLOT_MAX ? len : PIX_SLOT_MAX;
        if (s->len)
            memcpy(s->raw, d, s->len);
    }
}

static void on_row(int c, void *user)
{
    pixcsv *r = user;
    (void)c;
    r->row_done = 1;
}

/* ---- feeding libcsv ---------------------------------------------------------- */

static pixcsv *reader_new(const profile_cfg *profile, const char *name)
{
    pixcsv *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    snprintf(r->name, sizeof r->name, "%s", name ? name : "-");
    layout_init(&r->lay, profile);
    if (csv_init(&r->csv, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        free(r);
        return NULL;
    }
    r->csv_ready = 1;
    csv_set_delim(&r->csv, r->lay.delim);
    csv_set_realloc_func(&r->csv, bounded_realloc);
    csv_set_blk_size(&r->csv, 4096);
    r->line = 1;
    r->row_line = 1;
    r->in_header = 1;
    for (int c = 0; c < N_COLS; c++)
        r->col_of[c] = -1;
    return r;
}

static void row_reset(pixcsv *r)
{
    r->nfield = 0;
    r->row_done = 0;
    r->row_nonempty = 0;
    r->row_sub = 0;
    for (int c = 0; c < N_COLS; c++)
        r->slots[c].present = 0;
}

/* Feed one segment: bytes up to and including the next CR or LF, or up to
 * the end of what is buffered. libcsv therefore ends at most one row per
 * call, and a row that begins in the segment begins on r->line. */
static int feed_segment(pixcsv *r, err_t *e)
{
    const unsigned char *s = r->data + r->pos;
    size_t n = r->end - r->pos;
    const unsigned char *lf = memchr(s, '\n', n);
    const unsigned char *cr = memchr(s, '\r', lf ? (size_t)(lf - s) : n);
    if (cr || lf)
        n = (size_t)((cr ? cr : lf) - s) + 1;
    if (r->csv.pstate == 0)     /* libcsv's ROW_NOT_BEGUN */
        r->row_line = r->line;
    pix_oom = 0;
    size_t done = csv_parse(&r->csv, s, n, on_field, on_row, r);
    if (r->cb_failed) {
        *e = r->cb_err;
        return -1;
    }
    if (done < n) {
        int col = r->nfield + 1;
        if (csv_error(&r->csv) == CSV_ENOMEM && pix_oom)
            return err_fail(e, EX_SOFTWARE, "%s:%ld: out of memory reading a field", r->name, r->line);
        if (csv_error(&r->csv) != CSV_EPARSE)
            return fail_at(r, e, r->line, col, "expected a field of at most %d bytes, found a longer one",
                           PIX_FIELD_MAX);
        char what[16];
        unsigned char c = s[done];
        if (c >= 0x20 && c < 0x7F)
            snprintf(what, sizeof what, "'%c'", c);
        else
            snprintf(what, sizeof what, "byte 0x%02X", c);
        if (r->csv.pstate == 2 && !r->csv.quoted)   /* FIELD_BEGUN, unquoted */
            return fail_at(r, e, r->line, col,
                           "expected no quote inside an unquoted field, found %s"
                           "\nHINT: a field holding a quote must be quoted whole, with the quote doubled", what);
        return fail_at(r, e, r->line, col, "expected a delimiter or the end of the line after a closing quote, found %s",
                       what);
    }
    r->pos += n;
    /* A line ends with LF, CRLF or a lone CR (old Mac exports). */
    if (s[n - 1] == '\r')
        r->line++;
    else if (s[n - 1] == '\n' && !(n == 1 && r->last_cr))
        r->line++;
    r->last_cr = s[n - 1] == '\r';
    return 0;
}

/* Read more input into rbuf. Returns 1 with bytes, 0 at the end, -1 on a
 * read error. The first read skips a UTF-8 byte order mark. */
static int fill(pixcsv *r, err_t *e)
{
    if (!r->in || r->eof)
        return 0;
    size_t have = 0;
    do {
        int got = gzread(r->in, r->rbuf + have, (unsigned)(sizeof r->rbuf - have));
        int zerr = Z_OK;
        const char *m = got <= 0 ? gzerror(r->in, &zerr) : NULL;
        if (got < 0 || zerr != Z_OK) {
            /* zlib ends a truncated stream like a normal one, with Z_BUF_ERROR set */
            if (zerr == Z_BUF_ERROR)
                return fail_at(r, e, r->line, 0, "expected the rest of the gzip stream, found the end of the file"
                                                 "\nHINT: the file was cut short; fetch it again");
            if (zerr == Z_ERRNO)
                return fail_at(r, e, r->line, 0, "cannot read: %s", strerror(errno));
            /* gzerror() says "PATH: what"; the path is in our prefix already */
            const char *what = m && *m ? m : "read error";
            for (const char *p = what; (p = strstr(p, ": ")); p += 2)
                what = p + 2;
            return fail_at(r, e, r->line, 0, "expected gzip data, found a corrupt stream (zlib: %s)", what);
        }
        if (got == 0) {
            r->eof = 1;
            break;
        }
        have += (size_t)got;
        if (r->max_bytes > 0 && !gzdirect(r->in) && (long long)gztell(r->in) > r->max_bytes)
            return fail_at(r, e, r->line, 1,
                           "expected at most %lld bytes once decompressed ([ingest] max_decompressed_bytes), "
                           "found more (a gzip bomb?)",
                           r->max_bytes);
    } while (!r->started && have < 3);
    r->data = r->rbuf;
    r->pos = 0;
    r->end = have;
    if (!r->started) {
        r->started = 1;
        if (have >= 3 && !memcmp(r->rbuf, "\xEF\xBB\xBF", 3))
            r->pos = 3;
    }
    return r->pos < r->end ? 1 : 0;
}

/* Feed until libcsv ends a row. Returns 1 with a row, 0 at the end of the
 * input (no row), -1 on error. */
static int read_row(pixcsv *r, err_t *e)
{
    row_reset(r);
    long first = r->line;
    for (;;) {
        /* libcsv skips empty lines without a row: bound how many */
        if (r->max_empty > 0 && r->csv.pstate == 0 && r->nfield == 0 && r->line - first > r->max_empty)
            return fail_at(r, e, first, 1,
                           "expected a row, found more than %ld consecutive empty lines ([ingest] max_empty_lines)",
                           r->max_empty);
        if (r->finished)
            return 0;
        if (r->pos >= r->end) {
            int got = fill(r, e);
            if (got < 0)
                return -1;
            if (got == 0) {
                r->finished = 1;
                if (r->csv.pstate == 0)
                    return 0;
                if (csv_fini(&r->csv, on_field, on_row, r) != 0)
                    return fail_at(r, e, r->row_line, r->nfield + 1,
                                   "expected a closing quote, found the end of the file"
                                   "\nHINT: the quoted field that starts on this line never ends");
                if (r->cb_failed) {
                    *e = r->cb_err;
                    return -1;
                }
                return r->row_done;
            }
        }
        if (feed_segment(r, e) < 0)
            return -1;
        if (r->row_done)
            return 1;
    }
}

/* ---- values ------------------------------------------------------------------ */


/* settled_at per the layout's date format into epoch seconds (UTC):
 * ISO 8601 / RFC 3339 through pixval_timestamp (a date alone, a space
 * before the time and no offset allowed: the layout's timezone applies),
 * or dd/mm/yyyy[ hh:mm[:ss]] in the layout's timezone. 0 or -1 when
 * malformed or impossible. */
static int parse_when(const layout *l, const char *s, int64_t *out)
{
    size_t n = strlen(s);
    if (l->datef == DF_ISO)
        return pixval_timestamp(s, n, PIXVAL_TS_DATE_OK | PIXVAL_TS_SPACE_OK, l->tz_minutes, out);
    static const size_t want[] = { 0, 10, 16, 19 };
    if (n != want[l->datef] || s[2] != '/' || s[5] != '/')
        return -1;
    /* the same text rewritten as ISO: yyyy-mm-ddThh:mm:ss */
    char iso[20] = "0000-00-00T00:00:00";
    memcpy(iso, s + 6, 4);
    memcpy(iso + 5, s + 3, 2);
    memcpy(iso + 8, s, 2);
    if (l->datef >= DF_DMY_HM) {
        if (s[10] != ' ' || s[13] != ':')
            return -1;
        memcpy(iso + 11, s + 11, 5);
    }
    if (l->datef == DF_DMY_HMS) {
        if (s[16] != ':')
            return -1;
        memcpy(iso + 17, s + 17, 2);
    }
    return pixval_timestamp(iso, 19, 0, l->tz_minutes, out);
}

/* Does v equal (ignoring ASCII case) one of the '|'-separated values in list? */
static int in_list(const char *v, const char *list)
{
    size_t vn = strlen(v);
    if (!vn)
        return 0;
    while (*list) {
        const char *bar = strchr(list, '|');
        size_t n = bar ? (size_t)(bar - list) : strlen(list);
        char one[256];
        if (n < sizeof one) {
            memcpy(one, list, n);
            one[n] = '\0';
            if (ascii_ieq(v, vn, one))
                return 1;
        }
        list += n + (bar ? 1 : 0);
    }
    return 0;
}

static int re_match(pixcsv *r, const pcre2_code *re, const char *s)
{
    return pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, r->md, NULL) >= 0;
}

/* The identifier patterns, compiled once per process (pcre2_code is
 * read-only once compiled, so readers in several threads may share it). */
static pcre2_code *re_e2e, *re_rtr, *re_txid;
static pthread_once_t re_once = PTHREAD_ONCE_INIT;

static void compile_once(void)
{
    static const char *const pat[3] = {
        "^[ED][0-9A-Z]{8}\\d{12}[A-Za-z0-9]{11}$",
        "^D[0-9A-Z]{8}\\d{12}[A-Za-z0-9]{11}$",
        "^[a-zA-Z0-9]{1,35}$",
    };
    pcre2_code **dst[3] = { &re_e2e, &re_rtr, &re_txid };
    for (int i = 0; i < 3; i++) {
        int rc;
        PCRE2_SIZE off;
        /* DOLLAR_ENDONLY: "$" must not accept a value ending in a newline. */
        *dst[i] = pcre2_compile((PCRE2_SPTR)pat[i], PCRE2_ZERO_TERMINATED, PCRE2_DOLLAR_ENDONLY, &rc, &off, NULL);
        if (*dst[i])
            pcre2_jit_compile(*dst[i], PCRE2_JIT_COMPLETE);   /* the interpreter is the fallback */
    }
}

static int compile_patterns(pixcsv *r, err_t *e)
{
    pthread_once(&re_once, compile_once);
    if (!re_e2e || !re_rtr || !re_txid)
        return err_fail(e, EX_SOFTWARE, "cannot compile the Pix identifier patterns");
    r->re_e2e = re_e2e;
    r->re_rtr = re_rtr;
    r->re_txid = re_txid;
    r->md = pcre2_match_data_create(4, NULL);
    if (!r->md)
        return err_fail(e, EX_SOFTWARE, "out of memory");
    return 0;
}

/* ---- a row into a record ------------------------------------------------------- */

#define VAL(c) (r->slots[c].present ? r->slots[c].text : "")
#define COL(c) (r->col_of[c] + 1)

/* The row has the header's number of fields, each valid text in the
 * layout's encoding (converted to UTF-8 into its slot). */
static int row_fields(pixcsv *r, err_t *e)
{
    const layout *l = &r->lay;
    long line = r->row_line;
    if (r->nfield != r->ncols)
        return fail_at(r, e, line, r->nfield > r->ncols ? r->ncols + 1 : r->nfield + 1,
                       "expected %d fields as in the header, found %d", r->ncols, r->nfield);
    for (int c = 0; c < N_COLS; c++) {
        slot *s = &r->slots[c];
        unsigned char bad;
        if (s->present && to_utf8(l, s->raw, s->len, s->text, &bad) < 0)
            return fail_at(r, e, line, COL(c), "expected UTF-8 text, found byte 0x%02X%s", bad,
                           l->profile ? "\nHINT: for a Latin-1 export set encoding = latin-1 in the profile"
                                      : "\nHINT: a Latin-1 export needs a [profile NAME] with encoding = latin-1");
    }
    return 0;
}

/* The kind column, when the layout has one: a Pix or a refund. */
static int row_kind(pixcsv *r, settle_record *rec, err_t *e)
{
    const layout *l = &r->lay;
    char show[128];
    rec->kind = KIND_PIX;
    if (r->col_of[C_KIND] < 0)
        return 0;
    const char *k = VAL(C_KIND);
    if (in_list(k, l->kind_pix))
        rec->kind = KIND_PIX;
    else if (in_list(k, l->kind_refund))
        rec->kind = KIND_PIX_REFUND;
    else
        return fail_at(r, e, r->row_line, COL(C_KIND), "expected kind %s (a Pix) or %s (a refund), found %s",
                       l->kind_pix, l->kind_refund, shown(k, show, sizeof show));
    return 0;
}

/* The amount, greater than zero, with the layout's decimal separator. */
static int row_amount(pixcsv *r, settle_record *rec, err_t *e)
{
    const layout *l = &r->lay;
    char show[128];
    const char *v = VAL(C_AMOUNT);
    int64_t cents = 0;
    int arc = pixval_amount_grouped(v, strlen(v), l->decimal, &cents);
    if (arc == -2 || (arc == 0 && cents == 0))
        return fail_at(r, e, r->row_line, COL(C_AMOUNT), "expected an amount greater than zero, found %s",
                       shown(v, show, sizeof show));
    if (arc < 0)
        return fail_at(r, e, r->row_line, COL(C_AMOUNT), "expected an amount such as %s (2 decimals), found %s",
                       l->decimal == '.' ? "1234.56 or 1,234.56" : "1234,56 or 1.234,56", shown(v, show, sizeof show));
    rec->amount_paid_cents = cents;
    return 0;
}

/* settled_at in the layout's date format, and the Brazilian date (UTC-3)
 * of that instant. */
static int row_settled_at(pixcsv *r, settle_record *rec, err_t *e)
{
    const layout *l = &r->lay;
    char show[128];
    const char *v = VAL(C_SETTLED_AT);
    if (parse_when(l, v, &rec->settled_at) < 0)
        return fail_at(r, e, r->row_line, COL(C_SETTLED_AT), "expected settled_at as %s, found %s",
                       l->datef == DF_ISO ? "an RFC 3339 timestamp such as 2026-11-28T14:03:00-03:00"
                                          : date_fmt_name[l->datef],
                       shown(v, show, sizeof show));
    int y, m, d;
    civil_from_days((rec->settled_at - 3 * 3600 - ((rec->settled_at - 3 * 3600) % 86400 + 86400) % 86400) / 86400,
                    &y, &m, &d);
    rec->occurred_on = (settle_date){ (int16_t)y, (int8_t)m, (int8_t)d };
    return 0;
}

/* The end-to-end id (the Pix's identity across the payment system). */
static int row_e2e(pixcsv *r, settle_record *rec, err_t *e)
{
    char show[128];
    const char *v = VAL(C_E2E);
    if (!re_match(r, r->re_e2e, v))
        return fail_at(r, e, r->row_line, COL(C_E2E),
                       "expected an end-to-end id (E or D, 8-character ISPB, yyyyMMddHHmm, 11 letters or digits), found %s",
                       shown(v, show, sizeof show));
    snprintf(rec->end_to_end_id, sizeof rec->end_to_end_id, "%s", v);
    return 0;
}

/* The txid (optional), the payer's document (optional), name and message. */
static int row_payer(pixcsv *r, settle_record *rec, err_t *e)
{
    char show[128];
    const char *v = VAL(C_TXID);
    if (*v && !re_match(r, r->re_txid, v))
        return fail_at(r, e, r->row_line, COL(C_TXID), "expected a txid of 1 to 35 letters or digits, found %s",
                       shown(v, show, sizeof show));
    snprintf(rec->txid, sizeof rec->txid, "%s", v);

    v = VAL(C_PAYER_DOC);
    if (*v) {
        /* CPF, CNPJ or alphanumeric CNPJ (API Pix 2.9): parsers/pixpsp.c.
         * The document itself stays out of the message: it identifies a person. */
        char why[120];
        if (pix_doc_check(v, rec->payer_doc, why, sizeof why) < 0)
            return fail_at(r, e, r->row_line, COL(C_PAYER_DOC), "expected payer_doc as %s, found %s", PIX_DOC_EXPECT,
                           why);
    }
    v = VAL(C_PAYER_NAME);
    pixval_copy_text(rec->payer_name, sizeof rec->payer_name, v, strlen(v));
    v = VAL(C_MESSAGE);
    pixval_copy_text(rec->message, sizeof rec->message, v, strlen(v));
    return 0;
}

/* A received Pix: no refund columns filled; paid, credited the day it
 * settled. */
static int row_received(pixcsv *r, settle_record *rec, err_t *e)
{
    char show[128];
    const char *rid = VAL(C_REFUND_ID), *rst = VAL(C_REFUND_STATUS);
    if (*rid)
        return fail_at(r, e, r->row_line, COL(C_REFUND_ID), "expected no refund_id on a received Pix row, found %s",
                       shown(rid, show, sizeof show));
    if (*rst)
        return fail_at(r, e, r->row_line, COL(C_REFUND_STATUS),
                       "expected no refund_status on a received Pix row, found %s", shown(rst, show, sizeof show));
    rec->paid = 1;
    rec->amount_credited_cents = rec->amount_paid_cents;
    rec->credited_on = rec->occurred_on;
    return 0;
}

/* A refund: its refund id, and its status when given. */
static int row_refund(pixcsv *r, settle_record *rec, err_t *e)
{
    const layout *l = &r->lay;
    long line = r->row_line;
    char show[128];
    const char *rid = VAL(C_REFUND_ID), *rst = VAL(C_REFUND_STATUS);
    if (r->col_of[C_REFUND_ID] < 0)
        return fail_at(r, e, line, COL(C_KIND),
                       "expected a refund_id column for a refund row, found none in the header (%s)",
                       layout_what(l, C_REFUND_ID, show, sizeof show));
    if (!re_match(r, r->re_rtr, rid))
        return fail_at(r, e, line, COL(C_REFUND_ID),
                       "expected a refund id (D, 8-character ISPB, yyyyMMddHHmm, 11 letters or digits), found %s",
                       shown(rid, show, sizeof show));
    snprintf(rec->refund_id, sizeof rec->refund_id, "%s", rid);
    if (!*rst)
        return 0;
    static const char *const ok[] = { "EM_PROCESSAMENTO", "DEVOLVIDO", "NAO_REALIZADO" };
    int found = -1;
    for (int i = 0; i < 3; i++)
        if (ascii_ieq(rst, strlen(rst), ok[i]))
            found = i;
    if (found < 0)
        return fail_at(r, e, line, COL(C_REFUND_STATUS),
                       "expected refund_status EM_PROCESSAMENTO, DEVOLVIDO or NAO_REALIZADO, found %s",
                       shown(rst, show, sizeof show));
    snprintf(rec->refund_status, sizeof rec->refund_status, "%s", ok[found]);
    return 0;
}

static int row_to_record(pixcsv *r, settle_record *rec, err_t *e)
{
    if (row_fields(r, e) < 0)
        return -1;
    memset(rec, 0, sizeof *rec);
    rec->line = r->row_line;
    rec->format = FMT_PIX_CSV;
    if (row_kind(r, rec, e) < 0 || row_e2e(r, rec, e) < 0 || row_amount(r, rec, e) < 0 ||
        row_settled_at(r, rec, e) < 0 || row_payer(r, rec, e) < 0)
        return -1;
    if (rec->kind == KIND_PIX)
        return row_received(r, rec, e);
    return row_refund(r, rec, e);
}

/* ---- the header --------------------------------------------------------------- */

/* Read the header row (skipping nothing: the first non-blank row is it).
 * Returns 0 or -1 with e set. */
static int read_header(pixcsv *r, err_t *e)
{
    int got = read_row(r, e);
    if (got < 0)
        return -1;
    if (got == 0)
        return fail_at(r, e, 1, 0, "expected a header row, found an empty file");
    r->ncols = r->nfield;
    r->in_header = 0;
    for (int c = 0; c < N_COLS; c++) {
        if (!col_required[c] || r->col_of[c] >= 0)
            continue;
        char what[300];
        if (!r->lay.profile)
            return fail_at(r, e, r->row_line, 0,
                           "missing required column '%s' (canonical layout); found columns: %s"
                           "\nHINT: a PSP's own export needs a [profile NAME] and profile = NAME on its source",
                           col_key[c], r->found);
        return fail_at(r, e, r->row_line, 0, "missing required column '%s' (%s); found columns: %s",
                       r->lay.col_name[c], layout_what(&r->lay, c, what, sizeof what), r->found);
    }
    return 0;
}

/* ---- the interface --------------------------------------------------------------- */

int pixcsv_sniff(const char *head, size_t len, const profile_cfg *profile)
{
    pixcsv *r = reader_new(profile, "sniff");
    err_t e = { 0 };
    int ok = 0;
    if (!r)
        return -1;
    r->started = 1;
    r->eof = 1;
    r->data = (const unsigned char *)head;
    r->end = len;
    if (len >= 3 && !memcmp(head, "\xEF\xBB\xBF", 3))
        r->pos = 3;
    row_reset(r);
    while (r->pos < r->end && !r->row_done)
        if (feed_segment(r, &e) < 0) {
            if (e.code == EX_SOFTWARE)
                ok = -1;
            goto out;
        }
    /* A head that ends inside the header row: judge the fields seen so far
     * plus the one libcsv still holds. */
    if (!r->row_done && csv_fini(&r->csv, on_field, on_row, r) != 0)
        goto out;
    if (r->cb_failed)
        goto out;
    ok = 1;
    for (int c = 0; c < N_COLS; c++)
        if (col_required[c] && r->col_of[c] < 0)
            ok = 0;
out:
    pixcsv_close(r);
    return ok;
}

pixcsv *pixcsv_open(gzFile in, const char *display_name, const profile_cfg *profile, err_t *e)
{
    return pixcsv_open_limited(in, display_name, profile, 0, 0, e);
}

pixcsv *pixcsv_open_limited(gzFile in, const char *display_name, const profile_cfg *profile, long long max_bytes,
                            long max_empty, err_t *e)
{
    pixcsv *r = reader_new(profile, display_name);
    if (!r) {
        err_set(e, EX_SOFTWARE, "out of memory");
        return NULL;
    }
    r->in = in;
    r->max_bytes = max_bytes;
    r->max_empty = max_empty;
    if (compile_patterns(r, e) < 0 || read_header(r, e) < 0) {
        pixcsv_close(r);
        return NULL;
    }
    return r;
}

int pixcsv_next(pixcsv *r, settle_record *rec, err_t *e)
{
    for (;;) {
        int got = read_row(r, e);
        if (got <= 0)
            return got;
        /* Spreadsheets end exports with rows of empty fields; DOS with ^Z. */
        if (!r->row_nonempty || (r->row_sub && r->nfield == 1)) {
            if (r->max_empty > 0 && ++r->empty_rows > r->max_empty)
                return fail_at(r, e, r->row_line, 1,
                               "expected a row with values, found more than %ld consecutive rows of empty fields "
                               "([ingest] max_empty_lines)",
                               r->max_empty);
            continue;
        }
        r->empty_rows = 0;
        if (row_to_record(r, rec, e) < 0)
            return -1;
        return 1;
    }
}

void pixcsv_close(pixcsv *r)
{
    if (!r)
        return;
    if (r->csv_ready)
        csv_free(&r->csv);
    pcre2_match_data_free(r->md);
    free(r);
}
