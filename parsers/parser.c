/* parser.c - opening a return file: input (plain or gzip through zlib, or a
 * memory buffer), line splitting, format detection, and dispatch to the
 * CNAB 240 / CNAB 400 readers, the Pix CSV reader and the API Pix JSON reader.
 *
 * Memory is constant: one PARSER_BUF input buffer and one normalised line,
 * whatever the size of the file. */
#include "parsers/parser_int.h"
#include "parsers/pixpsp.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const format_names[] = {
    [FMT_CNAB240] = "cnab240", [FMT_CNAB400] = "cnab400", [FMT_PIX_CSV] = "pix-csv",
    [FMT_PIX_API] = "pix-api", [FMT_PIX_PSP] = "pix-psp", [FMT_CIELO] = "cielo",
    [FMT_REDE] = "rede",
};
#define N_FORMATS ((int)(sizeof format_names / sizeof format_names[0]))

const char *record_format_name(record_format f)
{
    return f > FMT_UNKNOWN && (int)f < N_FORMATS && format_names[f] ? format_names[f] : "unknown";
}

record_format record_format_from_name(const char *s)
{
    for (int f = FMT_UNKNOWN + 1; s && f < N_FORMATS; f++)
        if (format_names[f] && !strcmp(format_names[f], s))
            return (record_format)f;
    return FMT_UNKNOWN;
}

const char *record_format_list(void)
{
    return "cnab240, cnab400, pix-csv, pix-api, pix-psp, cielo, rede";
}

const char *record_kind_name(record_kind k)
{
    switch (k) {
    case KIND_PIX: return "pix";
    case KIND_PIX_REFUND: return "pix_refund";
    case KIND_CARD_SALE: return "card_sale";
    case KIND_CARD_SETTLEMENT: return "card_settlement";
    case KIND_CARD_ADJUSTMENT: return "card_adjustment";
    default: return "boleto";
    }
}

int parser_fail(parser *p, err_t *e, long line, size_t col, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err_set(e, EX_DATAERR, "%s:%ld:%zu: %s", p->name, line, col, msg);
    p->failed = 1;
    return -1;
}

