/* render.h - inside the report stage: the day's data as read (report/db.h)
 * and the three writers (CSV and HTML in report/report.c, the workbook in
 * report/xlsx.c). */
#ifndef SETTLE_REPORT_RENDER_H
#define SETTLE_REPORT_RENDER_H

#include <libpq-fe.h>
#include <stdio.h>

#include "common/error.h"
#include "report/report.h"

typedef struct report_data {
    const report_opts *o;
    PGresult *sum, *open, *resolved, *rejected, *tieout, *cards;
    char generated[32];          /* YYYY-MM-DD HH:MM:SS UTC */
    char ymd[9];                 /* YYYYMMDD of the day */
} report_data;

/* The finance label and suggested action of a reason (NULL when unknown). */
const char *report_reason_action(const char *code);

/* Text of open-exceptions column col (OC_*) for row i, as the CSV and the
 * HTML show it (buf: at least 512 bytes; returns buf or a string of res). */
const char *report_open_text(const report_data *d, int i, int col, char *buf, size_t n);

/* Write the workbook to path (a temporary name: the caller publishes it).
 * Returns 0, or -1 with e set. */
int report_xlsx(const report_data *d, const char *path, err_t *e);

/* The resolution as finance names it: paid -> "pago", refund -> "devolver",
 * ignore -> "ignorar". */
const char *report_resolution_pt(const char *how);

#endif
