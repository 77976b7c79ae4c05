/* csvout.c - CSV rows through libcsv (see csvout.h). */
#include "common/csvout.h"

#include <csv.h>
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

int csvout_needs_guard(const char *s, size_t len)
{
    if (!len)
        return 0;
    switch (s[0]) {
    case '=': case '+': case '-': case '@': case '\t': case '\r':
        return !plain_number(s, len);
    default:
        return 0;
    }
}

int csvout_row(FILE *out, char sep, const char *eol, const char *const *fields, int n)
{
    for (int i = 0; i < n; i++) {
        if (i && fputc(sep, out) == EOF)
            return -1;
        const char *f = fields[i] ? fields[i] : "";
        size_t len = strlen(f);
        if (csvout_needs_guard(f, len)) {
            /* csv_fwrite quotes the whole field: write it ourselves with the
             * apostrophe inside the quotes, quotes doubled as libcsv does. */
            if (fputs("\"'", out) == EOF)
                return -1;
            for (size_t k = 0; k < len; k++)
                if ((f[k] == '"' && fputc('"', out) == EOF) || fputc(f[k], out) == EOF)
                    return -1;
            if (fputc('"', out) == EOF)
                return -1;
        } else if (csv_fwrite(out, f, len) != 0) {
            return -1;
        }
    }
    if (fputs(eol, out) == EOF)
        return -1;
    return ferror(out) ? -1 : 0;
}
