/* status_db.h - the database reads of `settle status` (jobs/status.c).
 *
 * Each function runs one named statement (sql/queries/status_*.sql) and
 * returns its result, which the caller PQclear()s, or NULL with e set. The
 * columns of each are documented in its .sql file. Read-only. */
#ifndef SETTLE_JOBS_STATUS_DB_H
#define SETTLE_JOBS_STATUS_DB_H

#include <libpq-fe.h>

#include "common/error.h"

PGresult *status_db_counts(PGconn *db, err_t *e);
PGresult *status_db_exceptions_by_age(PGconn *db, err_t *e);
PGresult *status_db_warned_files(PGconn *db, err_t *e);
PGresult *status_db_sources(PGconn *db, err_t *e);
PGresult *status_db_last_runs(PGconn *db, err_t *e);
/* Open exceptions older than days: one row (count, oldest age in days). */
PGresult *status_db_check_exceptions(PGconn *db, long long days, err_t *e);
/* Batches stuck longer than minutes: one row (reserved, published not
 * uploaded, id of the oldest not uploaded). */
PGresult *status_db_check_batches(PGconn *db, long long minutes, err_t *e);

#endif
