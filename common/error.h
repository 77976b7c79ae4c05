/* error.h - exit codes and the error value every fallible function fills.
 *
 * Low-level code does not print: it returns a status and writes a message
 * into a caller-owned err_t (the Redis anetNonBlock(char *err, ...) habit).
 * The job that called it decides whether to log, move on or exit.
 *
 * Exit codes follow sysexits.h; README.md lists them for operators. */
#ifndef SETTLE_ERROR_H
#define SETTLE_ERROR_H

#include <stdarg.h>
#include <sysexits.h>

/* EX_OK 0, EX_USAGE 64, EX_DATAERR 65, EX_UNAVAILABLE 69, EX_SOFTWARE 70,
 * EX_IOERR 74, EX_TEMPFAIL 75, EX_NOPERM 77, EX_CONFIG 78 come from
 * <sysexits.h>. */

/* The exit codes settle uses: one table (common/error.c) behind `settle
 * --help`, `settle help exit-codes`, the run summary and err_worst();
 * tests/integration/cli.sh checks README.md and docs/settle.1 against it. */
typedef struct err_code_info {
    int code;
    int rank;               /* err_worst(): the higher wins */
    const char *brief;      /* for --help: "usage" */
    const char *meaning;    /* what happened, for `settle help exit-codes` and operators */
    const char *action;     /* what the operator does next, for the run summary */
} err_code_info;
extern const err_code_info err_codes[];   /* ended by a row with brief == NULL */
/* The row of code, or NULL for a code settle does not use. */
const err_code_info *err_code_find(int code);

typedef struct err {
    int code;        /* a sysexits code, 0 when no error was set */
    char msg[1024];  /* lower-case, no trailing period; may hold a "\nHINT: " line */
} err_t;

/* Set *e (when not NULL) to code and the formatted message; returns code so
 * callers can write `return err_set(e, EX_DATAERR, "...")`. */
int err_set(err_t *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The house idiom for a function that returns 0 or -1 (docs/internals.md,
 * "Errors"): set *e as err_set() does and return -1, so that a failure is
 * one line, `return err_fail(e, EX_DATAERR, "...");`. */
int err_fail(err_t *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int err_vset(err_t *e, int code, const char *fmt, va_list ap);

/* Prefix the existing message with "prefix: " (e.g. a file name). */
void err_prefix(err_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reset to "no error". */
void err_clear(err_t *e);

/* The exit code for a local file or directory that could not be created or
 * written, from its errno: 77 (EX_NOPERM) for EACCES / EPERM (the spool is
 * not the settle user's), else 74 (EX_IOERR): disk full, quota, file-size
 * limit, read-only file system, I/O error. */
int err_local_write(int errnum);

/* The worse of two exit codes, for jobs that go on past errors:
 * 70 > 74, 77 > 69 > 78 > 75 > 65 > 64 > 0 (err_codes[].rank). */
int err_worst(int a, int b);

#endif
