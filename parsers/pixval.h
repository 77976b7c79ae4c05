/* pixval.h - the values every Pix reader parses: amounts, timestamps, the
 * Brazilian date of an instant, and text copied into a record. One
 * contract for the API Pix reader (pixapi.c), the PSP statement reader
 * (pixpsp.c) and the CSV statement reader (pixcsv.c), with unit tests in
 * tests/unit/parsers/pixval_test.c.
 *
 * All take a pointer and a length (the text need not be NUL-terminated)
 * and never read past it. */
#ifndef SETTLE_PIXVAL_H
#define SETTLE_PIXVAL_H

#include <stddef.h>
#include <stdint.h>

#include "parsers/record.h"

/* The n (1..9) characters at s as a decimal number, -1 when one is not a digit. */
int pixval_num(const char *s, int n);

/* The API Pix amount "\d{1,10}\.\d{2}", nothing else, into cents. 0 or -1. */
int pixval_amount(const char *s, size_t n, int64_t *cents);

/* A statement's amount with exactly two decimals after dec ('.' or ',')
 * and optional thousands separators (the other mark, groups of three):
 * "1234.56", "1,234.56", "1.234,56". At most 10 integer digits. 0, -1
 * malformed, -2 negative. */
int pixval_amount_grouped(const char *s, size_t n, char dec, int64_t *cents);

/* Timestamps: YYYY-MM-DD(T|t)HH:MM:SS[.1-18 digits][Z|z|+HH:MM|-HH:MM]
 * into seconds since the epoch, UTC (the fraction dropped). Years
 * 1970-9999, real calendar days, offsets up to 23:59. Flags: */
enum {
    PIXVAL_TS_OFFSET_REQUIRED = 1, /* no offset is an error (RFC 3339 proper) */
    PIXVAL_TS_UTC_ONLY = 2,        /* only Z/z (a "UTC timestamp" layout) */
    PIXVAL_TS_DATE_OK = 4,         /* a date alone is midnight at default_offset */
    PIXVAL_TS_SPACE_OK = 8,        /* a space may separate date and time */
};
int pixval_timestamp(const char *s, size_t n, unsigned flags, int default_offset_min, int64_t *out);

/* The calendar date in Brazil (UTC-3: America/Sao_Paulo, no daylight
 * saving since 2019) of an instant. */
settle_date pixval_brazil_date(int64_t t);

/* Copy valid UTF-8 text (n bytes) into dst (size bytes): spaces and
 * control characters at the start dropped, control characters inside (C0,
 * DEL, C1 U+0080-U+009F) turned into spaces, cut on a character boundary,
 * trailing spaces removed. What a record shows a person: never a control
 * character a terminal or spreadsheet would act on. */
void pixval_copy_text(char *dst, size_t size, const char *src, size_t n);

#endif
