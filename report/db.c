/* db.c - the report stage's statements (sql/queries/report_*.sql), one
 * named function each (report/db.h). */
#include "report/db.h"

#include "common/db.h"

SQL_QUERY(report_open);
SQL_QUERY(report_summary);
SQL_QUERY(report_resolved);
SQL_QUERY(report_rejected);
SQL_QUERY(report_tieout);
SQL_QUERY(report_cards);

static PGresult *by_day(PGconn *db, const char *sql, const char *day, err_t *e)
{
    const char *params[] = { day };
    return db_query(db, e, sql, 1, params);
}

PGresult *report_db_open(PGconn *db, const char *day, err_t *e) { return by_day(db, sqlq_report_open, day, e); }
PGresult *report_db_summary(PGconn *db, const char *day, err_t *e) { return by_day(db, sqlq_report_summary, day, e); }
PGresult *report_db_resolved(PGconn *db, const char *day, err_t *e) { return by_day(db, sqlq_report_resolved, day, e); }
PGresult *report_db_rejected(PGconn *db, const char *day, err_t *e) { return by_day(db, sqlq_report_rejected, day, e); }
PGresult *report_db_tieout(PGconn *db, const char *day, err_t *e) { return by_day(db, sqlq_report_tieout, day, e); }
PGresult *report_db_cards(PGconn *db, const char *day, err_t *e) { return by_day(db, sqlq_report_cards, day, e); }
