/* pixcsv.h - the Pix statement CSV reader (canonical layout or a profile).
 *
 * parser.c detects the format and hands Pix statements to this reader; it
 * produces the same settle_record as the CNAB readers, with the same
 * contract as parser_next(). The canonical layout and the profile keys are
 * documented in docs/formats/pix-csv.md. */
#ifndef SETTLE_PIXCSV_H
#define SETTLE_PIXCSV_H

#include <stddef.h>
#include <zlib.h>

#include "common/profile.h"
#include "parsers/record.h"

typedef struct pixcsv pixcsv;

/* 1 when head (the first bytes of the file, decompressed) starts with a
 * header row this reader accepts under profile (NULL = canonical layout),
 * 0 when not, -1 when out of memory (the caller cannot tell). */
int pixcsv_sniff(const char *head, size_t len, const profile_cfg *profile);

/* Start reading in at its current position (the start of the file). Does
 * not take ownership of in: the caller gzclose()s it after pixcsv_close().
 * profile (NULL = canonical layout) must outlive the reader. Reads the
 * header row; returns NULL with e set (EX_DATAERR) when it lacks a required
 * column ("FILE:1: missing required column 'amount' (canonical layout);
 * found columns: ..."), names one twice ("FILE:1:COL: ..."), or the file is
 * empty. */
pixcsv *pixcsv_open(gzFile in, const char *display_name, const profile_cfg *profile, err_t *e);
/* Same, refusing a gzip input that expands beyond max_bytes and more than
 * max_empty consecutive empty lines or rows of empty fields (0 = no limit). */
pixcsv *pixcsv_open_limited(gzFile in, const char *display_name, const profile_cfg *profile, long long max_bytes,
                            long max_empty, err_t *e);

/* Same contract as parser_next(): 1 record, 0 end, -1 error with e set to
 * "FILE:LINE:COL: expected ..., found ..." (COL = 1-based field number,
 * LINE = the line where the row starts). *rec is overwritten whole. */
int pixcsv_next(pixcsv *r, settle_record *rec, err_t *e);

/* Free r (NULL is fine); does not close the gzFile. */
void pixcsv_close(pixcsv *r);

#endif
