/* fetch.h - the fetch stage (fetch/fetch.c: SFTP sources; fetch/pix_api.c:
 * API Pix pulls), called by `settle fetch` (jobs/fetch.c) and `settle run`;
 * the pure rules exposed for unit tests: which remote names are refused and
 * how a remote name becomes a local one (fetch/names.c); and the spool
 * helpers every fetcher shares. */
#ifndef SETTLE_FETCH_H
#define SETTLE_FETCH_H

#include <stddef.h>

#include "common/config.h"
#include "common/error.h"

typedef struct fetch_opts {
    const char *source;     /* only this [source NAME]; NULL = every source */
    int dry_run;            /* list what would be fetched; change nothing */
} fetch_opts;

/* Fetch every source (or opts->source). Returns an exit code (sysexits.h):
 * 0, 69 a source failed, 74/77 our own disk, 78 an API Pix source's
 * configuration. opts may be NULL. The caller checks that opts->source
 * names a configured source. */
int fetch_run_all(const config *cfg, const fetch_opts *opts);

/* Longest local file name fetch writes (room left for ".part.meta", ".NN"). */
#define FETCH_NAME_MAX 200

/* Why a remote name (len bytes, may hold a NUL) must not be fetched, or
 * NULL when it is acceptable: empty, a '/', "..", a control character
 * (bytes < 0x20, 0x7f, or a NUL), a leading dot. A static string. */
const char *fetch_name_problem(const char *name, size_t len);

/* The local name for an acceptable remote name: letters, digits, '.', '_'
 * and '-' kept, every other byte replaced by '_', cut to FETCH_NAME_MAX
 * bytes. out holds FETCH_NAME_MAX + 1 bytes. */
void fetch_local_name(const char *name, char *out);

/* The spool steps every fetcher shares (SFTP here, the API Pix pull in
 * fetch/pix_api.c); mkdir -p and a directory's fsync are common/outfile.h. */
/* Hard-link the complete, fsynced part into incdir as local (or local.N
 * when another content holds that name; never overwriting), then unlink
 * part; the same content already there counts as placed. placed receives
 * the name used (FETCH_NAME_MAX + 8 bytes). 0, or -1 with e set. */
int fetch_place(const char *incdir, const char *part, const char *local, const char *sha, char *placed, err_t *e);

#endif
