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

int err_fail(err_t *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, code, fmt, ap);
    va_end(ap);
    return -1;
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

const err_code_info err_codes[] = {
    { 0, 0, "ok", "everything done", "clean" },
    { EX_USAGE, 1, "usage", "usage error", "see the command's --help" },
    { EX_DATAERR, 2, "bad input data", "some input data was bad (a file rejected); the rest was processed",
      "some input was rejected; see the spool's rejected/SOURCE/*.error files" },
    { EX_UNAVAILABLE, 5, "service unavailable", "a service was unavailable (the database, a source)",
      "a source or the database was unavailable; re-run when it is back" },
    { EX_SOFTWARE, 7, "internal error", "internal error", "internal error; keep the log and report it" },
    { EX_IOERR, 6, "cannot write a local file", "a local file could not be written (disk full, quota, read-only)",
      "a local file could not be written (disk full?); free space and re-run" },
    { EX_TEMPFAIL, 3, "temporary failure or lock held",
      "temporary failure: another run holds the lock, or work is held by another session",
      "a step could not finish for now (another session held its work, or a server asked to try later); re-run" },
    { EX_NOPERM, 6, "permission denied", "permission denied (a database privilege, a spool directory)",
      "permission denied (a spool directory not settle's, or a database privilege); see the log" },
    { EX_CONFIG, 4, "configuration error", "configuration error", "configuration error; see the log" },
    { 0, 0, NULL, NULL, NULL },
};

const err_code_info *err_code_find(int code)
{
    for (const err_code_info *c = err_codes; c->brief; c++)
        if (c->code == code)
            return c;
    return NULL;
}

static int rank(int code)
{
    const err_code_info *c = err_code_find(code);
    return c ? c->rank : 7; /* anything unexpected counts as an internal error */
}

int err_worst(int a, int b)
{
    return rank(a) >= rank(b) ? a : b;
}
