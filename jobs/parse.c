/* parse.c - `settle parse`: validate return files and print their detail
 * records as CSV (or per-movement-code totals with --summary).
 *
 * Output is built in a local buffer and written in large blocks: a 230 MB
 * return must print in about the time `wc -l` reads it. Text fields that
 * need quoting go through libcsv's csv_write; numbers and dates never do.
 * A text field a spreadsheet would run as a formula (= + - @ TAB CR first)
 * gets a leading apostrophe, as in every CSV settle writes (common/csvout.h). */
#include <csv.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/csvout.h"
#include "common/error.h"
#include "common/progress.h"
#include "jobs/jobs.h"
#include "parsers/record.h"

const char usage_parse[] =
    "usage: settle parse [--format F] [--bank NNN] [--profile NAME] [--summary] FILE...\n\n"
    "Validate return files (CNAB 240, CNAB 400, Pix statements, Cielo v15 files\n"
    "03/04, Rede EEVC/EEVD/EEFI; plain or gzip) and print one CSV\n"
    "row per detail record on stdout, every movement code included:\n"
    "  file,line,format,bank,kind,movement_code,paid,nosso_numero,seu_numero,txid,\n"
    "  end_to_end_id,amount_face_cents,amount_paid_cents,amount_credited_cents,\n"
    "  interest_cents,discount_cents,rebate_cents,fee_cents,iof_cents,occurred_on,\n"
    "  credited_on,due_on,payer_doc,payer_name,other_credits_cents,card_tid,\n"
    "  card_nsu,card_authorization,card_brand,installment,installments,\n"
    "  order_reference,acquirer_key (the card columns are empty for bank and Pix files)\n\n"
    "Options:\n"
    "  --format F     cnab240, cnab400, pix-csv, pix-api, pix-psp, cielo or rede\n"
    "                 (default: detect from the content)\n"
    "  --bank NNN     read with bank NNN's layout whatever the file header says\n"
    "  --profile NAME read Pix CSV files with [profile NAME] of the config\n"
    "                 (docs/formats/pix-csv.md); default: the canonical layout\n"
    "  --summary      print counts and totals per movement code instead of rows\n\n"
    "Errors go to stderr as FILE:LINE:COL: expected ..., found ...; the other\n"
    "files are still read. Warnings (FILE:LINE:COL: warning: ...) go to stderr\n"
    "too: a money record whose parts do not add up as the bank defines them, or\n"
    "an inconsistency in a record without money; the record is still printed.\n"
    "Exit 0 when every file is valid, 65 otherwise.\n";

/* ---- buffered output ---- */

typedef struct out_buf {
    char b[1 << 16];
    size_t n;
    FILE *f;
} out_buf;

static void ob_flush(out_buf *o)
{
    if (o->n)
        fwrite(o->b, 1, o->n, o->f);
    o->n = 0;
}

static inline void ob_reserve(out_buf *o, size_t need)
{
    if (o->n + need > sizeof o->b)
        ob_flush(o);
}

static inline void ob_ch(out_buf *o, char c)
{
    ob_reserve(o, 1);
    o->b[o->n++] = c;
}

/* Bytes that make a CSV field need quotes. */
static const unsigned char needs_quote[256] = { [','] = 1, ['"'] = 1, ['\r'] = 1, ['\n'] = 1 };
/* First bytes that may make a field a spreadsheet formula. */
static const unsigned char needs_guard[256] = { ['='] = 1, ['+'] = 1, ['-'] = 1, ['@'] = 1, ['\t'] = 1, ['\r'] = 1 };

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the eight-bytes-at-a-time field scan below assumes a little-endian machine"
#endif

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
/* The high bit of each zero byte of w. A byte above a zero byte may be
 * flagged too (the borrow), never one below: the lowest flag is exact. */
static inline uint64_t zero_bytes(uint64_t w)
{
    return (w - ONES) & ~w & HIGHS;
}
/* Flags for the bytes of w that make a field need quotes (, " CR LF). */
static inline uint64_t quote_bytes(uint64_t w)
{
    return zero_bytes(w ^ (ONES * ',')) | zero_bytes(w ^ (ONES * '"')) | zero_bytes(w ^ (ONES * '\r')) |
           zero_bytes(w ^ (ONES * '\n'));
}

