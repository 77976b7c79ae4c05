/* db.h - the ingest stage's data access: every statement it sends
 * (sql/queries/ingest_*.sql) behind a named function. Functions returning
 * int give 0 (or a count, or 1/0 for yes/no) and -1 with e set on a database
 * error; those returning PGresult * give NULL with e set, and the caller
 * PQclear()s the result. */
#ifndef SETTLE_INGEST_DB_H
#define SETTLE_INGEST_DB_H

#include <libpq-fe.h>

#include "common/error.h"

/* Record a rejection (a retry updates its earlier row); *file_id = the row. */
int ingdb_reject(PGconn *db, const char *source, const char *name, const char *size, const char *sha, const char *msg,
                 long long *file_id, err_t *e);

/* What the database knows about content sha (ingest_known_content.sql). */
PGresult *ingdb_known_content(PGconn *db, const char *sha, const char *source, const char *name, err_t *e);

/* 1 when settle fetch placed this file (source, local name, content). */
int ingdb_fetched(PGconn *db, const char *source, const char *name, const char *sha, err_t *e);

/* Register the file (status 'ingested'); its id into fid (size n). */
int ingdb_register(PGconn *db, const char *source, const char *name, const char *size, const char *sha, char *fid,
                   size_t n, err_t *e);

/* Start the COPY of a file's records: into settlements (staged 0), or into
 * a fresh staging table (staged 1). The connection is then in COPY IN. */
int ingdb_start_copy(PGconn *db, int staged, err_t *e);

/* Staged path, after the COPY: insert the new keys, then record the
 * duplicates; returns the duplicates (line, natural_key, settlement_id). */
PGresult *ingdb_stage_apply(PGconn *db, err_t *e);

/* Fast path: the n records the file repeated (not copied) become
 * duplicates of this file's settlement of their key; returns them. */
PGresult *ingdb_repeats(PGconn *db, const char *fid, const char *ords, const char *lines, const char *keys,
                        err_t *e);

/* What the parse found, on the file's row: u[9] = id, format, bank,
 * generated on, records, duplicates, warnings, mismatches, skipped. */
int ingdb_file_done(PGconn *db, const char *const u[11], err_t *e);

/* Refresh the planner's statistics of settlements after a big file. */
int ingdb_analyze(PGconn *db, err_t *e);

#endif
