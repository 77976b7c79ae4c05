/* sheet_int.h - what the parts of the sheet reader share (sheet_read.c:
 * these helpers, the CSV reader and the entry points; sheet_xlsx.c: the xlsx
 * reader; sheet_validate.c: the rows checked). Not for callers outside
 * report/sheet_*.c. */
#ifndef SETTLE_SHEET_INT_H
#define SETTLE_SHEET_INT_H

#include <stddef.h>

#include "report/sheet_read.h"

/* A growing NUL-terminated buffer, optionally cut at limit bytes while
 * counting every byte offered (full). Zeroed = empty; free(p) when done. */
typedef struct sbuf {
    char *p;
    size_t n, cap;
    size_t full;        /* bytes offered, kept or not */
    size_t limit;       /* 0: no cut */
} sbuf;

/* Append n bytes of s (cut at limit; full counts them all). 0, or -1 when
 * out of memory. */
int sbuf_add(sbuf *b, const char *s, size_t n);
/* Empty b, keeping its memory. */
void sbuf_reset(sbuf *b);

/* Lower-case ASCII, Latin-1 accented letters (UTF-8) to their base letter,
 * blanks (space, tab, NBSP, CR, LF) trimmed at both ends; into out (n). */
void sheet_fold(const char *s, char *out, size_t n);

/* Which of the four columns (SHEET_ID, ...) a header names, or -1. */
int sheet_header_col(const char *text);

/* Quote a value for a message into buf (n): control characters escaped,
 * cut at 40. Returns buf. */
const char *sheet_quote(const char *s, char *buf, size_t n);

/* Append a row (cells copied, cut at SHEET_CELL_MAX) to out, unless all
 * four cells are empty. -1 when out of memory or over SHEET_ROWS_MAX (e
 * set). */
int sheet_push_row(sheet_rows *out, const char *name, long row, sbuf cells[SHEET_NCOLS], err_t *e);

/* The xlsx workbook in buf (n bytes, a zip) into out (sheet_xlsx.c). 0, or
 * -1 with e set. */
int sheet_read_xlsx(const char *name, const unsigned char *buf, size_t n, sheet_rows *out, err_t *e);

#endif
