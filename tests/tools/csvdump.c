/* csvdump.c - test tool: parse CSV on stdin with libcsv (strict) and print
 * one line per record, fields separated by TAB, with backslash, TAB, CR and
 * LF inside fields written as \\ \t \r \n. Usage: csvdump [SEP]. Exit 1 on
 * a parse error. Built by the integration tests that read files back. */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>

static int first = 1;

static void on_field(void *s, size_t len, void *data)
{
    (void)data;
    if (!first)
        putchar('\t');
    first = 0;
    const unsigned char *p = s;
    for (size_t i = 0; i < len; i++) {
        switch (p[i]) {
        case '\\': fputs("\\\\", stdout); break;
        case '\t': fputs("\\t", stdout); break;
        case '\r': fputs("\\r", stdout); break;
        case '\n': fputs("\\n", stdout); break;
        default: putchar(p[i]);
        }
    }
}

static void on_row(int c, void *data)
{
    (void)c;
    (void)data;
    putchar('\n');
    first = 1;
}

int main(int argc, char **argv)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return 1;
    if (argc > 1)
        csv_set_delim(&p, (unsigned char)argv[1][0]);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
        if (csv_parse(&p, buf, n, on_field, on_row, NULL) != n) {
            fprintf(stderr, "csvdump: %s\n", csv_strerror(csv_error(&p)));
            return 1;
        }
    if (csv_fini(&p, on_field, on_row, NULL) != 0) {
        fprintf(stderr, "csvdump: %s\n", csv_strerror(csv_error(&p)));
        return 1;
    }
    csv_free(&p);
    return 0;
}
