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
/* Mask the personal data of settlements older than days (dry: only count).
 * Returns the number of settlements, or -1 with e set. */
long long purge_db_mask_personal_data(PGconn *db, long long days, int dry, err_t *e);

#endif
