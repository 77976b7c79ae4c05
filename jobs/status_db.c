/* status_db.c - the named statements behind status_db.h. */
#include "jobs/status_db.h"

#include <stdio.h>

#include "common/db.h"

SQL_QUERY(status_counts);
SQL_QUERY(status_exceptions_by_age);
SQL_QUERY(status_warned_files);
SQL_QUERY(status_sources);
SQL_QUERY(status_last_runs);
SQL_QUERY(status_check_exceptions);
SQL_QUERY(status_check_batches);

PGresult *status_db_counts(PGconn *db, err_t *e)
{
    return db_query(db, e, sqlq_status_counts, 0, NULL);
}

PGresult *status_db_exceptions_by_age(PGconn *db, err_t *e)
{
    return db_query(db, e, sqlq_status_exceptions_by_age, 0, NULL);
}

PGresult *status_db_warned_files(PGconn *db, err_t *e)
{
    return db_query(db, e, sqlq_status_warned_files, 0, NULL);
}

PGresult *status_db_sources(PGconn *db, err_t *e)
{
    return db_query(db, e, sqlq_status_sources, 0, NULL);
}

PGresult *status_db_last_runs(PGconn *db, err_t *e)
{
    return db_query(db, e, sqlq_status_last_runs, 0, NULL);
}

PGresult *status_db_check_exceptions(PGconn *db, long long days, err_t *e)
{
    char d[24];
    snprintf(d, sizeof d, "%lld", days);
    const char *p[] = { d };
    return db_query(db, e, sqlq_status_check_exceptions, 1, p);
}

PGresult *status_db_check_batches(PGconn *db, long long minutes, err_t *e)
{
    char m[24];
    snprintf(m, sizeof m, "%lld", minutes);
    const char *p[] = { m };
    return db_query(db, e, sqlq_status_check_batches, 1, p);
}
