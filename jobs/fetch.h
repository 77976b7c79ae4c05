/* fetch.h - the pure rules of `settle fetch` (jobs/fetch.c), exposed for
 * unit tests: which remote names are refused and how a remote name becomes
 * a local one. */
#ifndef SETTLE_FETCH_H
#define SETTLE_FETCH_H

#include <stddef.h>

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

#endif
