/* csvout.h - write CSV rows quoted as libcsv's csv_fwrite does.
 *
 * Every field is written quoted (embedded quotes doubled), fields separated
 * by sep, the row ended by eol ("\r\n" for RFC 4180). Control characters
 * other than TAB, CR and LF (C0, DEL, and the C1 controls U+0080-U+009F
 * such as CSI and NEL) are written as spaces.
 *
 * Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that
 * starts with = + - @, TAB or CR as a formula (=HYPERLINK(...), +cmd|...,
 * @SUM(...)). Every field that starts with one of those and is not a plain
 * number is written with a leading apostrophe, which spreadsheets show as
 * text and never evaluate. A plain number (-1234,56, -1234.56, +12, 7) is
 * written as is, so amounts stay numbers. */
#ifndef SETTLE_CSVOUT_H
#define SETTLE_CSVOUT_H

#include <stddef.h>
#include <stdio.h>

/* Write one row of n fields (a NULL field is written as an empty one).
 * Returns 0, or -1 when the stream reports a write error. */
int csvout_row(FILE *out, char sep, const char *eol, const char *const *fields, int n);

/* 1 when a cell of len bytes at s would be read as a formula and must be
 * written with a leading apostrophe: it starts with = + - @ TAB or CR and
 * is not a plain decimal number ([+-]digits[(.|,)digits]). */
int csvout_needs_guard(const char *s, size_t len);

/* code as a spreadsheet text cell into buf (n bytes): ="code" when code is
 * all digits, else code as is (the row writer guards it). Returns buf. */
char *csvout_code(const char *code, char *buf, size_t n);

#endif
