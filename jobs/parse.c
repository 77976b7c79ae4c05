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
#include <time.h>

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

/* A text field: raw when it has no separator, quote or line break, else
 * quoted by libcsv. Fields are at most a few hundred bytes. */
/* Bytes that make a CSV field need quotes. */
static const unsigned char needs_quote[256] = { [','] = 1, ['"'] = 1, ['\r'] = 1, ['\n'] = 1 };
/* First bytes that may make a field a spreadsheet formula. */
static const unsigned char needs_guard[256] = { ['='] = 1, ['+'] = 1, ['-'] = 1, ['@'] = 1, ['\t'] = 1, ['\r'] = 1 };

static inline __attribute__((always_inline)) void ob_text(out_buf *o, const char *s)
{
    size_t len = 0;
    int quote = 0;
    for (; s[len]; len++)
        quote |= needs_quote[(unsigned char)s[len]];
    if (__builtin_expect(len && needs_guard[(unsigned char)s[0]], 0) && csvout_needs_guard(s, len)) {
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

static const char digits2[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                              "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                              "8081828384858687888990919293949596979899";

static inline __attribute__((always_inline)) void ob_int(out_buf *o, int64_t v)
{
    if (v == 0) { /* most amounts in a return are zero */
        ob_ch(o, '0');
        return;
    }
    char tmp[24];
    int i = sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    while (u >= 100) {
        unsigned r = (unsigned)(u % 100);
        u /= 100;
        tmp[--i] = digits2[2 * r + 1];
        tmp[--i] = digits2[2 * r];
    }
    if (u >= 10) {
        tmp[--i] = digits2[2 * u + 1];
        tmp[--i] = digits2[2 * u];
    } else
        tmp[--i] = (char)('0' + u);
    if (v < 0)
        tmp[--i] = '-';
    ob_reserve(o, sizeof tmp);
    memcpy(o->b + o->n, tmp + i, sizeof tmp - (size_t)i);
    o->n += sizeof tmp - (size_t)i;
}

static inline __attribute__((always_inline)) void ob_date(out_buf *o, settle_date d)
{
    if (!d.y)
        return;
    ob_reserve(o, 10);
    char *p = o->b + o->n;
    int y = d.y;
    p[0] = (char)('0' + y / 1000), p[1] = (char)('0' + y / 100 % 10), p[2] = (char)('0' + y / 10 % 10),
    p[3] = (char)('0' + y % 10), p[4] = '-', p[5] = (char)('0' + d.m / 10), p[6] = (char)('0' + d.m % 10),
    p[7] = '-', p[8] = (char)('0' + d.d / 10), p[9] = (char)('0' + d.d % 10);
    o->n += 10;
}

static const char header[] = "file,line,format,bank,kind,movement_code,paid,nosso_numero,seu_numero,txid,"
                             "end_to_end_id,amount_face_cents,amount_paid_cents,amount_credited_cents,"
                             "interest_cents,discount_cents,rebate_cents,fee_cents,iof_cents,occurred_on,"
                             "credited_on,due_on,payer_doc,payer_name,other_credits_cents,card_tid,card_nsu,"
                             "card_authorization,card_brand,installment,installments,order_reference,acquirer_key\n";

/* prefix: the file column, already quoted, and its comma */
static void print_row(out_buf *o, const char *prefix, size_t prefix_len, const settle_record *r)
{
    ob_reserve(o, prefix_len);
    memcpy(o->b + o->n, prefix, prefix_len);
    o->n += prefix_len;
    ob_int(o, r->line);
    ob_ch(o, ',');
    ob_text(o, record_format_name(r->format)); /* constant names: never quoted */
    ob_ch(o, ',');
    ob_text(o, r->bank);
    ob_ch(o, ',');
    ob_text(o, record_kind_name(r->kind));
    ob_ch(o, ',');
    ob_text(o, r->movement_code);
    ob_ch(o, ',');
    ob_ch(o, r->paid ? '1' : '0');
    ob_ch(o, ',');
    ob_text(o, r->nosso_numero);
    ob_ch(o, ',');
    ob_text(o, r->seu_numero);
    ob_ch(o, ',');
    ob_text(o, r->txid);
    ob_ch(o, ',');
    ob_text(o, r->end_to_end_id);
    const int64_t *amounts[] = { &r->amount_face_cents, &r->amount_paid_cents, &r->amount_credited_cents,
                                 &r->interest_cents,    &r->discount_cents,    &r->rebate_cents,
                                 &r->fee_cents,         &r->iof_cents };
    for (size_t i = 0; i < sizeof amounts / sizeof *amounts; i++) {
        ob_ch(o, ',');
        ob_int(o, *amounts[i]);
    }
    ob_ch(o, ',');
    ob_date(o, r->occurred_on);
    ob_ch(o, ',');
    ob_date(o, r->credited_on);
    ob_ch(o, ',');
    ob_date(o, r->due_on);
    ob_ch(o, ',');
    ob_text(o, r->payer_doc);
    ob_ch(o, ',');
    ob_text(o, r->payer_name);
    ob_ch(o, ',');
    ob_int(o, r->other_credits_cents);
    /* card acquirer columns: empty for the bank and Pix formats */
    int card = r->format == FMT_CIELO || r->format == FMT_REDE;
    const char *const ctext[] = { r->card_tid, r->card_nsu, r->card_authorization, r->card_brand };
    for (size_t i = 0; i < sizeof ctext / sizeof *ctext; i++) {
        ob_ch(o, ',');
        ob_text(o, ctext[i]);
    }
    ob_ch(o, ',');
    if (card)
        ob_int(o, r->installment);
    ob_ch(o, ',');
    if (card)
        ob_int(o, r->installments);
    ob_ch(o, ',');
    ob_text(o, r->order_reference);
    ob_ch(o, ',');
    ob_text(o, r->acquirer_key);
    ob_ch(o, '\n');
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

int cmd_parse(settle_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "format", required_argument, NULL, 'f' },
        { "profile", required_argument, NULL, 'p' },
        { "bank", required_argument, NULL, 'b' },
        { "summary", no_argument, NULL, 's' },
        { NULL, 0, NULL, 0 },
    };
    parse_opts po = { .max_decompressed_bytes = ctx->cfg->max_decompressed_bytes,
                      .max_empty_lines = ctx->cfg->max_empty_lines };
    int summary = 0, opt;
    while ((opt = getopt_long(argc, argv, "f:b:sp:", opts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            po.profile = config_profile(ctx->cfg, optarg);
            if (!po.profile)
                return job_usage_error("parse", "--profile: no [profile %s] in %s", optarg,
                                       ctx->cfg->path ? ctx->cfg->path : "the configuration (no config file read)");
            break;
        case 'f':
            if (!(po.format = record_format_from_name(optarg)))
                return job_usage_error("parse", "--format: expected one of %s, found '%s'", record_format_list(),
                                       optarg);
            break;
        case 'b':
            if (strlen(optarg) != 3 || strspn(optarg, "0123456789") != 3)
                return job_usage_error("parse", "--bank: expected a 3-digit bank code, found '%s'", optarg);
            po.bank = optarg;
            break;
        case 's': summary = 1; break;
        default: return job_usage_error("parse", "unknown option");
        }
    }
    if (optind >= argc)
        return job_usage_error("parse", "expected at least one FILE");

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

    int rc = 0;
    settle_record rec;
    for (int i = optind; i < argc; i++) {
        err_t e = { 0 };
        parser *p = parser_open(argv[i], NULL, &po, &e);
        if (!p) {
            ob_flush(o);
            fflush(stdout);
            fprintf(stderr, "%s\n", e.msg);
            rc = err_worst(rc, e.code ? e.code : EX_DATAERR);
            continue;
        }
        /* the file column is the same on every row: quote it once */
        char prefix[2 * 4096 + 4];
        size_t plen = strlen(argv[i]);
        if (plen > 4096)
            plen = 4096;
        if (strpbrk(argv[i], ",\"\r\n"))
            plen = csv_write(prefix, sizeof prefix - 2, argv[i], plen);
        else
            memcpy(prefix, argv[i], plen);
        prefix[plen++] = ',';
        int r;
        long nrec = 0;
        int show = progress_enabled();
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        while ((r = parser_next(p, &rec, &e)) == 1) {
            if (show && (++nrec & 0xFFFF) == 0)
                progress_update("parse %s: %ld records, %.0f records/s", argv[i], nrec,
                                nrec / progress_seconds_since(&t0));
            if (summary) {
                int code = (rec.movement_code[0] >= '0' && rec.movement_code[0] <= '9' && rec.movement_code[1] >= '0' &&
                            rec.movement_code[1] <= '9')
                               ? (rec.movement_code[0] - '0') * 10 + (rec.movement_code[1] - '0')
                               : 0;
                sum_row *s = &sums[code][rec.paid ? 1 : 0];
                s->count++;
                s->face += rec.amount_face_cents;
                s->paid += rec.amount_paid_cents;
                s->credited += rec.amount_credited_cents;
            } else
                print_row(o, prefix, plen, &rec);
        }
        progress_done();
        if (r < 0) {
            ob_flush(o);
            fflush(stdout);
            fprintf(stderr, "%s\n", e.msg);
            rc = err_worst(rc, e.code ? e.code : EX_DATAERR);
        }
        parser_close(p);
    }
    if (summary) {
        fputs("movement_code,paid,count,amount_face_cents,amount_paid_cents,amount_credited_cents\n", stdout);
        for (int c = 0; c < 100; c++)
            for (int k = 0; k < 2; k++) {
                sum_row *s = &sums[c][k];
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
    ob_flush(o);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "settle parse: cannot write to stdout\n");
        rc = err_worst(rc, EX_IOERR);
    }
    free(o);
    free(sums);
    return rc;
}
