/* log.c - the event writer behind log.h. */
#include "common/log.h"

#include <stdarg.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static log_level g_min = LOG_INFO;
static int g_json;
static FILE *g_out;

static const char *const level_name[] = { "ERROR", "WARN", "INFO", "DEBUG" };
static const char *const level_json[] = { "error", "warn", "info", "debug" };

void log_setup(log_level min, int json, FILE *out)
{
    g_min = min;
    g_json = json;
    g_out = out;
}

int log_debug_enabled(void)
{
    return g_min >= LOG_DEBUG;
}

void json_write_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* logfmt: bare when the value has no space, quote, '=' or control byte. */
static void fmt_str(FILE *f, const char *s)
{
    int bare = s && *s;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && bare; p++)
        if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\')
            bare = 0;
    if (bare)
        fputs(s, f);
    else
        json_write_str(f, s);
}

void log_msg(log_level level, const char *component, const log_kv *kv,
             const char *fmt, ...)
{
    char msg[2048], ts[40];
    struct timeval tv;
    struct tm tm;
    va_list ap;
    FILE *f = g_out ? g_out : stderr;

    if (level > g_min)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(tv.tv_usec / 1000));

    flockfile(f);
    if (g_json) {
        fprintf(f, "{\"ts\":\"%s\",\"level\":\"%s\",\"component\":", ts, level_json[level]);
        json_write_str(f, component);
        fputs(",\"msg\":", f);
        json_write_str(f, msg);
        for (; kv && kv->key; kv++) {
            fputc(',', f);
            json_write_str(f, kv->key);
            fputc(':', f);
            if (kv->is_num)
                fprintf(f, "%lld", kv->num);
            else
                json_write_str(f, kv->str);
        }
        fputs("}\n", f);
    } else {
        fprintf(f, "%s %-5s %s: %s", ts, level_name[level], component, msg);
        for (; kv && kv->key; kv++) {
            fprintf(f, " %s=", kv->key);
            if (kv->is_num)
                fprintf(f, "%lld", kv->num);
            else
                fmt_str(f, kv->str);
        }
        fputc('\n', f);
    }
    funlockfile(f);
    fflush(f);
}
