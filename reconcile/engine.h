/* engine.h - the reconcile stage: match every ingested file's settlements
 * to payments, one transaction per file (reconcile/engine.c; the rules are
 * reconcile/decide.c's, docs/reconciliation.md). Called by `settle
 * reconcile` (jobs/reconcile.c) and by `settle run`. */
#ifndef SETTLE_RECONCILE_ENGINE_H
#define SETTLE_RECONCILE_ENGINE_H

#include <stddef.h>

#include "common/config.h"
#include "common/error.h"

typedef struct reconcile_opts {
    long max_files;      /* stop after this many files; <= 0: every file waiting */
} reconcile_opts;

/* Reconcile what is waiting. Returns an exit code (sysexits.h): 0 done, 69
 * database unavailable, 75 files still held by another session after
 * [reconcile] wait_locked_seconds, 70 internal error. opts may be NULL. */
int reconcile_run(const config *cfg, const reconcile_opts *opts);

struct pg_conn;
/* Files still 'ingested' (not reconciled): their count, up to ten names in
 * buf; -1 with e set on a database error. */
long held_files(struct pg_conn *db, char *buf, size_t n, err_t *e);

#endif