static void ob_text_slow(out_buf *o, const char *s, size_t len, int quote)
{
    if (len && needs_guard[(unsigned char)s[0]] && csvout_needs_guard(s, len)) {
        /* a formula for a spreadsheet (common/csvout.h): quoted, after an apostrophe */
        ob_reserve(o, 2 * len + 4);
        o->b[o->n++] = '"';
        o->b[o->n++] = '\'';
        for (size_t i = 0; i < len; i++) {
            if (s[i] == '"')
                o->b[o->n++] = '"';
            o->b[o->n++] = s[i];
        }
        o->b[o->n++] = '"';
        return;
    }
    if (!quote) {
        ob_reserve(o, len);
        memcpy(o->b + o->n, s, len);
        o->n += len;
        return;
    }
    ob_reserve(o, 2 * len + 3);
    o->n += csv_write(o->b + o->n, sizeof o->b - o->n, s, len);
}

/* A NUL-terminated text field held in a char array of cap bytes (a
 * settle_record member): its length and whether it needs quotes are found
 * eight bytes at a time, never reading past the array. Raw when it has no
 * separator, quote or line break and cannot be read as a formula; else
 * quoted by libcsv (or guarded with an apostrophe) as before. The caller
 * has reserved FIELD_ROOM(member) bytes (print_row: once per row). */
static inline __attribute__((always_inline)) void ob_field(out_buf *o, const char *s, size_t cap)
{
    size_t len = 0;
    uint64_t quote = 0;
    for (; len + 8 <= cap; len += 8) {
        uint64_t w;
        memcpy(&w, s + len, 8);
        uint64_t z = zero_bytes(w);
        if (z) {
            size_t k = (size_t)__builtin_ctzll(z) >> 3; /* the NUL's byte */
            quote |= k ? quote_bytes(w) & (~0ULL >> (64 - 8 * k)) : 0;
            len += k;
            goto found;
        }
        quote |= quote_bytes(w);
    }
    for (; len < cap && s[len]; len++)
        quote |= needs_quote[(unsigned char)s[len]];
found:
    if (__builtin_expect(quote || (len && needs_guard[(unsigned char)s[0]]), 0)) {
        ob_text_slow(o, s, len, quote != 0);
        return;
    }
    /* the whole array, a fixed size: cheaper than a copy of len bytes; the
     * bytes past len are overwritten by what follows (never written out) */
    memcpy(o->b + o->n, s, cap);
    o->n += len;
}
/* Room a text member may take: every byte a doubled quote, the quotes
 * around it and an apostrophe (ob_text_slow), or its whole array (ob_field). */
#define FIELD_ROOM(member) (2 * sizeof(member) + 4)
#define OB_FIELD(o, member) ob_field((o), (member), sizeof(member))

/* A constant name (format, kind): never quoted, at most NAME_ROOM bytes
 * (reserved by the caller). */
#define NAME_ROOM 32
static inline void put_name(out_buf *o, const char *s)
{
    size_t len = strnlen(s, NAME_ROOM);
    memcpy(o->b + o->n, s, len);
    o->n += len;
}

/* One byte into room reserved by the caller. */
static inline void put_ch(out_buf *o, char c)
{
    o->b[o->n++] = c;
}

