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

/* Check a conninfo string or URI without ever showing its values (libpq's
 * own parse errors quote them, a password included). 0 when libpq parses
 * it, with *has_password set when it holds a non-empty password; -1 when it
 * does not, with why naming the key or part that is malformed (never its
 * value). */
int db_conninfo_check(const char *ci, int *has_password, char *why, size_t n);

/* Run fixed SQL (may hold several statements). 0 on success; -1 with e set
 * (EX_UNAVAILABLE when the connection is gone, EX_SOFTWARE otherwise). */
int db_exec(PGconn *db, const char *sql, err_t *e);

/* Run one parameterised statement. Returns the result (caller PQclear()s)
 * when its status is COMMAND_OK or TUPLES_OK, else NULL with e set. */
PGresult *db_query(PGconn *db, err_t *e, const char *sql, int n, const char *const *params);

/* Fill e from a failed result or connection: "what: server message". */
int db_error(PGconn *db, const PGresult *res, err_t *e, const char *what);

/* A named SQL statement: sql/queries/NAME.sql, compiled in by
 * scripts/embed-queries as sqlq_NAME (comment lines left out). Declare it
 * at file scope in the stage's data-access code, SQL_QUERY(reconcile_apply);
 * and use sqlq_reconcile_apply: a statement without its file fails to link. */
#define SQL_QUERY(name) extern const char sqlq_##name[]

/* Take the session-level advisory lock named name ("settle.export") without
 * waiting (sql/queries/db_try_lock.sql). Returns 1 when this session now
 * holds it, 0 when another session does, -1 with e set on a database error.
 * The lock goes with the session (PQfinish). */
int db_try_lock(PGconn *db, const char *name, err_t *e);

#endif
