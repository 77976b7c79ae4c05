/* parser_int.h - the reader object shared by parser.c (input, detection,
 * dispatch) and the format readers cnab240.c / cnab400.c. Not for callers
 * outside parsers/. */
#ifndef SETTLE_PARSER_INT_H
#define SETTLE_PARSER_INT_H

#include <stdio.h>
#include <zlib.h>

#include "parsers/cnab.h"
#include "parsers/pixapi.h"
#include "parsers/pixcsv.h"
#include "parsers/record.h"

#define PARSER_BUF (256 * 1024)

struct parser {
    char name[512];            /* display name for messages */
    gzFile gz;                 /* gzip file input, or NULL */
    int fd;                    /* plain file input, or -1 */
    const unsigned char *mem;  /* memory input (then buf == mem), or NULL */

    unsigned char *buf;        /* PARSER_BUF bytes of input, or the memory input */
    size_t beg, end;           /* unread bytes are buf[beg, end) */
    int eof;                   /* the source has no more bytes */
    long long inflated;        /* bytes read from the gzip stream so far */

    long lineno;               /* physical line number of the current line */
    long blank_from;           /* first of a run of blank lines, 0 = none */
    cnab_line line;            /* current line, normalised */
    int have_peek;             /* line holds a line read ahead (not yet consumed) */


    file_info info;
    parse_opts opts;
    int failed;                /* an error was returned: the reader stays failed */
    int done;                  /* end reached */

    /* CNAB 240 */
    const cnab240_bank *b240;
    long batch_records, batch_titles, file_records, batches;
    int64_t batch_face;
    int in_batch;
    int header_unsure;         /* the file header lacks the '2' at 143 (shifted header, seen from Ailos) */
    int have_t;
    long t_line;
    settle_record pend;        /* a T waiting for its U / a 400 detail waiting for its optional records */

    /* Pix CSV: the reader, and the gzFile it reads when the input was not one */
    pixcsv *pix;
    gzFile pix_gz;

    /* API Pix JSON: the reader (it reads through parser_pull) */
    pixapi *api;

    /* PSP statement (parsers/pixpsp.c, pixpsp_read.c) */
    struct pixpsp *psp;

    /* card acquirers (parsers/cielo.c, parsers/rede*.c) */
    struct cielo *cielo;
    struct rede *rede;

    /* CNAB 400 */
    const cnab400_bank *b400;
    int have_pend;
    long details;
    settle_date hdr_credit;    /* credit date from the header (cnab400_bank.hdr_credit) */
    int no_return_msg;         /* the header says there is nothing to return (C400_NO_RETURN_MSG) */
    int64_t pend_other_exp;
    int pend_hold;             /* the pending title's hold indicator is set (cnab400_bank.hold_at) */    /* Banrisul 189-201 "outras despesas" of the pending title */
};

/* Read the next non-blank line into p->line (normalised, not yet fitted).
 * Returns 1 with a line, 0 at the end of the input (trailing blank lines
 * skipped), -1 with e set. A blank line followed by a non-blank one is an
 * error. */
int parser_read_line(parser *p, err_t *e);

/* Hand over every unread byte of the input buffer (*s, *n), refilling it
 * when empty: 1 with bytes, 0 at the end of the input, -1 with e set. The
 * bytes stay valid until the next call. For readers that do their own
 * framing (pixapi.c). */
int parser_pull(parser *p, const unsigned char **s, size_t *n, err_t *e);

/* Set e to "NAME:LINE:COL: msg" (EX_DATAERR) and mark p failed; returns -1. */
int parser_fail(parser *p, err_t *e, long line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Report a warning "NAME:LINE:COL: warning: msg" through opts.warn and
 * count it in info.warnings; the file is still read. */
void parser_warn(parser *p, long line, size_t col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Cross-check the money of a finished record (cnab_xcheck with the bank's
 * flags): a disagreement is a warning naming the record's line, counted in
 * info.xcheck_mismatches. */
void parser_xcheck(parser *p, const settle_record *rec, unsigned flags);

/* Fit p->line to layout characters, or fail with the length message. */
int parser_fit(parser *p, size_t layout, err_t *e);

int cnab240_start(parser *p, err_t *e);     /* p->line holds the file header */
int cnab240_next(parser *p, settle_record *rec, err_t *e);
int cnab400_start(parser *p, err_t *e);
int cnab400_next(parser *p, settle_record *rec, err_t *e);

/* PSP statements (parsers/pixpsp_read.c): lay = the layout pixpsp_sniff() found,
 * or NULL for the first (forced --format pix-psp). */
struct pixpsp_layout;
int pixpsp_open(parser *p, const struct pixpsp_layout *lay, err_t *e);
int pixpsp_next(parser *p, settle_record *rec, err_t *e);
void pixpsp_free(parser *p);

/* Card acquirer files: sniff the first line (1 when it is that acquirer's
 * header), start on p->line holding it, next with the parser_next()
 * contract, free (NULL-safe through p). */
int cielo_sniff(const cnab_line *l);
int cielo_start(parser *p, err_t *e);
int cielo_next(parser *p, settle_record *rec, err_t *e);
void cielo_free(parser *p);
int rede_sniff(const cnab_line *l);
int rede_start(parser *p, err_t *e);
int rede_next(parser *p, settle_record *rec, err_t *e);
void rede_free(parser *p);

#endif
