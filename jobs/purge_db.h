/* purge_db.h - the database side of `settle purge` (jobs/purge.c).
 *
 * Each function runs one named statement (sql/queries/purge_*.sql) and
 * returns its result, which the caller PQclear()s, or NULL with e set. */
#ifndef SETTLE_JOBS_PURGE_DB_H
#define SETTLE_JOBS_PURGE_DB_H

#include <libpq-fe.h>

#include "common/error.h"

/* Return files whose archived copy must stay: (source, name, id) rows. */
PGresult *purge_db_keep_archive(PGconn *db, err_t *e);
/* Export batches whose outbox files must stay: (id) rows; not uploaded ones
 * only when have_destination. */
PGresult *purge_db_keep_batches(PGconn *db, int have_destination, err_t *e);
/* What the masking did (or, dry, would do). */
typedef struct purge_mask_tally {
    long long settlements, exceptions;
    long chunks;                /* transactions committed (0 when dry) */
} purge_mask_tally;

/* Mask the personal data of settlements older than days and of their
 * exceptions (sql/020_retention.sql, by file since 023), chunk_rows settlements (and
 * exceptions) per transaction, each chunk committed before the next, so a
 * first purge of millions of rows never holds one giant transaction; dry:
 * only count. The connection must not be inside a transaction. Returns 0
 * with *t filled (chunks committed so far also when it fails), or -1 with e
 * set. */
int purge_db_mask_personal_data(PGconn *db, long long days, long long chunk_rows, int dry, purge_mask_tally *t,
                                err_t *e);

#endif
