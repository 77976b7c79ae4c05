/* db.h - the reconcile stage's data access: every statement it sends
 * (sql/queries/reconcile_*.sql) behind a named function, so engine.c holds
 * the flow and no SQL. All functions return 0 (or a count) on success and -1
 * with e set on a database error; rule numbers are rc_rule's
 * (reconcile/decide.h), passed as parameters. */
#ifndef SETTLE_RECONCILE_DB_H
#define SETTLE_RECONCILE_DB_H

#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"

/* Called for each row of a streamed query (single-row mode): r holds one
 * row. Non-zero stops the stream (e set). */
typedef int (*rcdb_row_fn)(void *arg, const PGresult *r, err_t *e);

/* A claimed file: its row, and the range of its settlement ids (every
 * settlement of the file has an id in [from, to]; sql/019), as the text of
 * statement parameters. */
typedef struct rcdb_file {
    long long id;
    char fid[24];          /* id as text */
    char name[256];
    char format[16];       /* '' when unknown */
    long long records;
    char from[24], to[24]; /* "0", "0" when the file has no settlement */
} rcdb_file;

/* Claim the oldest ingested file (FOR UPDATE SKIP LOCKED, inside the open
 * transaction): 1 with *f set, 0 when none is claimable. */
int rcdb_claim(PGconn *db, rcdb_file *f, err_t *e);

/* Files still 'ingested': their count, up to ten names in buf. */
long rcdb_held_files(PGconn *db, char *buf, size_t n, err_t *e);

/* Lock the file's exact candidate payments FOR UPDATE, in id order. */
int rcdb_lock_candidates(PGconn *db, const rcdb_file *f, err_t *e);

/* Stream the file's settlements with their exact candidates
 * (reconcile_file.sql) to fn, in settlement id order. */
int rcdb_stream_file(PGconn *db, const rcdb_file *f, rcdb_row_fn fn, void *arg, err_t *e);

/* Make sure the session's rc_keys temporary table exists. */
int rcdb_keys_table(PGconn *db, err_t *e);

/* COPY the fallback keys spilled in f (COPY text rows sid, rule, bank,
 * key) into rc_keys, then ANALYZE it. */
int rcdb_load_keys(PGconn *db, FILE *f, err_t *e);

/* Stream the candidates of the keys in rc_keys (locked FOR UPDATE): sid,
 * rule, then the candidate columns of rcdb_stream_file's rows, a payment
 * paid by this file's own settlements as it was before (pending). */
int rcdb_stream_fallback(PGconn *db, const rcdb_file *f, rcdb_row_fn fn, void *arg, err_t *e);

/* COPY the decisions spilled in f into settlement_outcomes. */
int rcdb_copy_outcomes(PGconn *db, FILE *f, err_t *e);

/* The pipelined apply (reconcile/engine.c). The main connection's
 * transaction exports its snapshot (rcdb_export_snapshot: the id into id,
 * size n); a second, read-only connection begins a REPEATABLE READ
 * transaction on it (rcdb_reader_begin), streams the candidates with
 * rcdb_stream_file, and ends (rcdb_reader_end: COMMIT when commit, else
 * ROLLBACK, which cannot fail usefully). Meanwhile the main connection
 * COPYs the decisions and pays them range by range. */
int rcdb_export_snapshot(PGconn *db, char *id, size_t n, err_t *e);
int rcdb_reader_begin(PGconn *reader, const char *snapshot, err_t *e);
int rcdb_reader_end(PGconn *reader, int commit, err_t *e);
/* Pay the 'paid' decisions of f's settlements lo..hi, or, when ids is not
 * NULL, of the settlements it lists (a bigint[] literal), through
 * settle_mark_paid() (reconcile_apply_paid.sql, reconcile_apply_paid_listed.sql)
 * without waiting: rcdb_apply_paid_wait() then reads the result, *n the
 * payments paid. */
int rcdb_apply_paid_send(PGconn *db, const rcdb_file *f, int64_t lo, int64_t hi, const char *ids, err_t *e);
int rcdb_apply_paid_wait(PGconn *db, long long *n, err_t *e);
/* The rest of the apply over settlements first..last: exceptions, payment
 * events (n[0], n[1] inserted), the file marked reconciled. */
int rcdb_apply_rest(PGconn *db, const rcdb_file *f, int64_t first, int64_t last, long long n[2], err_t *e);

#endif
