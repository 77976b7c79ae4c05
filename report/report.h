/* report.h - the report stage: the day's exception report for finance, CSV
 * and HTML (report/report.c). Called by `settle report` (jobs/report.c) and
 * by `settle run`. */
#ifndef SETTLE_REPORT_H
#define SETTLE_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include <libpq-fe.h>

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

/* The columns of the open-exceptions sheet of exceptions-YYYYMMDD.xlsx and
 * of exceptions-YYYYMMDD.csv, in order (report/layout.c). Column A is the
 * exception id ("id"); the last three ("acao", "nota", "pagamento_id") are
 * empty, for finance to fill and `settle resolve --from` to read. Row 1 of
 * the sheet holds the `name`s (machine names, the CSV header too); the
 * title is the human label (the xlsx's comment on the header cell). */
typedef enum { RC_TEXT, RC_INT, RC_MONEY, RC_DATE, RC_INPUT } report_col_kind;
typedef struct report_column {
    const char *name;        /* header cell: "id", "motivo", ..., "acao", "nota", "pagamento_id" */
    const char *title;       /* Portuguese label for people */
    report_col_kind kind;    /* RC_TEXT: stored as text (codes keep their zeros); RC_MONEY: number in R$ */
    int width;               /* column width in characters */
} report_column;

/* The columns by index (the order of report/layout.c's table). */
enum { OC_ID, OC_REASON, OC_LABEL, OC_PAYMENT, OC_ORDER, OC_NAME, OC_DOC, OC_METHOD, OC_BANK, OC_BANK_NAME,
       OC_NOSSO, OC_TXID, OC_E2E, OC_DUE, OC_PAID_ON, OC_CREDIT_ON, OC_EXPECTED, OC_PAID, OC_DIFF, OC_FEE,
       OC_CREDITED, OC_FILE, OC_LINE, OC_OPENED, OC_AGE, OC_BUCKET, OC_ACTION, OC_DETAIL, OC_ACAO, OC_NOTA,
       OC_PAGAMENTO_ID, OC_NCOLS };

/* The table (static; n set to its length). */
const report_column *report_open_columns(int *n);
/* Index of the column called name, -1 when there is none. */
int report_open_column(const char *name);

/* Finance's texts (report/detail.c): the bank or PSP's name for a 3-digit
 * code ("" when unknown); the age bucket of an exception ("0 a 2 dias",
 * "3 a 7 dias", "8 a 30 dias", "mais de 30 dias"); the detail sentence in
 * Portuguese with amounts in R$ from the reason, reconcile's detail text and
 * the amounts in cents (text, "" = none), into out (n bytes). A detail text
 * it does not know is left out, never shown in English. Returns out. */
const char *report_bank_name(const char *code);
const char *report_age_bucket(long days);
char *report_detail_pt(const char *reason, const char *detail, const char *expected, const char *paid, char *out,
                       size_t n);

/* The daily tie-out per bank or PSP (report/tieout.c), for `settle
 * status`: one line per source and bank of the return files received on
 * day (YYYY-MM-DD; NULL: the last day any file arrived): records read,
 * settled count, gross, fees, net credited, and the gross split into booked,
 * in exception, counted before and not reconciled, then what is still open.
 * Returns 0, or -1 with e set (database error). */
int report_tieout_print(PGconn *db, const char *day, FILE *out, err_t *e);

/* 1 when s is a real YYYY-MM-DD date. */
int report_valid_date(const char *s);

#endif
