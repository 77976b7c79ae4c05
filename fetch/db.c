/* db.c - fetch's data access (fetch/db.h): named functions over the
 * statements in sql/queries/fetch_*.sql. */
#include "fetch/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"

SQL_QUERY(fetch_find_version);
SQL_QUERY(fetch_find_content);
SQL_QUERY(fetch_record);
SQL_QUERY(fetch_after_done);
SQL_QUERY(fetch_pix_last_window);
SQL_QUERY(fetch_pix_record_window);

int fetch_db_has_table(PGconn *db, const char *table, err_t *e)
{
    const char *p[] = { table };
    PGresult *r = db_query(db, e, "SELECT to_regclass($1) IS NOT NULL", 1, p);
    if (!r)
        return -1;
    int yes = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return yes;
}

long long fetch_db_find_version(PGconn *db, const char *source, const char *name, uint64_t size, int64_t mtime,
                                int *done, err_t *e)
{
    char sz[32], mt[32];
    snprintf(sz, sizeof sz, "%llu", (unsigned long long)size);
    snprintf(mt, sizeof mt, "%lld", (long long)mtime);
    const char *p[] = { source, name, sz, mt };
    PGresult *r = db_query(db, e, sqlq_fetch_find_version, 4, p);
    if (!r)
        return -1;
    long long id = 0;
    if (PQntuples(r)) {
        id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        *done = PQgetvalue(r, 0, 1)[0] == 't';
    }
    PQclear(r);
    return id;
}

long long fetch_db_find_content(PGconn *db, const char *sha, err_t *e)
{
    const char *p[] = { sha };
    PGresult *r = db_query(db, e, sqlq_fetch_find_content, 1, p);
    if (!r)
        return -1;
    long long id = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    return id;
}

long long fetch_db_record(PGconn *db, const char *source, const char *name, uint64_t size, int64_t mtime,
                          const char *sha, const char *local, long long dup_of, const char *after_fetch, err_t *e)
{
    char sz[32], mt[32], dup[32];
    snprintf(sz, sizeof sz, "%llu", (unsigned long long)size);
    snprintf(mt, sizeof mt, "%lld", (long long)mtime);
    snprintf(dup, sizeof dup, "%lld", dup_of);
    const char *done = strcmp(after_fetch, "keep") ? "false" : "true";
    const char *p[] = { source, name, sz, mt, sha, local, dup_of ? dup : NULL, after_fetch, done };
    PGresult *r = db_query(db, e, sqlq_fetch_record, 9, p);
    if (!r)
        return -1;
    long long id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return id;
}

int fetch_db_after_done(PGconn *db, long long id, err_t *e)
{
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", id);
    const char *p[] = { ids };
    PGresult *r = db_query(db, e, sqlq_fetch_after_done, 1, p);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

int fetch_db_pix_last_window(PGconn *db, const char *source, int *have, time_t *fim, err_t *e)
{
    const char *p[] = { source };
    PGresult *r = db_query(db, e, sqlq_fetch_pix_last_window, 1, p);
    if (!r)
        return -1;
    *have = !PQgetisnull(r, 0, 0);
    if (*have)
        *fim = (time_t)strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return 0;
}

int fetch_db_pix_record_window(PGconn *db, const char *source, const char *remote, unsigned long long size,
                               time_t inicio, time_t fim, const char *sha, const char *local, long long pages,
                               long long items, err_t *e)
{
    char sz[32], fe[32], ie[32], np[32], ni[32];
    snprintf(sz, sizeof sz, "%llu", size);
    snprintf(fe, sizeof fe, "%lld", (long long)fim);
    snprintf(ie, sizeof ie, "%lld", (long long)inicio);
    snprintf(np, sizeof np, "%lld", pages);
    snprintf(ni, sizeof ni, "%lld", items);
    const char *p[] = { source, remote, sz, fe, sha, local, ie, np, ni };
    PGresult *r = db_query(db, e, sqlq_fetch_pix_record_window, 9, p);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}
