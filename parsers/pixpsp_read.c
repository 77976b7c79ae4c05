/* pixpsp_read.c - the table-driven reader of PSP statements (pixpsp.h;
 * the layout tables and the decoding of one record are parsers/pixpsp.c).
 * libcsv splits each line on the layout's delimiter (strict quoting).
 *
 * Two passes over the input (a gzFile that parser.c opened and can rewind):
 *   1. every line is checked (type known, field count, values), the records
 *      of each type are counted and compared with the trailer, and the fees
 *      (and fee reversals) are added up per end-to-end id in a hash that
 *      also holds every Pix received, so a fee may come before or after its
 *      Pix. A statement with any bad line is refused whole, before any
 *      record is returned.
 *   2. the settlements are returned in file order, each received Pix with
 *      the net fee of its end-to-end id.
 * Memory: one read buffer, one line, and one ~90-byte hash entry per Pix
 * (at most pixpsp_max_pix). */
#include "parsers/cnab.h"
#include "parsers/pixpsp_int.h"
#include "parsers/pixval.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* yyyy-mm-dd: 0 with *d set, -1 when malformed or not a calendar day. */
static int parse_ymd(const char *s, size_t n, settle_date *d)
{
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    int y = pixval_num(s, 4), m = pixval_num(s + 5, 2), dd = pixval_num(s + 8, 2);
    if (y < 1970 || !cnab_valid_date(y, m, dd))
        return -1;
    *d = (settle_date){ (int16_t)y, (int8_t)m, (int8_t)dd };
    return 0;
}

/* ---- input ---------------------------------------------------------------------- */

int pixpsp_fail(parser *p, err_t *e, long line, int col, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return parser_fail(p, e, line, (size_t)col, "%s", msg);
}

static int fill(parser *p, err_t *e)
{
    struct pixpsp *r = p->psp;
    if (r->eof)
        return 0;
    int got = gzread(r->in, r->rbuf, sizeof r->rbuf);
    int zerr = Z_OK;
    const char *m = got <= 0 ? gzerror(r->in, &zerr) : NULL;
    if (got < 0 || zerr != Z_OK) {
        if (zerr == Z_BUF_ERROR)
            return pixpsp_fail(p, e, r->lineno + 1, 1, "expected the rest of the gzip stream, found the end of the file"
                                                 "\nHINT: the file was cut short; fetch it again");
        return pixpsp_fail(p, e, r->lineno + 1, 1, "cannot read: %s", zerr == Z_ERRNO ? strerror(errno) : m ? m : "?");
    }
    if (got == 0) {
        r->eof = 1;
        return 0;
    }
    r->pos = 0;
    r->end = (size_t)got;
    if (!r->started) {
        r->started = 1;
        if (r->end >= 3 && !memcmp(r->rbuf, "\xEF\xBB\xBF", 3))
            r->pos = 3;
    }
    return 1;
}

/* The next physical line into r->line (without CR LF). 1, 0 at the end, -1. */
static int next_line(parser *p, err_t *e)
{
    struct pixpsp *r = p->psp;
    r->len = 0;
    int any = 0;
    for (;;) {
        if (r->pos >= r->end) {
            int got = fill(p, e);
            if (got < 0)
                return -1;
            if (got == 0) {
                if (!any)
                    return 0;
                break;
            }
        }
        any = 1;
        unsigned char *s = r->rbuf + r->pos;
        size_t n = r->end - r->pos;
        unsigned char *nl = memchr(s, '\n', n);
        size_t take = nl ? (size_t)(nl - s) : n;
        if (r->len + take > PSP_MAX_LINE)
            return pixpsp_fail(p, e, r->lineno + 1, 1, "expected a line of at most %d bytes, found a longer one",
                               PSP_MAX_LINE);
        memcpy(r->line + r->len, s, take);
        r->len += take;
        r->pos += take + (nl ? 1 : 0);
        if (nl)
            break;
    }
    r->lineno++;
    while (r->len && (r->line[r->len - 1] == '\r' || r->line[r->len - 1] == 0x1A))
        r->len--;
    r->line[r->len] = '\0';
    return 1;
}