static const char digits2[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                              "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                              "8081828384858687888990919293949596979899";

/* Decimal digits of u (1 for 0). */
static inline int ndigits(uint64_t u)
{
    static const uint64_t pow10[] = { 1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
                                      100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL,
                                      1000000000000ULL, 10000000000000ULL, 100000000000000ULL,
                                      1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
                                      1000000000000000000ULL, 10000000000000000000ULL };
    /* bits -> a guess of the digit count (log10(2) ~ 1233/4096), then one correction */
    int g = ((64 - __builtin_clzll(u | 1)) * 1233) >> 12;
    return g + 1 - (u < pow10[g]);
}

/* An integer written straight into the buffer, two digits at a time from
 * the end: no snprintf, no temporary (a copy from a temporary written
 * two bytes at a time stalled on store forwarding). */
#define INT_ROOM 21
static inline __attribute__((always_inline)) void put_int(out_buf *o, int64_t v)
{
    if (v == 0) { /* most amounts in a return are zero */
        o->b[o->n++] = '0';
        return;
    }
    uint64_t u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    if (v < 0)
        o->b[o->n++] = '-';
    int n = ndigits(u);
    char *p = o->b + o->n + n;
    o->n += (size_t)n;
    while (u >= 100) {
        unsigned r = (unsigned)(u % 100);
        u /= 100;
        p -= 2;
        memcpy(p, digits2 + 2 * r, 2);
    }
    if (u >= 10) {
        p -= 2;
        memcpy(p, digits2 + 2 * u, 2);
    } else
        p[-1] = (char)('0' + u);
}

static inline void ob_int(out_buf *o, int64_t v)
{
    ob_reserve(o, INT_ROOM);
    put_int(o, v);
}

#define DATE_ROOM 10
static inline __attribute__((always_inline)) void put_date(out_buf *o, settle_date d)
{
    if (!d.y)
        return;
    char *p = o->b + o->n;
    int y = d.y;
    if (__builtin_expect(y >= 1000 && y <= 9999 && d.m >= 0 && d.m <= 99 && d.d >= 0 && d.d <= 99, 1)) {
        memcpy(p, digits2 + 2 * (y / 100), 2);
        memcpy(p + 2, digits2 + 2 * (y % 100), 2);
        p[4] = '-';
        memcpy(p + 5, digits2 + 2 * d.m, 2);
        p[7] = '-';
        memcpy(p + 8, digits2 + 2 * d.d, 2);
    } else { /* never from the readers (they check the calendar); as before */
        p[0] = (char)('0' + y / 1000), p[1] = (char)('0' + y / 100 % 10), p[2] = (char)('0' + y / 10 % 10),
        p[3] = (char)('0' + y % 10), p[4] = '-', p[5] = (char)('0' + d.m / 10), p[6] = (char)('0' + d.m % 10),
        p[7] = '-', p[8] = (char)('0' + d.d / 10), p[9] = (char)('0' + d.d % 10);
    }
    o->n += 10;
}

static const char header[] = "file,line,format,bank,kind,movement_code,paid,nosso_numero,seu_numero,txid,"
                             "end_to_end_id,amount_face_cents,amount_paid_cents,amount_credited_cents,"
                             "interest_cents,discount_cents,rebate_cents,fee_cents,iof_cents,occurred_on,"
                             "credited_on,due_on,payer_doc,payer_name,other_credits_cents,card_tid,card_nsu,"
                             "card_authorization,card_brand,installment,installments,order_reference,acquirer_key\n";

/* The most one row takes after its file column: reserved once per row, so
 * the writers below check no room of their own. */
#define ROW_ROOM                                                                                                  \
    (FIELD_ROOM(((settle_record *)0)->bank) + FIELD_ROOM(((settle_record *)0)->movement_code) +                   \
     FIELD_ROOM(((settle_record *)0)->nosso_numero) + FIELD_ROOM(((settle_record *)0)->seu_numero) +              \
     FIELD_ROOM(((settle_record *)0)->txid) + FIELD_ROOM(((settle_record *)0)->end_to_end_id) +                   \
     FIELD_ROOM(((settle_record *)0)->payer_doc) + FIELD_ROOM(((settle_record *)0)->payer_name) +                 \
     FIELD_ROOM(((settle_record *)0)->card_tid) + FIELD_ROOM(((settle_record *)0)->card_nsu) +                     \
     FIELD_ROOM(((settle_record *)0)->card_authorization) + FIELD_ROOM(((settle_record *)0)->card_brand) +         \
     FIELD_ROOM(((settle_record *)0)->order_reference) + FIELD_ROOM(((settle_record *)0)->acquirer_key) +          \
     2 * NAME_ROOM + 12 * INT_ROOM + 3 * DATE_ROOM + 40)

/* prefix: the file column, already quoted, and its comma */
static void print_row(out_buf *o, const char *prefix, size_t prefix_len, const settle_record *r)
{
    ob_reserve(o, prefix_len + ROW_ROOM);
    memcpy(o->b + o->n, prefix, prefix_len);
    o->n += prefix_len;
    put_int(o, r->line);
    put_ch(o, ',');
    put_name(o, record_format_name(r->format));
    put_ch(o, ',');
    OB_FIELD(o, r->bank);
    put_ch(o, ',');
    put_name(o, record_kind_name(r->kind));
    put_ch(o, ',');
    OB_FIELD(o, r->movement_code);
    put_ch(o, ',');
    put_ch(o, r->paid ? '1' : '0');
    put_ch(o, ',');
    OB_FIELD(o, r->nosso_numero);
    put_ch(o, ',');
    OB_FIELD(o, r->seu_numero);
    put_ch(o, ',');
    OB_FIELD(o, r->txid);
    put_ch(o, ',');
    OB_FIELD(o, r->end_to_end_id);
    put_ch(o, ',');
    put_int(o, r->amount_face_cents);
    put_ch(o, ',');
    put_int(o, r->amount_paid_cents);
    put_ch(o, ',');
    put_int(o, r->amount_credited_cents);
    put_ch(o, ',');
    put_int(o, r->interest_cents);
    put_ch(o, ',');
    put_int(o, r->discount_cents);
    put_ch(o, ',');
    put_int(o, r->rebate_cents);
    put_ch(o, ',');
    put_int(o, r->fee_cents);
    put_ch(o, ',');
    put_int(o, r->iof_cents);
    put_ch(o, ',');
    put_date(o, r->occurred_on);
    put_ch(o, ',');
    put_date(o, r->credited_on);
    put_ch(o, ',');
    put_date(o, r->due_on);
    put_ch(o, ',');
    OB_FIELD(o, r->payer_doc);
    put_ch(o, ',');
    OB_FIELD(o, r->payer_name);
    put_ch(o, ',');
    put_int(o, r->other_credits_cents);
    /* card acquirer columns: empty for the bank and Pix formats */
    int card = r->format == FMT_CIELO || r->format == FMT_REDE;
    put_ch(o, ',');
    OB_FIELD(o, r->card_tid);
    put_ch(o, ',');
    OB_FIELD(o, r->card_nsu);
    put_ch(o, ',');
    OB_FIELD(o, r->card_authorization);
    put_ch(o, ',');
    OB_FIELD(o, r->card_brand);
    put_ch(o, ',');
    if (card)
        put_int(o, r->installment);
    put_ch(o, ',');
    if (card)
        put_int(o, r->installments);
    put_ch(o, ',');
    OB_FIELD(o, r->order_reference);
    put_ch(o, ',');
    OB_FIELD(o, r->acquirer_key);
    put_ch(o, '\n');
}

/* --summary: one row per (movement code, paid). */
typedef struct sum_row {
    long count;
    int64_t face, paid, credited;
} sum_row;

/* Warnings interleave with the rows in the order they happen. */
static void warn_stderr(void *arg, long line, const char *msg)
{
    (void)line;
    out_buf *o = arg;
    ob_flush(o);
    fflush(stdout);
    fprintf(stderr, "%s\n", msg);
}

/* The options of `settle parse` into *po and *summary. 0, or the usage
 * error's exit code. */
static int parse_options(settle_ctx *ctx, int argc, char **argv, parse_opts *po, int *summary)
{
    static const struct option opts[] = {
        { "format", required_argument, NULL, 'f' },
        { "profile", required_argument, NULL, 'p' },
        { "bank", required_argument, NULL, 'b' },
        { "summary", no_argument, NULL, 's' },
        { NULL, 0, NULL, 0 },
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "f:b:sp:", opts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            po->profile = config_profile(ctx->cfg, optarg);
            if (!po->profile)
                return job_usage_error("parse", "--profile: no [profile %s] in %s", optarg,
                                       ctx->cfg->path ? ctx->cfg->path : "the configuration (no config file read)");
            break;
        case 'f':
            if (!(po->format = record_format_from_name(optarg)))
                return job_usage_error("parse", "--format: expected one of %s, found '%s'", record_format_list(),
                                       optarg);
            break;
        case 'b':
            if (strlen(optarg) != 3 || strspn(optarg, "0123456789") != 3)
                return job_usage_error("parse", "--bank: expected a 3-digit bank code, found '%s'", optarg);
            po->bank = optarg;
            break;
        case 's': *summary = 1; break;
        default: return job_usage_error("parse", "unknown option");
        }
    }
    if (optind >= argc)
        return job_usage_error("parse", "expected at least one FILE");
    return 0;
}

