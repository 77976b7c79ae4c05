/* db.h - the export stage's data access: every statement it sends
 * (sql/queries/export_*.sql) behind a named function. int functions return
 * 0 (or a count) and -1 with e set on a database error; PGresult functions
 * NULL with e set, the caller PQclear()s. */
#ifndef SETTLE_EXPORT_DB_H
#define SETTLE_EXPORT_DB_H

#include <libpq-fe.h>

#include "common/error.h"

/* Reserve the next group: up to max batches of at most batch_size requests
 * each, in one statement (their rows and snapshots); their ids, ascending,
 * into ids. Returns how many (0: nothing to export). */
int exdb_reserve(PGconn *db, long long batch_size, int max, long long *ids, err_t *e);

/* Up to max reserved batches (oldest first) into ids; their count. */
int exdb_reserved(PGconn *db, long long *ids, int max, err_t *e);

/* A batch's row (export_batch.sql's columns) and its snapshot rows. */
PGresult *exdb_batch(PGconn *db, const char *id, err_t *e);
PGresult *exdb_batch_items(PGconn *db, const char *id, err_t *e);

/* Publish: the batch's row (1 when it was still reserved, 0 when not). */
int exdb_publish_batch(PGconn *db, const char *id, const char *sha, const char *file_name, err_t *e);

/* Publish: mark the requests of the batches in ids_array (a PostgreSQL
 * array literal, "{1,2}") exported; first and last: the lowest
 * first_request_id and highest last_request_id of those batches. In two
 * halves, so that the caller works meanwhile: send it (0, or -1 with e
 * set), then wait for how many were marked (-1 with e set). */
int exdb_mark_exported_send(PGconn *db, const char *ids_array, long long first, long long last, err_t *e);
long long exdb_mark_exported_wait(PGconn *db, err_t *e);

/* Published batches not uploaded yet. */
PGresult *exdb_not_uploaded(PGconn *db, err_t *e);

/* Batch id's files are on [destination invoices]. */
int exdb_uploaded(PGconn *db, const char *id, err_t *e);

#endif
