/* db.c - libpq connection and error helpers. */
#include "common/db.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* Whether k[0..klen) is a keyword libpq knows (tried as "KEY=x"). */
static int libpq_key(const char *k, size_t klen)
{
    char one[96];
    snprintf(one, sizeof one, "%.*s=x", (int)(klen < 80 ? klen : 80), k);
    char *err = NULL;
    PQconninfoOption *o = PQconninfoParse(one, &err);
    PQconninfoFree(o);
    if (!err)
        return 1;
    PQfreemem(err);
    return 0;
}

/* The query string q of a URI (after '?'): the first parameter that is not
 * KEY=VALUE, not percent-encoded or not a libpq key, described into why.
 * 1 when one was found, 0 when all are well-formed. */
static int uri_query_problem(const char *q, char *why, size_t n)
{
    char kb[48];
    while (*q) {
        size_t plen = strcspn(q, "&");
        const char *eq = memchr(q, '=', plen);
        size_t klen = eq ? (size_t)(eq - q) : plen;
        const char *k = key_name(q, klen, kb, sizeof kb);
        if (!eq || memchr(eq + 1, '=', plen - klen - 1)) {
            snprintf(why, n, "query parameter %s of the URI is not KEY=VALUE (value not shown)", k);
            return 1;
        }
        if (bad_percent(q, klen) || bad_percent(eq + 1, plen - klen - 1)) {
            snprintf(why, n, "the value of query parameter %s of the URI is not valid percent-encoding (value not shown)", k);
            return 1;
        }
        if (!libpq_key(q, klen)) {
            snprintf(why, n, "query parameter %s of the URI is not a libpq connection key", k);
            return 1;
        }
        q += plen + (q[plen] == '&');
    }
    return 0;
}

/* conninfo_describe() of a postgresql:// or postgres:// URI. */
static void uri_describe(const char *ci, char *why, size_t n, const char *generic)
{
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
    if (*p == '?' && uri_query_problem(p + 1, why, n))
        return;
    snprintf(why, n, "the URI is %s", generic);
}

/* conninfo_describe() of key = value pairs, a value optionally in single
 * quotes with \\ escapes. */
static void pairs_describe(const char *ci, char *why, size_t n, const char *generic)
{
    char kb[48];
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
        if (!libpq_key(k, klen)) {
            snprintf(why, n, "%s is not a libpq connection key", kn);
            return;
        }
    }
    snprintf(why, n, "%s", generic);
}

/* Which part of a conninfo libpq refused, named without its value. */
static void conninfo_describe(const char *ci, char *why, size_t n)
{
    const char *generic = "malformed (libpq's message is not shown: it may contain a password)";
    if (!strncmp(ci, "postgresql://", 13) || !strncmp(ci, "postgres://", 11))
        uri_describe(ci, why, n, generic);
    else
        pairs_describe(ci, why, n, generic);
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

/* libpq's connect_timeout (conninfo or PGCONNECT_TIMEOUT), in seconds, times
 * the number of hosts it may try (libpq applies it to each); 0 = none. */
static long connect_deadline_seconds(PGconn *db)
{
    long secs = 0, hosts = 1;
    PQconninfoOption *o = PQconninfo(db);
    for (PQconninfoOption *x = o; x && x->keyword; x++) {
        if (!strcmp(x->keyword, "connect_timeout") && x->val && *x->val) {
            secs = strtol(x->val, NULL, 10);
            if (secs > 0 && secs < 2)
                secs = 2; /* as libpq */
        }
        if (!strcmp(x->keyword, "host") && x->val)
            for (const char *c = x->val; *c; c++)
                hosts += *c == ',';
    }
    PQconninfoFree(o);
    return secs > 0 ? secs * hosts : 0;
}

/* Drive PQconnectPoll to the end (libpq's documented loop); 0 when it
 * ended (OK or failed: PQstatus says), -1 on the deadline. */
static int connect_wait(PGconn *db)
{
    long limit = connect_deadline_seconds(db);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
        struct pollfd p = { .fd = PQsocket(db), .events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT };
        int ms = -1;
        if (limit > 0) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            long long left = limit * 1000LL - ((now.tv_sec - t0.tv_sec) * 1000LL + (now.tv_nsec - t0.tv_nsec) / 1000000);
            if (left <= 0)
                return -1;
            ms = left > 60000 ? 60000 : (int)left;
        }
        if (p.fd < 0)
            break; /* no socket: PQconnectPoll reports why */
        int r = poll(&p, 1, ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            continue; /* the deadline is checked above */
        st = PQconnectPoll(db);
    }
    return 0;
}