static void on_field(void *data, size_t len, void *user)
{
    struct pixpsp *r = user;
    if (r->nf >= PSP_MAX_FIELDS) {
        r->too_many = 1;
        r->nf++;
        return;
    }
    r->foff[r->nf] = r->fused;
    r->flen[r->nf] = len;
    if (len)
        memcpy(r->fields + r->fused, data, len);
    r->fused += len;
    r->fields[r->fused++] = '\0';
    r->nf++;
}

static void on_row(int c, void *user)
{
    (void)c;
    (void)user;
}


/* Split r->line into fields. 0 or -1. */
static int split(parser *p, err_t *e)
{
    struct pixpsp *r = p->psp;
    r->nf = 0;
    r->too_many = 0;
    r->fused = 0;
    size_t done = csv_parse(&r->csv, r->line, r->len, on_field, on_row, r);
    if (done < r->len) {
        char c = r->line[done];
        return pixpsp_fail(p, e, r->lineno, r->nf + 1,
                           "expected a delimiter or the end of the line after a closing quote, or no quote inside an "
                           "unquoted field, found %s%c%s",
                           c >= 0x20 && c < 0x7F ? "'" : "byte ", c >= 0x20 && c < 0x7F ? c : '?',
                           c >= 0x20 && c < 0x7F ? "'" : "");
    }
    if (csv_fini(&r->csv, on_field, on_row, r) != 0)
        return pixpsp_fail(p, e, r->lineno, r->nf + 1, "expected a closing quote, found the end of the line");
    if (r->too_many)
        return pixpsp_fail(p, e, r->lineno, PSP_MAX_FIELDS + 1, "expected at most %d fields, found %d", PSP_MAX_FIELDS,
                           r->nf);
    return 0;
}

/* ---- the hash of end-to-end ids ------------------------------------------------------ */

