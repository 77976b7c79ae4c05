/* ingest.h - the ingest stage: load return files into settlements, one
 * transaction per file (ingest/ingest.c). Called by `settle ingest`
 * (jobs/ingest.c) and by `settle run`. */
#ifndef SETTLE_INGEST_H
#define SETTLE_INGEST_H

#include "common/config.h"

typedef struct ingest_opts {
    const char *source;         /* the files' [source NAME] (format, bank, profile); NULL: "local" */
    const char *const *files;   /* files to ingest; NULL / n_files 0: everything waiting in incoming/ */
    int n_files;
} ingest_opts;

/* Ingest. Returns an exit code (sysexits.h): 0 all ingested, 65 some file
 * rejected (the others were ingested), 69 database unavailable, 74 a local
 * write failed, 70 internal error. opts may be NULL (everything waiting). */
int ingest_run(const config *cfg, const ingest_opts *opts);

#endif
