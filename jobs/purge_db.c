/* purge_db.c - the named statements behind purge_db.h. */
#include "jobs/purge_db.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/db.h"

SQL_QUERY(purge_keep_archive);
SQL_QUERY(purge_keep_batches);
SQL_QUERY(purge_mask_count);
SQL_QUERY(purge_mask_personal_data);

PGresult *purge_db_keep_archive(PGconn *db, err_t *e)
{
    return db_query(db, e, sqlq_purge_keep_archive, 0, NULL);
}

PGresult *purge_db_keep_batches(PGconn *db, int have_destination, err_t *e)
{
    const char *p[] = { have_destination ? "true" : "false" };
    return db_query(db, e, sqlq_purge_keep_batches, 1, p);
}

long long purge_db_mask_personal_data(PGconn *db, long long days, int dry, err_t *e)
{
    char d[24];
    snprintf(d, sizeof d, "%lld", days);
    const char *p[] = { d };
    PGresult *r = db_query(db, e, dry ? sqlq_purge_mask_count : sqlq_purge_mask_personal_data, 1, p);
    if (!r)
        return -1;
    long long n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return n;
}
