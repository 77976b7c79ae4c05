/* db.h - fetch's data access: the registry of fetched files
 * (fetched_files) and of API Pix windows (pix_api_windows). Every
 * statement is a file in sql/queries/fetch_*.sql.
 *
 * All return -1 with e set on a database error. */
#ifndef SETTLE_FETCH_DB_H
#define SETTLE_FETCH_DB_H

#include <stdint.h>
#include <time.h>

#include <libpq-fe.h>

#include "common/error.h"

/* 1 when table (a migration's table) exists, 0 when not: "run settle migrate". */
int fetch_db_has_table(PGconn *db, const char *table, err_t *e);

/* Row id of the remote version (source, name, size, mtime); 0 when never
 * fetched. *done gets after_fetch_done. */
long long fetch_db_find_version(PGconn *db, const char *source, const char *name, uint64_t size, int64_t mtime,
                                int *done, err_t *e);

/* Id of the first fetched file holding this content (sha256 hex), 0 when none. */
long long fetch_db_find_content(PGconn *db, const char *sha, err_t *e);

/* Record a fetched version (idempotent on the version); its id. local is
 * NULL and dup_of the original's id for a duplicate of known content. */
long long fetch_db_record(PGconn *db, const char *source, const char *name, uint64_t size, int64_t mtime,
                          const char *sha, const char *local, long long dup_of, const char *after_fetch, err_t *e);

/* The remote after_fetch action of row id is done. 0 or -1. */
int fetch_db_after_done(PGconn *db, long long id, err_t *e);

/* The end of the last API Pix window pulled for source: *have 0 when none. */
int fetch_db_pix_last_window(PGconn *db, const char *source, int *have, time_t *fim, err_t *e);

/* Record a pulled API Pix file and its window [inicio, fim] in one statement. */
int fetch_db_pix_record_window(PGconn *db, const char *source, const char *remote, unsigned long long size,
                               time_t inicio, time_t fim, const char *sha, const char *local, long long pages,
                               long long items, err_t *e);

#endif
