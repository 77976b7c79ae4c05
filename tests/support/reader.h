/* reader.h - reading a whole input file for the reader unit tests (the card
 * readers' cielo_test.c and rede_test.c): every record through
 * parser_open() / parser_next() as a job reads it, the warnings counted,
 * and the checks those tests share. reader.c is linked into every unit test
 * (the Makefile's TEST_SUPPORT_OBJ); the asserts are cmocka's, so call these
 * from a cmocka test only. */
#ifndef SETTLE_TEST_READER_H
#define SETTLE_TEST_READER_H

#include "parsers/record.h"

/* The warnings of the last reader_read_all(): how many, and the last one. */
extern int reader_nwarn;
extern char reader_last_warn[1200];

/* Read every record of path (format detected) into recs, at most max (more
 * fails the test); *fi gets the file's info when fi is not NULL. Returns
 * the number of records, or -1 with e set when the reader refused the file. */
int reader_read_all(const char *path, settle_record *recs, int max, file_info *fi, err_t *e);

/* Assert that d is the date y-m-dd. */
void reader_assert_date(settle_date d, int y, int m, int dd);

/* Assert that reading dir/file (dir ends in '/') is refused with EX_DATAERR
 * and exactly the message "dir/file:" msg (msg starts at LINE:COL). */
void reader_expect_error(const char *dir, const char *file, const char *msg);

#endif
