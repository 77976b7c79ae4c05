/* db.c - the export stage's statements (see db.h). The SQL is in
 * sql/queries/export_*.sql, compiled in by scripts/embed-queries. */
#include "export/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"

SQL_QUERY(export_reserve);
SQL_QUERY(export_reserved);
SQL_QUERY(export_batch);
SQL_QUERY(export_batch_items);
SQL_QUERY(export_publish_batch);
SQL_QUERY(export_mark_exported);
SQL_QUERY(export_not_uploaded);
SQL_QUERY(export_uploaded);

int exdb_reserve(PGconn *db, long long batch_size, int max, long long *ids, err_t *e)
{
    char size[32], count[16];
    snprintf(size, sizeof size, "%lld", batch_size);
    snprintf(count, sizeof count, "%d", max);
    PGresult *r = db_query(db, e, sqlq_export_reserve, 2, (const char *[]){ size, count });
    if (!r)
        return -1;
    int n = 0;
    for (int i = 0; i < PQntuples(r) && n < max; i++)
        ids[n++] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    PQclear(r);
    return n;
}

int exdb_reserved(PGconn *db, long long *ids, int max, err_t *e)
{
    PGresult *r = db_query(db, e, sqlq_export_reserved, 0, NULL);
    if (!r)
        return -1;
    int n = 0;
    for (int i = 0; i < PQntuples(r) && n < max; i++)
        ids[n++] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    PQclear(r);
    return n;
}

PGresult *exdb_batch(PGconn *db, const char *id, err_t *e)
{
    return db_query(db, e, sqlq_export_batch, 1, (const char *[]){ id });
}

PGresult *exdb_batch_items(PGconn *db, const char *id, err_t *e)
{
    return db_query(db, e, sqlq_export_batch_items, 1, (const char *[]){ id });
}

int exdb_publish_batch(PGconn *db, const char *id, const char *sha, const char *file_name, err_t *e)
{
    PGresult *r = db_query(db, e, sqlq_export_publish_batch, 3, (const char *[]){ id, sha, file_name });
    if (!r)
        return -1;
    int ok = !strcmp(PQcmdTuples(r), "1");
    PQclear(r);
    return ok;
}

int exdb_mark_exported_send(PGconn *db, const char *ids_array, long long first, long long last, err_t *e)
{
    char lo[32], hi[32];
    snprintf(lo, sizeof lo, "%lld", first);
    snprintf(hi, sizeof hi, "%lld", last);
    const char *p[] = { ids_array, lo, hi };
    if (!PQsendQueryParams(db, sqlq_export_mark_exported, 3, NULL, p, NULL, NULL, 0))
        return db_error(db, NULL, e, "database error");
    return 0;
}

long long exdb_mark_exported_wait(PGconn *db, err_t *e)
{
    long long n = -1;
    int failed = 0;
    PGresult *r;
    while ((r = PQgetResult(db)) != NULL) {
        if (!failed && PQresultStatus(r) != PGRES_COMMAND_OK) {
            db_error(db, r, e, "database error");
            failed = 1;
        } else if (!failed) {
            n = strtoll(PQcmdTuples(r), NULL, 10);
        }
        PQclear(r);
    }
    if (!failed && n < 0)
        return db_error(db, NULL, e, "database error");
    return failed ? -1 : n;
}

PGresult *exdb_not_uploaded(PGconn *db, err_t *e)
{
    return db_query(db, e, sqlq_export_not_uploaded, 0, NULL);
}

int exdb_uploaded(PGconn *db, const char *id, err_t *e)
{
    PGresult *r = db_query(db, e, sqlq_export_uploaded, 1, (const char *[]){ id });
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}
