/* sheet_fuzz.c - libFuzzer target for the reader of finance's filled-in
 * sheet (report/sheet_read.c: `settle resolve --from`): the input is the
 * whole file, an xlsx (zip + XML) or a CSV, read from memory and then
 * validated. What a caller relies on is checked: every cell terminated and
 * within SHEET_CELL_MAX, rows ascending, every good item's action known and
 * its id positive, a refusal always EX_DATAERR with a message. Seeds:
 * tests/fuzz/seeds/sheet/ (the fixtures of tests/fixtures/resolve/). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/sheet_read.h"

static void ignore(void *ctx, long row, const char *msg)
{
    (void)row;
    if (!msg || !msg[0])
        abort();
    ++*(long *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sheet_rows r = { 0 };
    err_t e = { 0 };
    if (sheet_read_mem("fuzz", data, size, &r, &e) < 0) {
        if ((e.code != EX_DATAERR && e.code != EX_SOFTWARE) || !e.msg[0])
            abort();
        sheet_rows_free(&r);
        return 0;
    }
    long last = 0;
    for (size_t i = 0; i < r.n; i++) {
        if (r.v[i].row <= last)
            abort();
        last = r.v[i].row;
        for (int c = 0; c < SHEET_NCOLS; c++)
            if (!r.v[i].cell[c] || strlen(r.v[i].cell[c]) > SHEET_CELL_MAX || strlen(r.v[i].cell[c]) > r.v[i].len[c])
                abort();
    }
    sheet_item *items = calloc(r.n ? r.n : 1, sizeof *items);
    if (!items)
        abort();
    size_t n = 0;
    long skipped = 0, seen = 0;
    long bad = sheet_validate(&r, items, &n, &skipped, ignore, &seen);
    if (bad > seen || (bad == 0) != (seen == 0) || n + (size_t)skipped + (size_t)bad > r.n)
        abort();
    for (size_t i = 0; i < n; i++)
        if (items[i].id <= 0 || items[i].action <= SHEET_ACT_EMPTY || !items[i].note[0] ||
            (items[i].payment && items[i].action != SHEET_ACT_PAID))
            abort();
    free(items);
    sheet_rows_free(&r);
    return 0;
}
