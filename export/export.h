/* export.h - the export stage: drain the invoice_requests outbox into
 * numbered, checksummed batches (export/export.c; docs/formats/invoice-batch.md).
 * Called by `settle export` (jobs/export.c) and by `settle run`. */
#ifndef SETTLE_EXPORT_H
#define SETTLE_EXPORT_H

#include "common/config.h"

typedef struct export_opts {
    long long replay;        /* > 0: rebuild batch #replay byte for byte instead of exporting */
    const char *output;      /* with replay: write there instead of <spool>/outbox */
} export_opts;

/* Export (or replay). Returns an exit code (sysexits.h). opts may be NULL. */
int export_run(const config *cfg, const export_opts *opts);

#endif
