/* report.h - the report stage: the day's exception report for finance, CSV
 * and HTML (report/report.c). Called by `settle report` (jobs/report.c) and
 * by `settle run`. */
#ifndef SETTLE_REPORT_H
#define SETTLE_REPORT_H

#include "common/config.h"

typedef struct report_opts {
    char date[11];           /* YYYY-MM-DD; "" = today (UTC) */
    int locale_c;            /* 1: ',' CSV, dots, ISO dates; 0: pt_BR */
    int unmask;              /* 1: CPF/CNPJ in full (authorised use only) */
    const char *output;      /* NULL: <spool>/reports */
} report_opts;

/* Write the report. Returns an exit code (sysexits.h). opts may be NULL. */
int report_run(const config *cfg, const report_opts *opts);

/* The finance label of an exception reason ("Pago a menor"), NULL when the
 * report has no text for it; how many reasons it has texts for. The unit
 * test checks they are exactly reconcile/decide.c's reasons. */
const char *report_reason_label(const char *code);
int report_n_reasons(void);

/* 1 when s is a real YYYY-MM-DD date. */
int report_valid_date(const char *s);

#endif
