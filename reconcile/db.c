/* db.c - the reconcile stage's statements (see db.h). The SQL is in
 * sql/queries/reconcile_*.sql, compiled in by scripts/embed-queries. */
#include "reconcile/db.h"

#include <stdlib.h>
#include <string.h>

#include "common/copybuf.h"
#include "common/db.h"
#include "reconcile/decide.h"

SQL_QUERY(reconcile_claim);
SQL_QUERY(reconcile_held_files);
SQL_QUERY(reconcile_lock);
SQL_QUERY(reconcile_file);
SQL_QUERY(reconcile_keys_table);
SQL_QUERY(reconcile_fallback);
SQL_QUERY(reconcile_copy_outcomes);
SQL_QUERY(reconcile_apply_paid);
SQL_QUERY(reconcile_apply_paid_listed);
SQL_QUERY(reconcile_export_snapshot);
SQL_QUERY(reconcile_apply_exceptions);
SQL_QUERY(reconcile_apply_events);
SQL_QUERY(reconcile_mark_file);

/* Rule numbers as statement parameters. */
#define RULE_PARAM(r) ((const char *[]){ "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" }[(r)])
_Static_assert(RULE_NN_EXACT < 10 && RULE_TXID < 10 && RULE_NN_DV < 10 && RULE_SEU_REF < 10 && RULE_PIX_REF < 10,
               "RULE_PARAM covers rule numbers 0-9");

int rcdb_claim(PGconn *db, rcdb_file *f, err_t *e)
{
    PGresult *r = db_query(db, e, sqlq_reconcile_claim, 0, NULL);
    if (!r)
        return -1;
    int got = PQntuples(r) > 0;
    if (got) {
        f->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        snprintf(f->fid, sizeof f->fid, "%lld", f->id);
        snprintf(f->name, sizeof f->name, "%s", PQgetvalue(r, 0, 1));
        snprintf(f->format, sizeof f->format, "%s", PQgetvalue(r, 0, 2));
        f->records = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
        snprintf(f->from, sizeof f->from, "%s", PQgetvalue(r, 0, 4));
        snprintf(f->to, sizeof f->to, "%s", PQgetvalue(r, 0, 5));
    }
    PQclear(r);
    return got;
}

long rcdb_held_files(PGconn *db, char *buf, size_t n, err_t *e)
{
    PGresult *r = db_query(db, e, sqlq_reconcile_held_files, 0, NULL);
    if (!r)
        return -1;
    long count = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    snprintf(buf, n, "%s%s", PQgetvalue(r, 0, 1), count > 10 ? ", ..." : "");
    PQclear(r);
    return count;
}

/* Run sql in single-row mode, calling fn for each row. */
static int stream_query(PGconn *db, const char *sql, int n, const char *const *params, rcdb_row_fn fn, void *arg,
                        err_t *e)
{
    if (!PQsendQueryParams(db, sql, n, NULL, params, NULL, NULL, 0) || !PQsetSingleRowMode(db))
        return db_error(db, NULL, e, "database error"), -1;
    int rc = 0;
    PGresult *r;
    while ((r = PQgetResult(db))) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE) {
            if (!rc && fn(arg, r, e))
                rc = -1;
        } else if (st != PGRES_TUPLES_OK && !rc) {
            db_error(db, r, e, "database error");
            rc = -1;
        }
        PQclear(r);
    }
    return rc;
}

static int copy_spill(PGconn *db, const char *sql, FILE *f, err_t *e)
{
    PGresult *r = PQexec(db, sql);
    int ok = PQresultStatus(r) == PGRES_COPY_IN;
    if (!ok)
        db_error(db, r, e, "starting COPY");
    PQclear(r);
    if (!ok || copybuf_send_file(db, f, e) || copybuf_end(db, NULL, e) < 0)
        return -1;
    return 0;
}