/* The SQLSTATE of the last server error in a verbose connection message
 * ("FATAL:  28P01: password authentication failed ..."), or "" when the
 * server never answered (network, DNS, refused). The message is rewritten
 * as libpq's default verbosity shows it: no SQLSTATE, no LOCATION line. */
static void connect_sqlstate(char *msg, char state[6])
{
    state[0] = '\0';
    char *out = msg;
    for (const char *in = msg; *in;) {
        const char *eol = strchr(in, '\n');
        size_t len = eol ? (size_t)(eol - in) + 1 : strlen(in);
        if (!strncmp(in, "LOCATION:", 9)) {
            in += len;
            continue;
        }
        for (size_t i = 0; i < len; i++) {
            static const char *const sev[] = { "FATAL:  ", "ERROR:  ", "PANIC:  " };
            int skip = 0;
            for (size_t k = 0; k < sizeof sev / sizeof *sev && !skip; k++) {
                size_t sl = strlen(sev[k]);
                const char *c = in + i + sl;
                if (i + sl + 7 <= len && !strncmp(in + i, sev[k], sl) && c[5] == ':' && c[6] == ' ') {
                    int ok = 1;
                    for (int j = 0; j < 5; j++)
                        ok &= isdigit((unsigned char)c[j]) || isupper((unsigned char)c[j]);
                    if (ok) {
                        memcpy(state, c, 5);
                        state[5] = '\0';
                        memmove(out, in + i, sl);
                        out += sl;
                        i += sl + 6; /* the loop's i++ skips the space */
                        skip = 1;
                    }
                }
            }
            if (!skip)
                *out++ = in[i];
        }
        in += len;
    }
    *out = '\0';
}

/* Where libpq took (or would take) the password of this connection from:
 * password= in the conninfo, $PGPASSWORD, or the password file it read
 * (passfile=, $PGPASSFILE or ~/.pgpass, as libpq resolved it). */
static void password_source(PGconn *db, int in_conninfo, char *out, size_t n)
{
    const char *env = getenv("PGPASSWORD");
    if (in_conninfo) {
        snprintf(out, n, "password= in [database] conninfo");
        return;
    }
    if (env && *env) {
        snprintf(out, n, "$PGPASSWORD");
        return;
    }
    snprintf(out, n, "the password file (passfile= in conninfo, else $PGPASSFILE or ~/.pgpass)");
    PQconninfoOption *o = PQconninfo(db);
    for (PQconninfoOption *x = o; x && x->keyword; x++)
        if (!strcmp(x->keyword, "passfile") && x->val && *x->val)
            snprintf(out, n, "the password file %s", x->val);
    PQconninfoFree(o);
}

/* The login role libpq used (user=, $PGUSER or the operating system user). */
static void login_user(PGconn *db, char *out, size_t n)
{
    const char *u = PQuser(db);
    snprintf(out, n, "%s", u && *u ? u : "(unknown)");
}

/* A connection that failed (or timed out): finish db and set e to what
 * the operator must fix, by the server's SQLSTATE: a refused password
 * (naming where it came from), a missing password, a refused login, a
 * missing database, or a server that cannot be reached. pw: conninfo
 * holds password=. */