void parser_warn(parser *p, long line, size_t col, const char *fmt, ...)
{
    p->info.warnings++;
    if (!p->opts.warn)
        return;
    char msg[600], full[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(full, sizeof full, "%s:%ld:%zu: warning: %s", p->name, line, col, msg);
    p->opts.warn(p->opts.warn_arg, line, full);
}

void parser_xcheck(parser *p, const settle_record *rec, unsigned flags)
{
    char msg[400];
    if (!flags || !cnab_xcheck(rec, flags, msg, sizeof msg))
        return;
    p->info.xcheck_mismatches++;
    parser_warn(p, rec->line, 1, "money does not add up: %s (the record is read as the bank sent it)", msg);
}

/* Refill buf so that it holds as much unread input as fits. 0 or -1. */
static int fill(parser *p, err_t *e)
{
    if (p->mem)
        return 0; /* the whole input is in buf already */
    if (p->beg > 0) {
        memmove(p->buf, p->buf + p->beg, p->end - p->beg);
        p->end -= p->beg;
        p->beg = 0;
    }
    while (!p->eof && p->end < PARSER_BUF) {
        size_t want = PARSER_BUF - p->end;
        /* plain files are read directly: gzread would copy every byte once more */
        int n = p->fd >= 0 ? (int)read(p->fd, p->buf + p->end, want) : gzread(p->gz, p->buf + p->end, (unsigned)want);
        if (n < 0 && p->fd >= 0) {
            err_set(e, EX_DATAERR, "%s: cannot read: %s", p->name, strerror(errno));
            p->failed = 1;
            return -1;
        }
        if (n < 0) {
            int zerr;
            const char *m = gzerror(p->gz, &zerr);
            err_set(e, EX_DATAERR, "%s: cannot read: %s", p->name, zerr == Z_ERRNO ? strerror(errno) : m);
            p->failed = 1;
            return -1;
        }
        if (n == 0) {
            /* a truncated gzip stream ends in an error, not here */
            p->eof = 1;
            break;
        }
        p->end += (size_t)n;
        if (p->gz) {
            p->inflated += n;
            if (p->opts.max_decompressed_bytes > 0 && p->inflated > p->opts.max_decompressed_bytes)
                return parser_fail(p, e, p->lineno + 1, 1,
                                   "expected at most %lld bytes once decompressed ([ingest] max_decompressed_bytes), "
                                   "found more (a gzip bomb?)",
                                   p->opts.max_decompressed_bytes);
        }
    }
    return 0;
}

int parser_pull(parser *p, const unsigned char **s, size_t *n, err_t *e)
{
    if (p->beg >= p->end) {
        if (fill(p, e) < 0)
            return -1;
        if (p->beg >= p->end)
            return 0;
    }
    *s = p->buf + p->beg;
    *n = p->end - p->beg;
    p->beg = p->end;
    return 1;
}

/* The next physical line: *s, *n (without '\n'). 1, 0 at end, -1 error. */
static int next_raw(parser *p, const unsigned char **s, size_t *n, err_t *e)
{
    for (;;) {
        unsigned char *a = p->buf + p->beg;
        size_t avail = p->end - p->beg;
        unsigned char *nl = memchr(a, '\n', avail);
        if (nl) {
            *s = a;
            *n = (size_t)(nl - a);
            p->beg += *n + 1;
            p->lineno++;
            if (*n > CNAB_MAX_RAW)
                return parser_fail(p, e, p->lineno, 1, "expected a line of at most %d bytes, found %zu bytes",
                                   CNAB_MAX_RAW, *n);
            return 1;
        }
        if (p->eof || avail > CNAB_MAX_RAW) {
            if (avail == 0)
                return 0;
            *s = a;
            *n = avail;
            p->beg = p->end;
            p->lineno++;
            if (avail > CNAB_MAX_RAW)
                return parser_fail(p, e, p->lineno, 1, "expected a line of at most %d bytes, found more",
                                   CNAB_MAX_RAW);
            return 1;
        }
        if (fill(p, e) < 0)
            return -1;
    }
}

int parser_read_line(parser *p, err_t *e)
{
    if (p->have_peek) {
        p->have_peek = 0;
        return 1;
    }
    for (;;) {
        const unsigned char *s;
        size_t n;
        int r = next_raw(p, &s, &n, e);
        if (r <= 0)
            return r;
        cnab_line_norm(s, n, p->lineno == 1, &p->line);
        if (p->line.len == 0) {
            if (!p->blank_from)
                p->blank_from = p->lineno;
            if (p->opts.max_empty_lines > 0 && p->lineno - p->blank_from >= p->opts.max_empty_lines)
                return parser_fail(p, e, p->blank_from, 1,
                                   "expected a record, found more than %ld consecutive empty lines "
                                   "([ingest] max_empty_lines)",
                                   p->opts.max_empty_lines);
            continue;
        }
        if (p->blank_from) {
            long b = p->blank_from;
            p->blank_from = 0;
            return parser_fail(p, e, b, 1, "expected a record, found a blank line");
        }
        return 1;
    }
}

int parser_fit(parser *p, size_t layout, err_t *e)
{
    size_t found;
    if (cnab_line_fit(&p->line, layout, &found) < 0)
        return parser_fail(p, e, p->lineno, layout + 1,
                           "expected a line of %zu characters (spaces allowed beyond), found %zu characters", layout,
                           found);
    return 0;
}

/* ---- format detection ---- */

/* What the first line looks like, for the message refusing the file. */
static void describe(const cnab_line *l, char *buf, size_t size)
{
    if (l->len == 0) {
        snprintf(buf, size, "an empty file");
        return;
    }
    if (l->len >= 9 && !memcmp(l->c, "01REMESSA", 9)) {
        snprintf(buf, size, "a CNAB 400 remessa ('01REMESSA'): a file sent to the bank, not a return");
        return;
    }
    size_t ctl = 0;
    for (size_t i = 0; i < l->len; i++)
        if (l->c[i] < 0x20 && l->c[i] != '\t')
            ctl++;
    if (ctl > 0) {
        snprintf(buf, size, "binary data (%zu control bytes in the first line)", ctl);
        return;
    }
    if (l->len >= 79 && l->len <= 400 && l->c[0] == '0' && l->c[76] >= '0' && l->c[76] <= '9') {
        char bank[4];
        cnab_text(l, 77, 3, bank, sizeof bank);
        snprintf(buf, size, "a 400-character header without '02RETORNO' at 1-9 (bank code '%s' at 77-79%s)", bank,
                 cnab400_bank_find(bank) ? "" : ", not a bank we know");
        return;
    }
    char head[41];
    cnab_text(l, 1, l->len < 40 ? l->len : 40, head, sizeof head);
    if (strchr(head, ',') || strchr(head, ';'))
        snprintf(buf, size, "a CSV file that is not a Pix statement we know ('%s')", head);
    else
        snprintf(buf, size, "a %zu-character line starting '%s'", l->len, head);
}

/* A CNAB 240 file header: bank code digits, lote 0000, record type 0 at 8.
 * Position 143 (return/remessa) is checked by cnab240_start(). */
static int looks_240(const cnab_line *l)
{
    return l->len >= 8 && l->len <= 240 + 16 && !memcmp(l->c + 3, "00000", 5) && l->c[0] >= '0' &&
           l->c[0] <= '9' && l->c[1] >= '0' && l->c[1] <= '9' && l->c[2] >= '0' && l->c[2] <= '9';
}

/* "RETORNO" in any case: Banestes (L44), Safra (L96) and the Fibra family
 * (ABC L25, Rendimento L51) write the literal "Retorno" (issue 19). */
static int looks_400(const cnab_line *l)
{
    return l->len >= 9 && ((!memcmp(l->c, "02", 2) && !strncasecmp((const char *)l->c + 2, "RETORNO", 7)) ||
                           !memcmp(l->c, "01REMESSA", 9));
}

static int looks_pixcsv(const cnab_line *l)
{
    return memchr(l->c, ',', l->len) || memchr(l->c, ';', l->len);
}

/* Hand the file to the Pix CSV reader (parsers/pixcsv.c), which reads
 * through a gzFile from the start: the gzip input itself, a gzFile over a
 * dup of the plain file, or over a memfd copy of a memory buffer (fuzzing).
 * Unless --format pix-csv forced it, the header row must be one the reader
 * knows (pixcsv_sniff), else the file is refused as an unknown CSV. */
static int open_pixcsv(parser *p, int forced, err_t *e)
{
    /* buf holds the first bytes read (or, for memory input, all of them) */
    const char *head = (const char *)p->buf;
    size_t head_len = p->end;
    int known = forced ? 1 : pixcsv_sniff(head, head_len, p->opts.profile);
    if (known < 0) {
        p->failed = 1;
        return err_fail(e, EX_SOFTWARE, "%s: out of memory reading the CSV header", p->name);
    }
    if (!known) {
        char what[200];
        describe(&p->line, what, sizeof what);
        return parser_fail(p, e, 1, 1,
                           "expected a CNAB 240 return (record type '0' at position 8, '2' at 143), "
                           "a CNAB 400 return ('02RETORNO') or a Pix statement CSV, found %s",
                           what);
    }
    gzFile in = p->gz;
    if (in) {
        if (gzrewind(in) < 0)
            return parser_fail(p, e, 1, 1, "cannot rewind the gzip stream");
    } else {
        int fd;
        if (p->mem) {
            fd = memfd_create("settle-pixcsv", MFD_CLOEXEC);
            if (fd >= 0 && (write(fd, p->buf, p->end) != (ssize_t)p->end || lseek(fd, 0, SEEK_SET) < 0)) {
                close(fd);
                fd = -1;
            }
        } else {
            fd = lseek(p->fd, 0, SEEK_SET) < 0 ? -1 : dup(p->fd);
        }
        if (fd < 0 || !(p->pix_gz = gzdopen(fd, "rb"))) {
            if (fd >= 0)
                close(fd);
            p->failed = 1;
            return err_fail(e, EX_SOFTWARE, "%s: cannot reopen for the Pix CSV reader: %s", p->name, strerror(errno));
        }
        in = p->pix_gz;
    }
    p->pix = pixcsv_open_limited(in, p->name, p->opts.profile, p->opts.max_decompressed_bytes, p->opts.max_empty_lines, e);
    if (!p->pix) {
        p->failed = 1;
        return -1;
    }
    p->info.format = FMT_PIX_CSV;
    return 0;
}

/* API Pix JSON (parsers/pixapi.c): the first byte that is not blank (after
 * a UTF-8 BOM) is '{'. Looked at before any line is read: one JSON Lines
 * document may be longer than a CNAB line. 1, 0, or -1 on a read error. */
static int looks_json(parser *p, err_t *e)
{
    if (fill(p, e) < 0)
        return -1;
    size_t i = p->beg;
    if (p->end - i >= 3 && !memcmp(p->buf + i, "\xEF\xBB\xBF", 3))
        i += 3;
    while (i < p->end && (p->buf[i] == ' ' || p->buf[i] == '\t' || p->buf[i] == '\r' || p->buf[i] == '\n'))
        i++;
    return i < p->end && p->buf[i] == '{';
}

static int open_pixapi(parser *p, err_t *e)
{
    p->info.format = FMT_PIX_API;
    p->api = pixapi_open(p, e);
    return p->api ? 0 : (p->failed = 1, -1);
}

static int detect(parser *p, err_t *e)
{
    int json = p->opts.format == FMT_PIX_API ? 1 : p->opts.format == FMT_UNKNOWN ? looks_json(p, e) : 0;
    if (json)
        return json < 0 ? -1 : open_pixapi(p, e);
    int r = parser_read_line(p, e);
    if (r < 0)
        return -1;
    if (r == 0) {
        if (p->opts.format == FMT_PIX_CSV)
            return open_pixcsv(p, 1, e);
        if (p->opts.format == FMT_PIX_PSP)
            return pixpsp_open(p, NULL, e);
        return parser_fail(p, e, 1, 1, "expected a CNAB 240 or CNAB 400 return or a Pix statement CSV, found an empty file");
    }
    cnab_line *l = &p->line;
    record_format want = p->opts.format;
    if (want == FMT_PIX_CSV)
        return open_pixcsv(p, 1, e);
    /* a PSP's record-typed statement (parsers/pixpsp*.c): its header record */
    if (want == FMT_PIX_PSP || (want == FMT_UNKNOWN && pixpsp_sniff((const char *)p->buf, p->end)))
        return pixpsp_open(p, pixpsp_sniff((const char *)p->buf, p->end), e);
    /* card acquirers: Cielo's header has 'CIELO' at 43-47 */
    if (want == FMT_CIELO || (want == FMT_UNKNOWN && cielo_sniff(l)))
        return cielo_start(p, e);
    /* Rede: 002 (EEVC) or 030 (EEFI) then 'Rede' at 12-19, or EEVD's "00," line */
    if (want == FMT_REDE || (want == FMT_UNKNOWN && rede_sniff(l)))
        return rede_start(p, e);
    if (want == FMT_CNAB240 || (want == FMT_UNKNOWN && looks_240(l))) {
        if (!looks_240(l)) {
            char what[200];
            describe(l, what, sizeof what);
            return parser_fail(p, e, 1, 1,
                               "expected a CNAB 240 file header (record type '0' at position 8), found %s%s", what,
                               looks_400(l) ? " (a CNAB 400 file)" : "");
        }
        p->info.format = FMT_CNAB240;
        return cnab240_start(p, e);
    }
    if (want == FMT_CNAB400 || (want == FMT_UNKNOWN && looks_400(l))) {
        if (!looks_400(l)) {
            char what[200];
            describe(l, what, sizeof what);
            return parser_fail(p, e, 1, 1, "expected a CNAB 400 return header ('02RETORNO' at 1-9), found %s%s",
                               what, looks_240(l) ? " (a CNAB 240 file)" : "");
        }
        p->info.format = FMT_CNAB400;
        return cnab400_start(p, e);
    }
    if (looks_pixcsv(l))
        return open_pixcsv(p, 0, e);
    char what[200];
    describe(l, what, sizeof what);
    return parser_fail(p, e, 1, 1,
                       "expected a CNAB 240 return (record type '0' at position 8, '2' at 143), "
                       "a CNAB 400 return ('02RETORNO') or a Pix statement CSV, found %s",
                       what);
}

static parser *parser_new(const char *display_name, const parse_opts *opts, int with_buf)
{
    parser *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    if (with_buf && !(p->buf = malloc(PARSER_BUF))) {
        free(p);
        return NULL;
    }
    snprintf(p->name, sizeof p->name, "%s", display_name);
    p->fd = -1;
    if (opts)
        p->opts = *opts;
    return p;
}

parser *parser_open(const char *path, const char *display_name, const parse_opts *opts, err_t *e)
{
    parser *p = parser_new(display_name ? display_name : path, opts, 1);
    if (!p) {
        err_set(e, EX_SOFTWARE, "out of memory opening %s", path);
        return NULL;
    }
    /* gzip (magic 1f 8b) goes through zlib; anything else is read as is */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        err_set(e, EX_DATAERR, "%s: cannot open: %s", p->name, strerror(errno));
        parser_close(p);
        return NULL;
    }
    unsigned char magic[2];
    ssize_t got = pread(fd, magic, 2, 0);
    if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
        p->gz = gzdopen(fd, "rb");
        if (!p->gz) {
            close(fd);
            err_set(e, EX_SOFTWARE, "%s: cannot open: out of memory", p->name);
            parser_close(p);
            return NULL;
        }
        gzbuffer(p->gz, 128 * 1024);
    } else
        p->fd = fd;
    if (detect(p, e) < 0) {
        parser_close(p);
        return NULL;
    }
    return p;
}

