/* db.c - libpq connection and error helpers. */
#include "common/db.h"

#include <string.h>

static void trim_nl(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
}

PGconn *db_connect(const config *cfg, err_t *e)
{
    const char *keys[] = { "dbname", "application_name", "fallback_application_name", NULL };
    const char *vals[] = { cfg && cfg->db_conninfo ? cfg->db_conninfo : "", "settle", "settle", NULL };
    /* expand_dbname = 1: the first value may be a full conninfo string or URI. */
    PGconn *db = PQconnectdbParams(keys, vals, 1);
    if (!db) {
        err_set(e, EX_SOFTWARE, "out of memory connecting to the database");
        return NULL;
    }
    if (PQstatus(db) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(db));
        trim_nl(msg);
        err_set(e, EX_UNAVAILABLE,
                "cannot connect to the payments database: %s\n"
                "HINT: check [database] conninfo in the config, or PGHOST/PGDATABASE/PGUSER when it is empty",
                msg);
        PQfinish(db);
        return NULL;
    }
    PGresult *r = PQexec(db, "SET client_min_messages = warning; SET TIME ZONE 'UTC'");
    PQclear(r);
    /* Let the server notice a client that died (kill -9, lost host) while a
     * statement runs, and end that statement (and its locks: reconcile's
     * file claim) within a second instead of when it would have finished.
     * PostgreSQL 14+; older servers do not know the setting. */
    if (PQserverVersion(db) >= 140000)
        PQclear(PQexec(db, "SET client_connection_check_interval = '1s'"));
    return db;
}

int db_error(PGconn *db, const PGresult *res, err_t *e, const char *what)
{
    char msg[768];
    const char *m = res ? PQresultErrorMessage(res) : "";
    if (!m || !*m)
        m = PQerrorMessage(db);
    snprintf(msg, sizeof msg, "%s", m);
    trim_nl(msg);
    /* Unavailable when the connection is gone, when the server said so
     * (SQLSTATE class 08 connection exception, 57P operator intervention:
     * shutdown, crash, cannot connect now), or when libpq made the error
     * itself (no SQLSTATE) and the connection turns out broken: after the
     * server dies mid-query libpq can still report CONNECTION_OK here. */
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    int code = EX_SOFTWARE;
    if (PQstatus(db) != CONNECTION_OK)
        code = EX_UNAVAILABLE;
    else if (state && (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3)))
        code = EX_UNAVAILABLE;
    else if (!state && (!PQconsumeInput(db) || PQstatus(db) != CONNECTION_OK))
        code = EX_UNAVAILABLE;
    return err_set(e, code, "%s: %s", what, msg);
}

int db_exec(PGconn *db, const char *sql, err_t *e)
{
    PGresult *r = PQexec(db, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        db_error(db, r, e, "database error");
        PQclear(r);
        return -1;
    }
    PQclear(r);
    return 0;
}

PGresult *db_query(PGconn *db, err_t *e, const char *sql, int n, const char *const *params)
{
    PGresult *r = PQexecParams(db, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        db_error(db, r, e, "database error");
        PQclear(r);
        return NULL;
    }
    return r;
}
