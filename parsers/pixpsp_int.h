/* pixpsp_int.h - what the two halves of the PSP statement reader share
 * (parsers/pixpsp.c: the layout tables and the decoding of one record;
 * parsers/pixpsp_read.c: input, fields, the hash of end-to-end ids and the
 * two passes): the reader state and the current line's fields. Not for
 * callers outside the PSP reader. */
#ifndef SETTLE_PIXPSP_INT_H
#define SETTLE_PIXPSP_INT_H

#include "parsers/parser_int.h"
#include "parsers/pixpsp.h"

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <csv.h>
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

#define PSP_READ_BUF 65536
#define PSP_MAX_LINE 32768   /* bytes: Efí's longest field is Info Adicionais, <= 18336 (layout L163) */

/* ---- the reader's state ------------------------------------------------------ */

typedef struct psp_entry {
    char e2e[33];             /* "" = free slot */
    uint8_t have_pix;
    long pix_line, fee_line, rev_line;
    int64_t amount, fee, rev;
} psp_entry;

struct pixpsp {
    const pixpsp_layout *lay;
    gzFile in;                /* the input (owned when own_gz) */
    int own_gz;

    unsigned char rbuf[PSP_READ_BUF];
    size_t pos, end;
    int eof, started;

    char line[PSP_MAX_LINE + 1];
    size_t len;
    long lineno, blank_from;

    struct csv_parser csv;
    int csv_ready;
    int nf, too_many;
    size_t foff[PSP_MAX_FIELDS], flen[PSP_MAX_FIELDS];
    char fields[PSP_MAX_LINE + PSP_MAX_FIELDS + 1];
    size_t fused;

    unsigned char dec[PSP_MAX_LINE];   /* base64 output */

    int pass;                 /* 1 checking, 2 returning */
    int seen_trailer;
    long counts[PSP_MAX_FIELDS];       /* per trailer field */
    long total;

    psp_entry *tab;
    size_t cap, used;

    pcre2_match_data *md;
};

/* The fields of the current line (r the struct pixpsp *): field i, NUL-
 * terminated, and its length. */
#define F(i) (r->fields + r->foff[i])
#define FL(i) (r->flen[i])

static inline int is_digit(char c) { return c >= '0' && c <= '9'; }

/* parser_fail() on line, column col with a printf-style message. -1. */
int pixpsp_fail(parser *p, err_t *e, long line, int col, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* s quoted for a message into out: at most 40 bytes, control bytes and
 * quotes escaped. Returns out. */
const char *pixpsp_shown(const char *s, size_t n, char *out, size_t outsz);

/* Compile the Pix identifier patterns once per process. 1 when they are
 * ready, 0 when they could not be compiled. */
int pixpsp_patterns_ready(void);

/* Check the values of the settlement-bearing record of type t on the
 * current line and fill rec. 0 or -1 with e set. */
int pixpsp_decode(parser *p, const pixpsp_rtype *t, settle_record *rec, err_t *e);

#endif