/* The file column of every row of path, quoted once, and its comma, into
 * prefix (2 * 4096 + 4 bytes). Its length. */
static size_t file_prefix(const char *path, char *prefix, size_t n)
{
    size_t plen = strnlen(path, 4096);
    if (strpbrk(path, ",\"\r\n"))
        plen = csv_write(prefix, n - 2, path, plen);
    else
        memcpy(prefix, path, plen);
    prefix[plen++] = ',';
    return plen;
}

/* --summary: add r to its (movement code, paid) row. */
static inline void sum_add(sum_row (*sums)[2], const settle_record *r)
{
    int code = (r->movement_code[0] >= '0' && r->movement_code[0] <= '9' && r->movement_code[1] >= '0' &&
                r->movement_code[1] <= '9')
                   ? (r->movement_code[0] - '0') * 10 + (r->movement_code[1] - '0')
                   : 0;
    sum_row *s = &sums[code][r->paid ? 1 : 0];
    s->count++;
    s->face += r->amount_face_cents;
    s->paid += r->amount_paid_cents;
    s->credited += r->amount_credited_cents;
}

/* Seconds since t0 (clock_mono_s()), never 0: a rate divides by it. */
static double elapsed_s(double t0)
{
    double s = clock_mono_s() - t0;
    return s > 1e-6 ? s : 1e-6;
}