parser *parser_open_mem(const void *data, size_t len, const char *display_name, const parse_opts *opts, err_t *e)
{
    parser *p = parser_new(display_name, opts, 0);
    if (!p) {
        err_set(e, EX_SOFTWARE, "out of memory opening %s", display_name);
        return NULL;
    }
    /* read in place: buf is the caller's bytes, never written */
    p->mem = data ? data : (const unsigned char *)"";
    p->buf = (unsigned char *)(uintptr_t)p->mem;
    p->end = data ? len : 0;
    p->eof = 1;
    if (detect(p, e) < 0) {
        parser_close(p);
        return NULL;
    }
    return p;
}

int parser_next(parser *p, settle_record *rec, err_t *e)
{
    if (p->failed)
        return err_fail(e, EX_DATAERR, "%s: the file is invalid (an earlier error)", p->name);
    if (p->done)
        return 0;
    int r = p->cielo                        ? cielo_next(p, rec, e)
            : p->rede                       ? rede_next(p, rec, e)
            : p->psp                        ? pixpsp_next(p, rec, e)
            : p->pix                        ? pixcsv_next(p->pix, rec, e)
            : p->api                        ? pixapi_next(p->api, rec, e)
            : p->info.format == FMT_CNAB240 ? cnab240_next(p, rec, e)
                                            : cnab400_next(p, rec, e);
    if (r == 1)
        p->info.records++;
    else if (r == 0)
        p->done = 1;
    else
        p->failed = 1;
    return r;
}

const file_info *parser_info(const parser *p)
{
    return &p->info;
}

void parser_close(parser *p)
{
    if (!p)
        return;
    pixpsp_free(p);
    cielo_free(p);
    rede_free(p);
    if (p->pix)
        pixcsv_close(p->pix);
    pixapi_close(p->api);
    if (p->pix_gz)
        gzclose(p->pix_gz);
    if (p->gz)
        gzclose(p->gz);
    if (p->fd >= 0)
        close(p->fd);
    if (!p->mem)
        free(p->buf);
    free(p);
}
