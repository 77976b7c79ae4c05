/* csvout.c - CSV rows through libcsv (see csvout.h). */
#include "common/csvout.h"

#include <csv.h>
#include <string.h>

int csvout_row(FILE *out, char sep, const char *eol, const char *const *fields, int n)
{
    for (int i = 0; i < n; i++) {
        if (i && fputc(sep, out) == EOF)
            return -1;
        const char *f = fields[i] ? fields[i] : "";
        if (csv_fwrite(out, f, strlen(f)) != 0)
            return -1;
    }
    if (fputs(eol, out) == EOF)
        return -1;
    return ferror(out) ? -1 : 0;
}
