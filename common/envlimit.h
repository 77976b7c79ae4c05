/* envlimit.h - a limit from an environment variable that may only lower
 * the built-in one ($SETTLE_PIX_MAX_RESPONSE_BYTES, $SETTLE_PIX_MAX_WAIT_S,
 * $SETTLE_RECONCILE_APPLY_ROWS: tuning for tests and the demo). */
#ifndef SETTLE_ENVLIMIT_H
#define SETTLE_ENVLIMIT_H

#include "common/error.h"

/* The limit from the environment variable name (its value v, NULL when
 * unset) that may only lower dflt: unset or empty gives dflt; otherwise v
 * must be a whole decimal number from 1 to dflt, digits only (no sign,
 * spaces, suffix, or a value past the range of long long). *out receives
 * the limit; 0, or -1 with e set (EX_CONFIG) quoting what was there. */
int env_limit(const char *name, const char *v, long long dflt, long long *out, err_t *e);

#endif
