/* db.h - the report stage's data access (report/db.c): one named function
 * per statement of sql/queries/report_*.sql, and the columns each returns.
 * Every function returns a PGresult the caller PQclear()s, or NULL with e
 * set (common/db.h). day is YYYY-MM-DD (UTC). */
#ifndef SETTLE_REPORT_DB_H
#define SETTLE_REPORT_DB_H

#include <libpq-fe.h>

#include "common/error.h"

/* report_open: exceptions open at the end of the day. */
enum { X_ID, X_REASON, X_OPENED, X_AGE, X_NAME, X_DOC, X_ORDER, X_PAYMENT, X_EXPECTED, X_PAID, X_BANK, X_FILE,
       X_LINE, X_DETAIL, X_METHOD, X_NOSSO, X_TXID, X_E2E, X_DUE, X_PAID_ON, X_CREDIT_ON, X_FEE, X_CREDITED,
       X_SOURCE, X_NCOLS };
/* report_summary: the day's counts, one row. */
enum { S_FILES, S_REJECTED, S_SETTLEMENTS, S_SETTLED_CENTS, S_PAID, S_PAID_CENTS, S_OPENED, S_RESOLVED, S_NCOLS };
/* report_resolved: exceptions resolved during the day. */
enum { R_ID, R_REASON, R_BY, R_AT, R_HOW, R_NOTE, R_PAYMENT, R_PAID, R_FILE, R_LINE, R_OPENED, R_NCOLS };
/* report_rejected: files refused during the day. */
enum { J_ID, J_NAME, J_SOURCE, J_FORMAT, J_ERROR, J_AT, J_SIZE, J_NCOLS };
/* report_tieout: one row per source and bank of the day's files. */
enum { T_DAY, T_SOURCE, T_BANK, T_FILES, T_RECORDS, T_DUPLICATES, T_SETTLED, T_GROSS, T_FEES, T_NET, T_BOOKED,
       T_BOOKED_CENTS, T_EXC, T_EXC_CENTS, T_AGAIN_CENTS, T_UNRECONCILED_CENTS, T_OPEN, T_OPEN_CENTS, T_TRAILER_TITLES,
       T_TRAILER_CENTS, T_NCOLS };

PGresult *report_db_open(PGconn *db, const char *day, err_t *e);
PGresult *report_db_summary(PGconn *db, const char *day, err_t *e);
PGresult *report_db_resolved(PGconn *db, const char *day, err_t *e);
PGresult *report_db_rejected(PGconn *db, const char *day, err_t *e);
/* report_cards: the card section (acquirer, item, count, cents). */
PGresult *report_db_cards(PGconn *db, const char *day, err_t *e);
/* day NULL: the last day any return file arrived. */
PGresult *report_db_tieout(PGconn *db, const char *day, err_t *e);

#endif
