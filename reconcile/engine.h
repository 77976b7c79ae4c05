/* engine.h - the reconcile stage: match every ingested file's settlements
 * to payments, one transaction per file (reconcile/engine.c; the rules are
 * reconcile/decide.c's, docs/reconciliation.md). Called by `settle
 * reconcile` (jobs/reconcile.c) and by `settle run`. */
#ifndef SETTLE_RECONCILE_ENGINE_H
#define SETTLE_RECONCILE_ENGINE_H

#include "common/config.h"

typedef struct reconcile_opts {
    long max_files;      /* stop after this many files; <= 0: every file waiting */
} reconcile_opts;

/* Reconcile what is waiting. Returns an exit code (sysexits.h): 0 done, 69
 * database unavailable, 75 files still held by another session after
 * [reconcile] wait_locked_seconds, 70 internal error. opts may be NULL. */
int reconcile_run(const config *cfg, const reconcile_opts *opts);

#endif
