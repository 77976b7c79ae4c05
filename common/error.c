/* error.c - filling err_t values and ranking exit codes. */
#include "common/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int err_vset(err_t *e, int code, const char *fmt, va_list ap)
{
    if (e) {
        e->code = code;
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    }
    return code;
}

int err_set(err_t *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, code, fmt, ap);
    va_end(ap);
    return code;
}

void err_prefix(err_t *e, const char *fmt, ...)
{
    char pre[512], old[sizeof e->msg];
    va_list ap;

    if (!e)
        return;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    snprintf(e->msg, sizeof e->msg, "%s: %s", pre, old);
}

void err_clear(err_t *e)
{
    if (e) {
        e->code = 0;
        e->msg[0] = '\0';
    }
}

int err_local_write(int errnum)
{
    return errnum == EACCES || errnum == EPERM ? EX_NOPERM : EX_IOERR;
}

static int rank(int code)
{
    switch (code) {
    case 0: return 0;
    case EX_USAGE: return 1;
    case EX_DATAERR: return 2;
    case EX_TEMPFAIL: return 3;
    case EX_CONFIG: return 4;
    case EX_UNAVAILABLE: return 5;
    default: return 6; /* EX_SOFTWARE and anything unexpected */
    }
}

int err_worst(int a, int b)
{
    return rank(a) >= rank(b) ? a : b;
}
