/* csvout.c - CSV rows through libcsv (see csvout.h). */
#include "common/csvout.h"

#include <stdio.h>
#include <string.h>

/* [+-]digits[(.|,)digits]: what we write for an amount or a count. */
static int plain_number(const char *s, size_t len)
{
    size_t i = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        i++;
    size_t d = i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == d)
        return 0;
    if (i < len && (s[i] == '.' || s[i] == ',')) {
        size_t f = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == f)
            return 0;
    }
    return i == len;
}

/* ="digits": a code written as a text constant (csvout_code()). */
static int text_code(const char *s, size_t len)
{
    if (len < 3 || s[0] != '=' || s[1] != '"' || s[len - 1] != '"')
        return 0;
    for (size_t i = 2; i < len - 1; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

char *csvout_code(const char *code, char *buf, size_t n)
{
    size_t len = strlen(code);
    int digits = len > 0;
    for (size_t i = 0; i < len && digits; i++)
        digits = code[i] >= '0' && code[i] <= '9';
    if (digits)
        snprintf(buf, n, "=\"%s\"", code);
    else
        snprintf(buf, n, "%s", code);
    return buf;
}

int csvout_needs_guard(const char *s, size_t len)
{
    if (!len || text_code(s, len))
        return 0;
    switch (s[0]) {
    case '=': case '+': case '-': case '@': case '\t': case '\r':
        return !plain_number(s, len);
    default:
        return 0;
    }
}

/* A byte to write as a space: C0 controls other than TAB, CR and LF (which
 * a quoted field may hold), DEL, and the two bytes of a UTF-8 C1 control
 * (U+0080-U+009F, e.g. CSI, NEL), which terminals and viewers act on. */
static size_t blank_len(const unsigned char *p)
{
    if ((*p < 0x20 && *p != '\t' && *p != '\r' && *p != '\n') || *p == 0x7F)
        return 1;
    if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
        return 2;
    return 0;
}

int csvout_row(FILE *out, char sep, const char *eol, const char *const *fields, int n)
{
    for (int i = 0; i < n; i++) {
        if (i && fputc(sep, out) == EOF)
            return -1;
        const char *f = fields[i] ? fields[i] : "";
        size_t len = strlen(f);
        /* quoted as libcsv's csv_fwrite does (always, quotes doubled), after
         * an apostrophe when the field would be a formula */
        if (fputc('"', out) == EOF || (csvout_needs_guard(f, len) && fputc('\'', out) == EOF))
            return -1;
        for (size_t k = 0; k < len; k++) {
            size_t b = blank_len((const unsigned char *)f + k);
            if (b) {
                if (fputc(' ', out) == EOF)
                    return -1;
                k += b - 1;
                continue;
            }
            if ((f[k] == '"' && fputc('"', out) == EOF) || fputc(f[k], out) == EOF)
                return -1;
        }
        if (fputc('"', out) == EOF)
            return -1;
    }
    if (fputs(eol, out) == EOF)
        return -1;
    return ferror(out) ? -1 : 0;
}