int rcdb_lock_candidates(PGconn *db, const rcdb_file *f, err_t *e)
{
    PGresult *r = db_query(db, e, sqlq_reconcile_lock, 3, (const char *[]){ f->fid, f->from, f->to });
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

int rcdb_stream_file(PGconn *db, const rcdb_file *f, rcdb_row_fn fn, void *arg, err_t *e)
{
    const char *p[] = { f->fid, RULE_PARAM(RULE_NN_EXACT), RULE_PARAM(RULE_TXID), f->from, f->to };
    return stream_query(db, sqlq_reconcile_file, 5, p, fn, arg, e);
}

int rcdb_keys_table(PGconn *db, err_t *e)
{
    return db_exec(db, sqlq_reconcile_keys_table, e);
}

int rcdb_load_keys(PGconn *db, FILE *f, err_t *e)
{
    if (copy_spill(db, "COPY rc_keys (sid, rule, bank, key) FROM STDIN", f, e))
        return -1;
    return db_exec(db, "ANALYZE rc_keys", e);
}

int rcdb_stream_fallback(PGconn *db, const rcdb_file *f, rcdb_row_fn fn, void *arg, err_t *e)
{
    const char *p[] = { RULE_PARAM(RULE_NN_DV), RULE_PARAM(RULE_SEU_REF), RULE_PARAM(RULE_PIX_REF), f->fid };
    return stream_query(db, sqlq_reconcile_fallback, 4, p, fn, arg, e);
}

int rcdb_copy_outcomes(PGconn *db, FILE *f, err_t *e)
{
    return copy_spill(db, sqlq_reconcile_copy_outcomes, f, e);
}

int rcdb_export_snapshot(PGconn *db, char *id, size_t n, err_t *e)
{
    PGresult *r = db_query(db, e, sqlq_reconcile_export_snapshot, 0, NULL);
    if (!r)
        return -1;
    snprintf(id, n, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

int rcdb_reader_begin(PGconn *reader, const char *snapshot, err_t *e)
{
    if (db_exec(reader, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", e))
        return -1;
    /* SET takes no parameter: the id (hex digits and dashes, from the
     * server) goes in as a quoted literal */
    char *lit = PQescapeLiteral(reader, snapshot, strlen(snapshot));
    if (!lit)
        return db_error(reader, NULL, e, "database error"), -1;
    char sql[128];
    int len = snprintf(sql, sizeof sql, "SET TRANSACTION SNAPSHOT %s", lit);
    PQfreemem(lit);
    if (len < 0 || (size_t)len >= sizeof sql)
        return err_fail(e, EX_SOFTWARE, "snapshot id too long: %s", snapshot);
    return db_exec(reader, sql, e);
}

int rcdb_reader_end(PGconn *reader, int commit, err_t *e)
{
    if (commit)
        return db_exec(reader, "COMMIT", e);
    if (PQtransactionStatus(reader) != PQTRANS_IDLE)
        PQclear(PQexec(reader, "ROLLBACK"));
    return 0;
}

/* The one-row, one-column count of settle_mark_paid() in r (NULL: none paid). */
static long long paid_count(const PGresult *r)
{
    return PQntuples(r) != 1 || PQgetisnull(r, 0, 0) ? 0 : strtoll(PQgetvalue(r, 0, 0), NULL, 10);
}

/* v as the text of a statement parameter, in b. */
static const char *idtxt(char b[24], int64_t v)
{
    snprintf(b, 24, "%lld", (long long)v);
    return b;
}

int rcdb_apply_paid_send(PGconn *db, const rcdb_file *f, int64_t lo, int64_t hi, const char *ids, err_t *e)
{
    char a[24], b[24];
    const char *range[] = { f->fid, idtxt(a, lo), idtxt(b, hi) }, *listed[] = { f->fid, ids };
    int ok = ids ? PQsendQueryParams(db, sqlq_reconcile_apply_paid_listed, 2, NULL, listed, NULL, NULL, 0)
                 : PQsendQueryParams(db, sqlq_reconcile_apply_paid, 3, NULL, range, NULL, NULL, 0);
    if (!ok)
        return db_error(db, NULL, e, "database error"), -1;
    return 0;
}

int rcdb_apply_paid_wait(PGconn *db, long long *n, err_t *e)
{
    int rc = 0;
    PGresult *r;
    *n = 0;
    while ((r = PQgetResult(db))) {
        if (PQresultStatus(r) == PGRES_TUPLES_OK)
            *n = paid_count(r);
        else if (!rc) {
            db_error(db, r, e, "database error");
            rc = -1;
        }
        PQclear(r);
    }
    return rc;
}

int rcdb_apply_rest(PGconn *db, const rcdb_file *f, int64_t first, int64_t last, long long n[2], err_t *e)
{
    char lo[24], hi[24];
    const char *p[] = { f->fid, idtxt(lo, first), idtxt(hi, last) };
    const char *const steps[] = { sqlq_reconcile_apply_exceptions, sqlq_reconcile_apply_events };
    PGresult *r;
    for (int i = 0; i < 2; i++) {
        if (!(r = db_query(db, e, steps[i], 3, p)))
            return -1;
        n[i] = strtoll(PQcmdTuples(r), NULL, 10);
        PQclear(r);
    }
    if (!(r = db_query(db, e, sqlq_reconcile_mark_file, 1, p)))
        return -1;
    PQclear(r);
    return 0;
}