static void connect_failed(PGconn *db, int pw, int timed_out, err_t *e)
{
    char msg[768], state[6];
    snprintf(msg, sizeof msg, "%s", timed_out ? "timeout expired (connect_timeout)" : PQerrorMessage(db));
    connect_sqlstate(msg, state);
    trim_nl(msg);
    int needs_pw = PQconnectionNeedsPassword(db);
    char src[PATH_MAX + 64], user[128];
    password_source(db, pw, src, sizeof src);
    login_user(db, user, sizeof user);
    PQfinish(db);
    if (!strcmp(state, "28P01") && !needs_pw) {
        /* a password was sent and refused: say which one to fix */
        err_set(e, EX_NOPERM,
                "the payments database refused the password of user \"%s\" (from %s): %s\n"
                "HINT: put the role's current password in %s (a line host:port:dbname:user:password; "
                "mode 0600, readable by the user settle runs as), or change the role's password to match; "
                "docs/operations.md, \"First deploy\", steps 2-3",
                user, src, msg, src);
    } else if (needs_pw) {
        err_set(e, EX_NOPERM,
                "the payments database asks user \"%s\" for a password and none was found (looked in %s): %s\n"
                "HINT: add a line host:port:dbname:user:password for it to the password file "
                "(passfile= in [database] conninfo); libpq ignores a password file that others can read: "
                "mode 0600, owned by the user settle runs as; docs/operations.md, \"First deploy\", steps 2-3",
                user, src, msg);
    } else if (!strcmp(state, "28P01") || !strcmp(state, "28000") || !strcmp(state, "42501")) {
        err_set(e, EX_NOPERM,
                "the payments database refused the login: %s\n"
                "HINT: check user= in [database] conninfo (a LOGIN role that is a member of settle_job, "
                "never settle_job itself) and its password in the password file (passfile= in conninfo, "
                "else $PGPASSFILE or ~/.pgpass; mode 0600, readable by the user settle runs as); "
                "docs/operations.md, \"First deploy\", steps 2-3",
                msg);
    } else if (!strcmp(state, "3D000")) {
        err_set(e, EX_CONFIG,
                "the payments database does not exist: %s\n"
                "HINT: check dbname= in [database] conninfo (or PGDATABASE when it is empty)",
                msg);
    } else {
        err_set(e, EX_UNAVAILABLE,
                "cannot connect to the payments database: %s\n"
                "HINT: check [database] conninfo in the config, or PGHOST/PGDATABASE/PGUSER when it is empty; "
                "re-run when the database is back",
                msg);
    }
}

PGconn *db_connect(const config *cfg, err_t *e)
{
    int pw = 0;
    {
        char why[256];
        if (cfg && cfg->db_conninfo && db_conninfo_check(cfg->db_conninfo, &pw, why, sizeof why) < 0) {
            err_set(e, EX_CONFIG, "[database] conninfo: %s\nHINT: see docs/configuration.md, [database]", why);
            return NULL;
        }
    }
    const char *keys[] = { "dbname", "application_name", "fallback_application_name", NULL };
    const char *vals[] = { cfg && cfg->db_conninfo ? cfg->db_conninfo : "", "settle", "settle", NULL };
    /* expand_dbname = 1: the first value may be a full conninfo string or
     * URI. Started asynchronously only to set the error verbosity first: the
     * server's SQLSTATE tells a refused login or a missing database (our
     * configuration: re-running cannot help) from a server that is down. */
    PGconn *db = PQconnectStartParams(keys, vals, 1);
    if (!db) {
        err_set(e, EX_SOFTWARE, "out of memory connecting to the database");
        return NULL;
    }
    PQsetErrorVerbosity(db, PQERRORS_VERBOSE);
    int timed_out = PQstatus(db) != CONNECTION_BAD && connect_wait(db) < 0;
    if (timed_out || PQstatus(db) != CONNECTION_OK) {
        connect_failed(db, pw, timed_out, e);
        return NULL;
    }
    PQsetErrorVerbosity(db, PQERRORS_DEFAULT);
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
