/* db.c - the ingest stage's statements (see db.h). The SQL is in
 * sql/queries/ingest_*.sql, compiled in by scripts/embed-queries. */
#include "ingest/db.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/db.h"

SQL_QUERY(ingest_reject);
SQL_QUERY(ingest_known_content);
SQL_QUERY(ingest_fetched);
SQL_QUERY(ingest_register);
SQL_QUERY(ingest_copy);
SQL_QUERY(ingest_stage_prepare);
SQL_QUERY(ingest_stage_copy);
SQL_QUERY(ingest_stage_insert);
SQL_QUERY(ingest_stage_duplicates);
SQL_QUERY(ingest_repeats);
SQL_QUERY(ingest_file_done);
SQL_QUERY(ingest_analyze);

int ingdb_reject(PGconn *db, const char *source, const char *name, const char *size, const char *sha, const char *msg,
                 long long *file_id, err_t *e)
{
    PGresult *r = db_query(db, e, sqlq_ingest_reject, 5, (const char *[]){ source, name, size, sha, msg });
    if (!r)
        return -1;
    *file_id = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    return 0;
}

PGresult *ingdb_known_content(PGconn *db, const char *sha, const char *source, const char *name, err_t *e)
{
    return db_query(db, e, sqlq_ingest_known_content, 3, (const char *[]){ sha, source, name });
}

int ingdb_fetched(PGconn *db, const char *source, const char *name, const char *sha, err_t *e)
{
    PGresult *r = db_query(db, e, sqlq_ingest_fetched, 3, (const char *[]){ source, name, sha });
    if (!r)
        return -1;
    int yes = PQntuples(r) > 0;
    PQclear(r);
    return yes;
}

int ingdb_register(PGconn *db, const char *source, const char *name, const char *size, const char *sha, char *fid,
                   size_t n, err_t *e)
{
    PGresult *r = db_query(db, e, sqlq_ingest_register, 4, (const char *[]){ source, name, size, sha });
    if (!r)
        return -1;
    snprintf(fid, n, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

int ingdb_start_copy(PGconn *db, int staged, err_t *e)
{
    if (staged && db_exec(db, sqlq_ingest_stage_prepare, e))
        return -1;
    PGresult *r = PQexec(db, staged ? sqlq_ingest_stage_copy : sqlq_ingest_copy);
    int ok = PQresultStatus(r) == PGRES_COPY_IN;
    if (!ok)
        db_error(db, r, e, "starting COPY");
    PQclear(r);
    return ok ? 0 : -1;
}

PGresult *ingdb_stage_apply(PGconn *db, err_t *e)
{
    PGresult *r = db_query(db, e, sqlq_ingest_stage_insert, 0, NULL);
    if (!r)
        return NULL;
    PQclear(r);
    return db_query(db, e, sqlq_ingest_stage_duplicates, 0, NULL);
}

PGresult *ingdb_repeats(PGconn *db, const char *fid, const char *ords, const char *lines, const char *keys, err_t *e)
{
    return db_query(db, e, sqlq_ingest_repeats, 4, (const char *[]){ fid, ords, lines, keys });
}

int ingdb_file_done(PGconn *db, const char *const u[11], err_t *e)
{
    PGresult *r = db_query(db, e, sqlq_ingest_file_done, 11, u);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

int ingdb_analyze(PGconn *db, err_t *e)
{
    return db_exec(db, sqlq_ingest_analyze, e); /* one statement, autocommit */
}