/* Read the file path: its rows to o, or with sums (--summary) its totals
 * into sums; errors to stderr. 0, or the file's exit code. */
static int parse_file(out_buf *o, sum_row (*sums)[2], const char *path, const parse_opts *po)
{
    err_t e = { 0 };
    parser *p = parser_open(path, NULL, po, &e);
    if (!p) {
        ob_flush(o);
        fflush(stdout);
        fprintf(stderr, "%s\n", e.msg);
        return e.code ? e.code : EX_DATAERR;
    }
    /* the file column is the same on every row: quote it once */
    char prefix[2 * 4096 + 4];
    size_t plen = file_prefix(path, prefix, sizeof prefix);
    settle_record rec;
    int r, rc = 0;
    long nrec = 0;
    int show = progress_enabled();
    double t0 = clock_mono_s();
    while ((r = parser_next(p, &rec, &e)) == 1) {
        if (show && (++nrec & 0xFFFF) == 0)
            progress_update("parse %s: %ld records, %.0f records/s", path, nrec, nrec / elapsed_s(t0));
        if (sums)
            sum_add(sums, &rec);
        else
            print_row(o, prefix, plen, &rec);
    }
    progress_done();
    if (r < 0) {
        ob_flush(o);
        fflush(stdout);
        fprintf(stderr, "%s\n", e.msg);
        rc = e.code ? e.code : EX_DATAERR;
    }
    parser_close(p);
    return rc;
}

/* --summary: the totals, one row per (movement code, paid) seen. */
static void print_sums(out_buf *o, sum_row (*sums)[2])
{
    fputs("movement_code,paid,count,amount_face_cents,amount_paid_cents,amount_credited_cents\n", stdout);
    for (int c = 0; c < 100; c++)
        for (int k = 0; k < 2; k++) {
            const sum_row *s = &sums[c][k];
            if (!s->count)
                continue;
            ob_ch(o, (char)('0' + c / 10));
            ob_ch(o, (char)('0' + c % 10));
            ob_ch(o, ',');
            ob_ch(o, k ? '1' : '0');
            ob_ch(o, ',');
            ob_int(o, s->count);
            ob_ch(o, ',');
            ob_int(o, s->face);
            ob_ch(o, ',');
            ob_int(o, s->paid);
            ob_ch(o, ',');
            ob_int(o, s->credited);
            ob_ch(o, '\n');
        }
}

int cmd_parse(settle_ctx *ctx, int argc, char **argv)
{
    parse_opts po = { .max_decompressed_bytes = ctx->cfg->max_decompressed_bytes,
                      .max_empty_lines = ctx->cfg->max_empty_lines };
    int summary = 0;
    int rc = parse_options(ctx, argc, argv, &po, &summary);
    if (rc)
        return rc;

    out_buf *o = malloc(sizeof *o);
    sum_row(*sums)[2] = calloc(100, sizeof *sums);
    if (!o || !sums) {
        free(o);
        free(sums);
        fprintf(stderr, "settle parse: out of memory\n");
        return EX_SOFTWARE;
    }
    o->n = 0;
    o->f = stdout;
    po.warn = warn_stderr;
    po.warn_arg = o;
    if (!summary)
        fputs(header, stdout);
    for (int i = optind; i < argc; i++)
        rc = err_worst(rc, parse_file(o, summary ? sums : NULL, argv[i], &po));
    if (summary)
        print_sums(o, sums);
    ob_flush(o);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "settle parse: cannot write to stdout\n");
        rc = err_worst(rc, EX_IOERR);
    }
    free(o);
    free(sums);
    return rc;
}
