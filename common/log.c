/* log.c - the event writer behind log.h. */
#include "common/log.h"

#include <stdarg.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static log_level g_min = LOG_INFO;
static int g_json;
static FILE *g_out;

static const char *const level_name[] = { "error", "warn", "info", "debug" };

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

/* Length of the printable UTF-8 sequence of 2-4 bytes at p, or 0: an
 * invalid or overlong sequence, a surrogate, or a C1 control (U+0080-U+009F,
 * e.g. CSI or NEL, which terminals act on). */
static size_t utf8_printable(const unsigned char *p)
{
    unsigned c = p[0];
    size_t n;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xC2 && p[1] <= 0x9F) || (c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) ||
        (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
        return 0;
    return n;
}

/* One non-printable character at p written escaped: a C1 control as
 * \u00XX, any other byte that is not valid UTF-8 as \\xNN (a backslash,
 * 'x' and two hex digits in the text). Returns the bytes consumed. */
static size_t write_unprintable(FILE *f, const unsigned char *p)
{
    if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
        fprintf(f, "\\u%04x", p[1]);
        return 2;
    }
    fprintf(f, "\\\\x%02x", p[0]);
    return 1;
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
            if (*p < 0x20 || *p == 0x7F) {
                fprintf(f, "\\u%04x", *p);
            } else if (*p < 0x80) {
                fputc(*p, f);
            } else {
                size_t n = utf8_printable(p);
                if (n)
                    fwrite(p, 1, n, f);
                else
                    n = write_unprintable(f, p);
                p += n - 1;
            }
        }
    }
    fputc('"', f);
}

/* logfmt: bare when the value has no space, quote, '=', backslash, control
 * character (C0, DEL, C1) or byte that is not UTF-8; otherwise a JSON string
 * (so a line break is \n and an event is always one line). */
static void fmt_str(FILE *f, const char *s)
{
    int bare = s && *s;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && bare; p++) {
        if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7F)
            bare = 0;
        else if (*p >= 0x80) {
            size_t n = utf8_printable(p);
            if (!n)
                bare = 0;
            else
                p += n - 1;
        }
    }
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
    /* "what happened\nHINT: what to do": the hint is a field of its own,
     * so the event stays on one line in both formats */
    const char *hint = NULL;
    char *h = strstr(msg, "\nHINT: ");
    if (h) {
        *h = '\0';
        hint = h + 7;
    }

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(tv.tv_usec / 1000));

    flockfile(f);
    if (g_json) {
        fprintf(f, "{\"ts\":\"%s\",\"level\":\"%s\",\"component\":", ts, level_name[level]);
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
        if (hint) {
            fputs(",\"hint\":", f);
            json_write_str(f, hint);
        }
        fputs("}\n", f);
    } else {
        fprintf(f, "ts=%s level=%s component=", ts, level_name[level]);
        fmt_str(f, component);
        fputs(" msg=", f);
        fmt_str(f, msg);
        for (; kv && kv->key; kv++) {
            fprintf(f, " %s=", kv->key);
            if (kv->is_num)
                fprintf(f, "%lld", kv->num);
            else
                fmt_str(f, kv->str);
        }
        if (hint) {
            fputs(" hint=", f);
            fmt_str(f, hint);
        }
        fputc('\n', f);
    }
    funlockfile(f);
    fflush(f);
}
