/* envlimit.c - limits from the environment (see envlimit.h). */
#include "common/envlimit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int env_limit(const char *name, const char *v, long long dflt, long long *out, err_t *e)
{
    if (!v || !*v) {
        *out = dflt;
        return 0;
    }
    /* digits only: strtoll alone would take spaces and a sign */
    errno = 0;
    long long n = v[strspn(v, "0123456789")] ? -1 : strtoll(v, NULL, 10);
    if (errno || n < 1 || n > dflt) {
        char shown[40];
        size_t len = strlen(v);
        snprintf(shown, sizeof shown, "%.32s%s", v, len > 32 ? "..." : "");
        for (char *c = shown; *c; c++)
            if ((unsigned char)*c < 0x20 || (unsigned char)*c == 0x7f)
                *c = '?';
        return err_fail(e, EX_CONFIG, "%s = \"%s\": expected a whole number from 1 to %lld (it can only lower the bound)",
                        name, shown, dflt);
    }
    *out = n;
    return 0;
}