static uint64_t hash32(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < 32 && s[i]; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static psp_entry *entry_find(struct pixpsp *r, const char *e2e)
{
    if (!r->cap)
        return NULL;
    size_t j = hash32(e2e) & (r->cap - 1);
    while (r->tab[j].e2e[0]) {
        if (!strcmp(r->tab[j].e2e, e2e))
            return &r->tab[j];
        j = (j + 1) & (r->cap - 1);
    }
    return NULL;
}

/* The entry for e2e, created when absent. NULL with e set when full or out of memory. */
static psp_entry *entry_for(parser *p, const char *e2e, err_t *e)
{
    struct pixpsp *r = p->psp;
    psp_entry *found = entry_find(r, e2e);
    if (found)
        return found;
    if ((long)r->used >= pixpsp_max_pix) {
        pixpsp_fail(p, e, r->lineno, 1,
                    "expected at most %ld Pix (received, or charged a fee) in one statement, found more"
                    "\nHINT: the limit is PIXPSP_MAX_PIX in parsers/pixpsp.h",
                    pixpsp_max_pix);
        return NULL;
    }
    if (r->cap == 0 || (r->used + 1) * 2 > r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 1024;
        psp_entry *nt = calloc(ncap, sizeof *nt);
        if (!nt) {
            p->failed = 1;
            err_set(e, EX_SOFTWARE, "%s:%ld: out of memory holding the statement's Pix", p->name, r->lineno);
            return NULL;
        }
        for (size_t i = 0; i < r->cap; i++) {
            if (!r->tab[i].e2e[0])
                continue;
            size_t j = hash32(r->tab[i].e2e) & (ncap - 1);
            while (nt[j].e2e[0])
                j = (j + 1) & (ncap - 1);
            nt[j] = r->tab[i];
        }
        free(r->tab);
        r->tab = nt;
        r->cap = ncap;
    }
    size_t j = hash32(e2e) & (r->cap - 1);
    while (r->tab[j].e2e[0])
        j = (j + 1) & (r->cap - 1);
    snprintf(r->tab[j].e2e, sizeof r->tab[j].e2e, "%s", e2e);
    r->used++;
    return &r->tab[j];
}

/* ---- one record ------------------------------------------------------------------- */

static const pixpsp_rtype *type_of(const pixpsp_layout *lay, const char *code)
{
    for (int i = 0; i < lay->ntypes; i++)
        if (!strcmp(lay->types[i].code, code))
            return &lay->types[i];
    return NULL;
}

/* "PR, PEC, ..." */
static void type_list(const pixpsp_layout *lay, char *buf, size_t n)
{
    size_t o = (size_t)snprintf(buf, n, "%s, %s", lay->header_code, lay->trailer_code);
    for (int i = 0; i < lay->ntypes && o < n; i++)
        o += (size_t)snprintf(buf + o, n - o, ", %s", lay->types[i].code);
}

/* Read the next line that is not blank and identify its record type.
 * Returns 1 with *t (NULL for the trailer), 0 at the end, -1. */
static int next_record(parser *p, const pixpsp_rtype **t, err_t *e)
{
    struct pixpsp *r = p->psp;
    const pixpsp_layout *lay = r->lay;
    *t = NULL;
    for (;;) {
        int got = next_line(p, e);
        if (got <= 0) {
            r->blank_from = 0;
            return got;
        }
        if (r->len == 0) {
            if (!r->blank_from)
                r->blank_from = r->lineno;
            continue;
        }
        if (r->blank_from) {
            long b = r->blank_from;
            r->blank_from = 0;
            return pixpsp_fail(p, e, b, 1, "expected a record, found a blank line");
        }
        break;
    }
    if (split(p, e) < 0)
        return -1;
    if (r->seen_trailer)
        return pixpsp_fail(p, e, r->lineno, 1, "expected the end of the file after the trailer (%s), found a record",
                           lay->trailer_code);
    const char *code = F(0);
    if (!strcmp(code, lay->trailer_code)) {
        *t = NULL;
        return 1;
    }
    if (!strcmp(code, lay->header_code))
        return pixpsp_fail(p, e, r->lineno, 1, "expected one header (%s) on line 1, found a second one", lay->header_code);
    const pixpsp_rtype *rt = type_of(lay, code);
    char show[128];
    if (!rt) {
        char list[200];
        type_list(lay, list, sizeof list);
        return pixpsp_fail(p, e, r->lineno, 1, "expected a record type of the %s statement (%s), found %s", lay->psp, list,
                           pixpsp_shown(code, FL(0), show, sizeof show));
    }
    if (r->nf < rt->nfields_min || r->nf > rt->nfields_max) {
        int col = r->nf < rt->nfields_min ? r->nf + 1 : rt->nfields_max + 1;
        if (rt->nfields_min == rt->nfields_max)
            return pixpsp_fail(p, e, r->lineno, col, "expected %d fields in a %s record (%s), found %d", rt->nfields_min,
                               rt->code, rt->what, r->nf);
        return pixpsp_fail(p, e, r->lineno, col, "expected %d to %d fields in a %s record (%s), found %d", rt->nfields_min,
                           rt->nfields_max, rt->code, rt->what, r->nf);
    }
    *t = rt;
    return 1;
}

/* The trailer on the current line against the counts of pass 1. */
static int check_trailer(parser *p, err_t *e)
{
    struct pixpsp *r = p->psp;
    const pixpsp_layout *lay = r->lay;
    char show[128];
    if (r->nf != lay->trailer_fields)
        return pixpsp_fail(p, e, r->lineno, r->nf < lay->trailer_fields ? r->nf + 1 : lay->trailer_fields + 1,
                           "expected %d fields in the trailer (%s), found %d", lay->trailer_fields, lay->trailer_code, r->nf);
    for (int i = 1; i < r->nf; i++) {
        const char *v = F(i);
        size_t n = FL(i);
        long want = i == lay->trailer_total ? r->total : r->counts[i];
        int ok = n > 0 && n <= 9;
        long got = 0;
        for (size_t k = 0; ok && k < n; k++)
            ok = is_digit(v[k]), got = got * 10 + (v[k] - '0');
        if (!ok)
            return pixpsp_fail(p, e, r->lineno, i + 1, "expected a record count in field %d of the trailer, found %s", i + 1,
                               pixpsp_shown(v, n, show, sizeof show));
        if (got == want)
            continue;
        if (i == lay->trailer_total)
            return pixpsp_fail(p, e, r->lineno, i + 1,
                               "expected the trailer's total of records to be %ld (records read but the header, the trailer "
                               "and the balances), found '%s'",
                               want, v);
        char which[120];
        size_t o = 0;
        which[0] = '\0';
        for (int k = 0; k < lay->ntypes && o < sizeof which; k++)
            if (lay->types[k].trailer_field == i)
                o += (size_t)snprintf(which + o, sizeof which - o, "%s%s", o ? "+" : "", lay->types[k].code);
        return pixpsp_fail(p, e, r->lineno, i + 1, "expected the trailer's count of %s records to be %ld (records read), "
                                            "found '%s'",
                           which[0] ? which : "(unused)", want, v);
    }
    return 0;
}

/* Read the header on line 1 (both passes). */
static int read_header(parser *p, err_t *e)
{
    struct pixpsp *r = p->psp;
    const pixpsp_layout *lay = r->lay;
    char show[128];
    int got = next_line(p, e);
    if (got < 0)
        return -1;
    if (got == 0 || r->len == 0)
        return pixpsp_fail(p, e, 1, 1, "expected the %s statement header (%s) on line 1, found %s", lay->psp,
                           lay->header_code, got == 0 ? "an empty file" : "a blank line");
    if (split(p, e) < 0)
        return -1;
    if (strcmp(F(0), lay->header_code))
        return pixpsp_fail(p, e, 1, 1, "expected the %s statement header (%s) on line 1, found %s", lay->psp,
                           lay->header_code, pixpsp_shown(F(0), FL(0), show, sizeof show));
    if (r->nf != lay->header_fields)
        return pixpsp_fail(p, e, 1, r->nf < lay->header_fields ? r->nf + 1 : lay->header_fields + 1,
                           "expected %d fields in the header (%s), found %d", lay->header_fields, lay->header_code, r->nf);
    if (strcmp(F(lay->hdr_bank), lay->bank))
        return pixpsp_fail(p, e, 1, lay->hdr_bank + 1, "expected bank code '%s' (%s) in field %d of the header, found %s",
                           lay->bank, lay->psp, lay->hdr_bank + 1, pixpsp_shown(F(lay->hdr_bank), FL(lay->hdr_bank), show, sizeof show));
    if (parse_ymd(F(lay->hdr_date), FL(lay->hdr_date), &p->info.generated_on) < 0)
        return pixpsp_fail(p, e, 1, lay->hdr_date + 1, "expected a date yyyy-mm-dd in field %d of the header, found %s",
                           lay->hdr_date + 1, pixpsp_shown(F(lay->hdr_date), FL(lay->hdr_date), show, sizeof show));
    snprintf(p->info.bank, sizeof p->info.bank, "%s", p->opts.bank ? p->opts.bank : lay->bank);
    return 0;
}

static void fmt_cents(int64_t c, char *buf, size_t n)
{
    snprintf(buf, n, "%lld.%02lld", (long long)(c / 100), (long long)(c % 100));
}

/* Pass 1's tally of a record for the trailer: every record but the
 * balances in the total, and in its type's trailer field. */
static void count_record(struct pixpsp *r, const pixpsp_rtype *t)
{
    if (t->role == PSP_BALANCE)
        return;
    r->total++;
    if (t->trailer_field >= 0 && t->trailer_field < PSP_MAX_FIELDS)
        r->counts[t->trailer_field]++;
}

/* A received Pix, a fee or a fee reversal into its end-to-end id's entry;
 * a second receipt of the same Pix is refused. 0 or -1. */
static int gather(parser *p, const pixpsp_rtype *t, const settle_record *rec, err_t *e)
{
    struct pixpsp *r = p->psp;
    psp_entry *en = entry_for(p, rec->end_to_end_id, e);
    if (!en)
        return -1;
    if (t->role == PSP_RECEIPT) {
        if (en->have_pix)
            return pixpsp_fail(p, e, r->lineno, t->f_e2e + 1,
                               "expected one %s record per end-to-end id, found %s again (first on line %ld)", t->code,
                               rec->end_to_end_id, en->pix_line);
        en->have_pix = 1;
        en->pix_line = r->lineno;
        en->amount = rec->amount_paid_cents;
    } else if (t->role == PSP_FEE) {
        en->fee += rec->amount_paid_cents;
        en->fee_line = r->lineno;
    } else {
        en->rev += rec->amount_paid_cents;
        en->rev_line = r->lineno;
    }
    return 0;
}

/* The fees against their Pix: reversals of at most the fees, fees of at
 * most the Pix. The first offending line is reported. 0 or -1. */
static int check_fees(parser *p, err_t *e)
{
    struct pixpsp *r = p->psp;
    long bad_line = 0;
    const psp_entry *bad = NULL;
    for (size_t i = 0; i < r->cap; i++) {
        const psp_entry *en = &r->tab[i];
        if (!en->e2e[0] || !en->have_pix)
            continue;
        long l = 0;
        if (en->rev > en->fee)
            l = en->rev_line;
        else if (en->fee - en->rev > en->amount)
            l = en->fee_line > en->rev_line ? en->fee_line : en->rev_line;
        if (l && (!bad || l < bad_line))
            bad = en, bad_line = l;
    }
    if (!bad)
        return 0;
    char a[32], f[32], v[32];
    int col = 1; /* the amount field of the fee (or reversal) type */
    for (int k = 0; k < r->lay->ntypes; k++)
        if (r->lay->types[k].role == (bad->rev > bad->fee ? PSP_FEE_REVERSAL : PSP_FEE))
            col = r->lay->types[k].f_amount + 1;
    fmt_cents(bad->amount, a, sizeof a);
    fmt_cents(bad->fee, f, sizeof f);
    fmt_cents(bad->rev, v, sizeof v);
    if (bad->rev > bad->fee)
        return pixpsp_fail(p, e, bad_line, col,
                           "expected fee reversals of at most the fees charged on Pix %s (%s), found reversals of %s",
                           bad->e2e, f, v);
    return pixpsp_fail(p, e, bad_line, col, "expected fees of at most the amount of Pix %s (%s, line %ld), found %s",
                       bad->e2e, a, bad->pix_line, f);
}

/* Pass 1: the whole file checked, fees gathered, the trailer compared. */
static int pass1(parser *p, err_t *e)
{
    struct pixpsp *r = p->psp;
    settle_record rec;
    if (read_header(p, e) < 0)
        return -1;
    for (;;) {
        const pixpsp_rtype *t;
        int got = next_record(p, &t, e);
        if (got < 0)
            return -1;
        if (got == 0)
            return pixpsp_fail(p, e, r->lineno + 1, 1, "expected the trailer (%s), found the end of the file (truncated?)",
                               r->lay->trailer_code);
        if (!t) {
            if (check_trailer(p, e) < 0)
                return -1;
            r->seen_trailer = 1;
            /* anything but blank lines after the trailer is refused by next_record() */
            if (next_record(p, &t, e) < 0)
                return -1;
            break;
        }
        count_record(r, t);
        if (t->role == PSP_IGNORED || t->role == PSP_BALANCE) {
            p->info.skipped++;
            continue;
        }
        if (pixpsp_decode(p, t, &rec, e) < 0)
            return -1;
        if ((t->role == PSP_RECEIPT || t->role == PSP_FEE || t->role == PSP_FEE_REVERSAL) && gather(p, t, &rec, e) < 0)
            return -1;
    }
    return check_fees(p, e);
}

/* ---- the interface (parser_int.h) ------------------------------------------------------ */

int pixpsp_open(parser *p, const pixpsp_layout *lay, err_t *e)
{
    struct pixpsp *r = calloc(1, sizeof *r);
    if (!r) {
        p->failed = 1;
        return err_fail(e, EX_SOFTWARE, "%s: out of memory", p->name);
    }
    p->psp = r;
    r->lay = lay ? lay : pixpsp_layouts[0];
    if (!pixpsp_patterns_ready() || !(r->md = pcre2_match_data_create(4, NULL))) {
        p->failed = 1;
        return err_fail(e, EX_SOFTWARE, "cannot compile the Pix identifier patterns");
    }
    if (csv_init(&r->csv, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        p->failed = 1;
        return err_fail(e, EX_SOFTWARE, "%s: out of memory", p->name);
    }
    r->csv_ready = 1;
    csv_set_delim(&r->csv, (unsigned char)r->lay->delim);

    /* The input from its start, as a gzFile: the gzip input itself, or a
     * gzFile over a dup of the plain file or a memfd copy of memory input. */
    if (p->gz) {
        if (gzrewind(p->gz) < 0)
            return pixpsp_fail(p, e, 1, 1, "cannot rewind the gzip stream");
        r->in = p->gz;
    } else {
        int fd;
        if (p->mem) {
            fd = memfd_create("settle-pixpsp", MFD_CLOEXEC);
            if (fd >= 0 && p->end && (write(fd, p->buf, p->end) != (ssize_t)p->end || lseek(fd, 0, SEEK_SET) < 0)) {
                close(fd);
                fd = -1;
            }
        } else {
            fd = lseek(p->fd, 0, SEEK_SET) < 0 ? -1 : dup(p->fd);
        }
        if (fd < 0 || !(r->in = gzdopen(fd, "rb"))) {
            if (fd >= 0)
                close(fd);
            p->failed = 1;
            return err_fail(e, EX_SOFTWARE, "%s: cannot reopen for the PSP statement reader: %s", p->name,
                           strerror(errno));
        }
        r->own_gz = 1;
    }
    p->info.format = FMT_PIX_PSP;
    return 0;
}

static int rewind_input(parser *p, err_t *e)
{
    struct pixpsp *r = p->psp;
    if (gzrewind(r->in) < 0)
        return pixpsp_fail(p, e, 1, 1, "cannot rewind the input for the second pass");
    r->pos = r->end = 0;
    r->eof = r->started = 0;
    r->lineno = r->blank_from = 0;
    r->seen_trailer = 0;
    return 0;
}

int pixpsp_next(parser *p, settle_record *rec, err_t *e)
{
    struct pixpsp *r = p->psp;
    if (r->pass == 0) {
        r->pass = 1;
        if (pass1(p, e) < 0)
            return -1;
        if (rewind_input(p, e) < 0 || read_header(p, e) < 0)
            return -1;
        r->pass = 2;
    }
    for (;;) {
        const pixpsp_rtype *t;
        int got = next_record(p, &t, e);
        if (got < 0)
            return -1;
        if (got == 0 || !t)
            return 0; /* the trailer: checked in pass 1 */
        if (t->role == PSP_IGNORED || t->role == PSP_BALANCE)
            continue;
        if (pixpsp_decode(p, t, rec, e) < 0)
            return -1;
        psp_entry *en = entry_find(r, rec->end_to_end_id);
        if (t->role == PSP_RECEIPT) {
            int64_t fee = en ? en->fee - en->rev : 0;
            rec->fee_cents = fee;
            rec->amount_credited_cents = rec->amount_paid_cents - fee;
            return 1;
        }
        if (t->role == PSP_FEE || t->role == PSP_FEE_REVERSAL) {
            if (!en || !en->have_pix) {
                char a[32];
                fmt_cents(rec->amount_paid_cents, a, sizeof a);
                p->info.skipped++;
                parser_warn(p, r->lineno, (size_t)t->f_e2e + 1,
                            "%s %s (%s) of %s for end-to-end id %s, which is not a Pix received in this statement: "
                            "not applied to any settlement (counted as skipped)",
                            t->role == PSP_FEE ? "fee" : "fee reversal", t->code, t->what, a, rec->end_to_end_id);
            }
            continue;
        }
        return 1; /* a refund */
    }
}

void pixpsp_free(parser *p)
{
    struct pixpsp *r = p->psp;
    if (!r)
        return;
    if (r->csv_ready)
        csv_free(&r->csv);
    if (r->own_gz && r->in)
        gzclose(r->in);
    pcre2_match_data_free(r->md);
    free(r->tab);
    free(r);
    p->psp = NULL;
}
