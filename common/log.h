/* log.h - one line per event on stderr, logfmt or JSON.
 *
 *   ts=2026-11-29T04:31:07.123Z level=info component=migrate msg="applied migration" file=001_payments.sql ms=12
 *   {"ts":"2026-11-29T04:31:07.123Z","level":"info","component":"migrate",
 *    "msg":"applied migration","file":"001_payments.sql","ms":12}
 *
 * A message "what\nHINT: what to do" becomes msg="what" ... hint="what to
 * do" (the hint last): an event is never broken over lines.
 *
 * Context comes as typed key/value pairs so both formats quote correctly:
 *
 *   log_msg(LOG_INFO, "migrate", KV(KV_S("file", name), KV_I("ms", ms)),
 *           "applied migration");
 *
 * Never pass a secret (password, passphrase, key) as a value. */
#ifndef SETTLE_LOG_H
#define SETTLE_LOG_H

#include <stdio.h>

typedef enum { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG } log_level;

typedef struct log_kv {
    const char *key;    /* NULL ends the list */
    const char *str;    /* used when is_num is 0 (NULL prints as empty) */
    long long num;
    int is_num;
} log_kv;

#define KV_S(k, v) { (k), (v), 0, 0 }
#define KV_I(k, v) { (k), NULL, (long long)(v), 1 }
#ifndef __CPPCHECK__
#define KV(...) ((const log_kv[]){ __VA_ARGS__ __VA_OPT__(,) { NULL, NULL, 0, 0 } })
#else
/* cppcheck 2.10 cannot expand __VA_OPT__ (a syntax error in every caller):
 * it reads the pairs without the terminator. Analysis only (make lint). */
#define KV(...) ((const log_kv[]){ __VA_ARGS__ })
#endif

/* Level at and above which events print (default LOG_INFO); json selects
 * the format; out is the stream (default stderr; tests pass a memstream). */
void log_setup(log_level min, int json, FILE *out);

/* Emit one event when level passes the threshold. kv may be NULL. */
void log_msg(log_level level, const char *component, const log_kv *kv,
             const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Write s (NULL as "") as a JSON string literal, quotes and escapes
 * included: the one JSON string writer (log lines, EMF metric lines). */
void json_write_str(FILE *f, const char *s);

/* Whether debug events print (to skip building expensive context). */
int log_debug_enabled(void);

#endif
