/* db.h - connecting to the payments database and small libpq helpers.
 *
 * Every value that comes from a file goes through PQexecParams or COPY;
 * db_exec() is for fixed SQL text only. */
#ifndef SETTLE_DB_H
#define SETTLE_DB_H

#include <libpq-fe.h>

#include "common/config.h"
#include "common/error.h"

/* Connect with [database] conninfo ("" = libpq's environment). Returns NULL
 * with e set to EX_UNAVAILABLE when the server cannot be reached. The caller
 * closes the connection with PQfinish(). */
PGconn *db_connect(const config *cfg, err_t *e);

/* Run fixed SQL (may hold several statements). 0 on success; -1 with e set
 * (EX_UNAVAILABLE when the connection is gone, EX_SOFTWARE otherwise). */
int db_exec(PGconn *db, const char *sql, err_t *e);

/* Run one parameterised statement. Returns the result (caller PQclear()s)
 * when its status is COMMAND_OK or TUPLES_OK, else NULL with e set. */
PGresult *db_query(PGconn *db, err_t *e, const char *sql, int n, const char *const *params);

/* Fill e from a failed result or connection: "what: server message". */
int db_error(PGconn *db, const PGresult *res, err_t *e, const char *what);

#endif
