/* db.c - libpq connection and error helpers. */
#include "common/db.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static void trim_nl(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
}

/* A key shown in a message: a libpq keyword's shape ([a-z_], short), else
 * "a key" (what looks like a key may be a value typed without '='). */
static const char *key_name(const char *k, size_t len, char *buf, size_t n)
{
    int ok = len > 0 && len < 40 && len < n;
    for (size_t i = 0; ok && i < len; i++)
        ok = (k[i] >= 'a' && k[i] <= 'z') || k[i] == '_';
    if (!ok)
        return "a key";
    snprintf(buf, n, "'%.*s'", (int)len, k);
    return buf;
}

/* s[0..len) has a '%' not followed by two hex digits, or %00. */
static int bad_percent(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] == '%') {
            if (i + 2 >= len || !isxdigit((unsigned char)s[i + 1]) || !isxdigit((unsigned char)s[i + 2]) ||
                (s[i + 1] == '0' && s[i + 2] == '0'))
                return 1;
            i += 2;
        }
    return 0;
}

/* Which part of a conninfo libpq refused, named without its value. */
static void conninfo_describe(const char *ci, char *why, size_t n)
{
    char kb[48];
    const char *generic = "malformed (libpq's message is not shown: it may contain a password)";
    if (!strncmp(ci, "postgresql://", 13) || !strncmp(ci, "postgres://", 11)) {
        const char *a = strstr(ci, "://") + 3;
        size_t alen = strcspn(a, "/?");
        const char *at = NULL;
        for (const char *p = a; p < a + alen; p++)
            if (*p == '@')
                at = p;
        if (at) {
            const char *colon = memchr(a, ':', (size_t)(at - a));
            size_t ulen = colon ? (size_t)(colon - a) : (size_t)(at - a);
            if (bad_percent(a, ulen)) {
                snprintf(why, n, "the user name in the URI is not valid percent-encoding (value not shown)");
                return;
            }
            if (colon && bad_percent(colon + 1, (size_t)(at - colon - 1))) {
                snprintf(why, n, "the password in the URI is not valid percent-encoding (value not shown)");
                return;
            }
            a = at + 1;
            alen = strcspn(a, "/?");
        }
        if (bad_percent(a, alen)) {
            snprintf(why, n, "the host part of the URI is not valid percent-encoding");
            return;
        }
        const char *p = a + alen;
        if (*p == '/') {
            size_t dlen = strcspn(p + 1, "?");
            if (bad_percent(p + 1, dlen)) {
                snprintf(why, n, "the database name in the URI is not valid percent-encoding");
                return;
            }
            p += 1 + dlen;
        }
        if (*p == '?') {
            for (const char *q = p + 1; *q;) {
                size_t plen = strcspn(q, "&");
                const char *eq = memchr(q, '=', plen);
                size_t klen = eq ? (size_t)(eq - q) : plen;
                const char *k = key_name(q, klen, kb, sizeof kb);
                if (!eq || memchr(eq + 1, '=', plen - klen - 1)) {
                    snprintf(why, n, "query parameter %s of the URI is not KEY=VALUE (value not shown)", k);
                    return;
                }
                if (bad_percent(q, klen) || bad_percent(eq + 1, plen - klen - 1)) {
                    snprintf(why, n, "the value of query parameter %s of the URI is not valid percent-encoding (value not shown)", k);
                    return;
                }
                char one[96];
                snprintf(one, sizeof one, "%.*s=x", (int)(klen < 80 ? klen : 80), q);
                char *err = NULL;
                PQconninfoOption *o = PQconninfoParse(one, &err);
                PQconninfoFree(o);
                if (err) {
                    PQfreemem(err);
                    snprintf(why, n, "query parameter %s of the URI is not a libpq connection key", k);
                    return;
                }
                q += plen + (q[plen] == '&');
            }
        }
        snprintf(why, n, "the URI is %s", generic);
        return;
    }
    /* key = value pairs, a value optionally in single quotes with \\ escapes */
    const char *p = ci;
    for (int pair = 1;; pair++) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        const char *k = p;
        while (*p && *p != '=' && !isspace((unsigned char)*p))
            p++;
        size_t klen = (size_t)(p - k);
        while (isspace((unsigned char)*p))
            p++;
        const char *kn = key_name(k, klen, kb, sizeof kb);
        if (*p != '=') {
            if (!strcmp(kn, "a key"))
                snprintf(why, n, "word %d is not KEY=VALUE (not shown: it may be a value)", pair);
            else
                snprintf(why, n, "missing '=' after key %s", kn);
            return;
        }
        p++;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '\'') {
            for (p++; *p && *p != '\''; p++)
                if (*p == '\\' && p[1])
                    p++;
            if (!*p) {
                snprintf(why, n, "the value of %s has no closing quote (value not shown)", kn);
                return;
            }
            p++;
        } else {
            while (*p && !isspace((unsigned char)*p))
                p++;
        }
        char one[96];
        snprintf(one, sizeof one, "%.*s=x", (int)(klen < 80 ? klen : 80), k);
        char *err = NULL;
        PQconninfoOption *o = PQconninfoParse(one, &err);
        PQconninfoFree(o);
        if (err) {
            PQfreemem(err);
            snprintf(why, n, "%s is not a libpq connection key", kn);
            return;
        }
    }
    snprintf(why, n, "%s", generic);
}

int db_conninfo_check(const char *ci, int *has_password, char *why, size_t n)
{
    *has_password = 0;
    if (!ci || !*ci)
        return 0;
    char *err = NULL;
    PQconninfoOption *o = PQconninfoParse(ci, &err);
    if (!o) {
        if (err)
            PQfreemem(err); /* may quote a value: never shown */
        conninfo_describe(ci, why, n);
        return -1;
    }
    for (PQconninfoOption *x = o; x->keyword; x++)
        if (!strcmp(x->keyword, "password") && x->val && *x->val)
            *has_password = 1;
    PQconninfoFree(o);
    return 0;
}

PGconn *db_connect(const config *cfg, err_t *e)
{
    {
        int pw;
        char why[256];
        if (cfg && cfg->db_conninfo && db_conninfo_check(cfg->db_conninfo, &pw, why, sizeof why) < 0) {
            err_set(e, EX_CONFIG, "[database] conninfo: %s\nHINT: see docs/configuration.md, [database]", why);
            return NULL;
        }
    }
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

SQL_QUERY(db_try_lock);

int db_try_lock(PGconn *db, const char *name, err_t *e)
{
    const char *params[1] = { name };
    PGresult *r = db_query(db, e, sqlq_db_try_lock, 1, params);
    if (!r)
        return -1;
    int got = PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), "t");
    PQclear(r);
    return got;
}
