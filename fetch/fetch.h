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
#include "common/sftp.h"

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

/* ---- the stable-file check (fetch/listing.c) ---- */

/* A source's previous listing: entries sorted by name, and when it was
 * taken (wall-clock milliseconds). */
typedef struct fetch_listing {
    sftp_entry *v;
    size_t n;
    long long at_ms;
} fetch_listing;

enum { FETCH_STABLE_PREVIOUS = 1, FETCH_STABLE_AGE = 2 };

/* Whether x (from a listing taken at now_ms) can be taken without a second
 * listing: FETCH_STABLE_PREVIOUS when prev, taken at least settle_ms
 * before now_ms, shows the same name with the same size and mtime;
 * FETCH_STABLE_AGE when min_age_seconds > 0 and the mtime is older than
 * both min_age_seconds and settle_ms; 0 when it may still be growing
 * (list again after settle_ms). prev may be NULL. Pure. */
int fetch_stable(const sftp_entry *x, const fetch_listing *prev, long long now_ms, long long settle_ms,
                 long long min_age_seconds);

/* Read a .listing file; missing, malformed or too large: an empty
 * listing (n == 0). Free with fetch_listing_free(). */
void fetch_listing_load(const char *path, fetch_listing *out);
void fetch_listing_free(fetch_listing *l);

/* Write the regular, acceptably named entries of v as the listing taken at
 * at_ms (through path.tmp and a rename). 0, or -1 with e set. */
int fetch_listing_save(const char *path, long long at_ms, const sftp_entry *v, size_t n, err_t *e);

#endif
