/* sheet_read.h - reading finance's filled-in exception sheet back, for
 * `settle resolve --from FILE` (jobs/resolve.c).
 *
 * FILE is the report's reports/exceptions-YYYYMMDD.xlsx as finance saved it
 * (any spreadsheet program: Excel, LibreOffice, openpyxl, libxlsxwriter), or
 * a CSV with the columns id,acao,nota,pagamento_id (',' or ';', UTF-8, a BOM
 * allowed; the report's own CSV works too). Columns are found by their
 * header names, never by position: the exception id under `id` or `Exceção`,
 * then `acao`, `nota`, `pagamento_id` (case and accents ignored).
 *
 * The xlsx is opened with libzip and read with libxml2's streaming reader:
 * the first sheet (in workbook order) with a row holding those headers,
 * and the shared strings (the header may sit below a title, within the first
 * 10 non-blank rows). Untrusted bytes, bounded: file size, each part's
 * uncompressed size and compression ratio (a zip bomb is refused before a
 * byte is inflated), the total inflated, rows, cell length; a DTD is refused
 * (no entity can expand), no network access.
 *
 * Pure: no database, no printing. Errors are err_t values (EX_DATAERR for the
 * file, a missing or unreadable one included; EX_SOFTWARE for out of memory). */
#ifndef SETTLE_SHEET_READ_H
#define SETTLE_SHEET_READ_H

#include <stddef.h>

#include "common/error.h"

#define SHEET_FILE_MAX (32L * 1024 * 1024)     /* bytes of the file */
#define SHEET_PART_MAX (64L * 1024 * 1024)     /* inflated bytes of one xlsx part */
#define SHEET_TOTAL_MAX (160L * 1024 * 1024)   /* inflated bytes of all parts read */
#define SHEET_RATIO_MAX 200                    /* inflated / compressed, for a part over 1 MiB */
#define SHEET_ROWS_MAX 200000L                 /* data rows */
#define SHEET_STRINGS_MAX 2000000L             /* shared strings */
#define SHEET_CELL_MAX 4096                    /* bytes of one cell kept; longer ones are flagged */
#define SHEET_NOTE_MAX 1000                    /* characters of a note */

enum { SHEET_ID, SHEET_ACAO, SHEET_NOTA, SHEET_PAGAMENTO, SHEET_NCOLS };

typedef struct sheet_row {
    long row;                       /* the row number the spreadsheet shows (header = 1); CSV: the line it starts on */
    char *cell[SHEET_NCOLS];        /* never NULL ("" when empty), cut at SHEET_CELL_MAX bytes */
    size_t len[SHEET_NCOLS];        /* the cell's full length in bytes, before any cut */
} sheet_row;

typedef struct sheet_rows {
    sheet_row *v;
    size_t n, cap;
    char kind[8];                   /* "xlsx" or "csv" */
    char sheet[128];                /* xlsx: the name of the sheet read */
} sheet_rows;

/* Read the rows of path into out (zeroed by the caller), keeping every row
 * with at least one of the four cells non-empty. 0, or -1 with e set: the
 * file as a whole cannot be trusted (not a zip nor text, no such columns, a
 * bound passed), its message naming the file and what was wrong. The caller
 * frees out with sheet_rows_free() either way. */
int sheet_read_file(const char *path, sheet_rows *out, err_t *e);

/* The same over bytes in memory; name is used in messages. An xlsx is
 * recognised by its zip signature, anything else is read as CSV. */
int sheet_read_mem(const char *name, const unsigned char *buf, size_t n, sheet_rows *out, err_t *e);

void sheet_rows_free(sheet_rows *rows);

/* The actions finance may write in acao. */
typedef enum { SHEET_ACT_EMPTY = 0, SHEET_ACT_PAID, SHEET_ACT_REFUND, SHEET_ACT_IGNORE, SHEET_ACT_UNKNOWN = -1 } sheet_action;

/* acao's text to an action: paid/pago, refund/devolver, ignore/ignorar,
 * ignoring case, accents and surrounding blanks; SHEET_ACT_EMPTY for
 * nothing, SHEET_ACT_UNKNOWN for anything else. */
sheet_action sheet_action_parse(const char *s);

/* "paid", "refund", "ignore" (what settle_resolve_exception() takes). */
const char *sheet_action_name(sheet_action a);

/* One row ready to apply. */
typedef struct sheet_item {
    long row;
    long long id;
    sheet_action action;
    const char *note;               /* borrowed from the row */
    long long payment;              /* 0: none */
} sheet_item;

/* Validate rows on their own (no database): ids are whole numbers and
 * appear once, acao is known, a note is given and not too long, pagamento_id
 * is a whole number and goes with paid only. Rows with an empty acao are
 * skipped and counted in *skipped. items (rows->n entries, the caller's)
 * receives the good rows in file order, *n_items their count. Each bad row
 * is reported through bad(ctx, row, message), one call per problem; returns
 * the number of bad rows (0 when all rows are good). */
long sheet_validate(const sheet_rows *rows, sheet_item *items, size_t *n_items, long *skipped,
                    void (*bad)(void *ctx, long row, const char *msg), void *ctx);

#endif
