/* csvout.h - write CSV rows with libcsv's quoting (csv_fwrite).
 *
 * Every field is written quoted by libcsv (embedded quotes doubled), fields
 * separated by sep, the row ended by eol ("\r\n" for RFC 4180). */
#ifndef SETTLE_CSVOUT_H
#define SETTLE_CSVOUT_H

#include <stdio.h>

/* Write one row of n fields (a NULL field is written as an empty one).
 * Returns 0, or -1 when the stream reports a write error. */
int csvout_row(FILE *out, char sep, const char *eol, const char *const *fields, int n);

#endif
