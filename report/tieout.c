/* tieout.c - the daily tie-out with the banks and PSPs for `settle status`
 * (the workbook's "Conferência" sheet and the HTML page show the same rows,
 * sql/queries/report_tieout.sql). */
#include <stdlib.h>

#include "common/fmt.h"
#include "report/db.h"
#include "report/report.h"

static const char *brl(const char *cents, char *buf)
{
    return fmt_money(strtoll(cents, NULL, 10), ',', '.', buf);
}

int report_tieout_print(PGconn *db, const char *day, FILE *out, err_t *e)
{
    PGresult *t = report_db_tieout(db, day, e);
    if (!t)
        return -1;
    int n = PQntuples(t);
    if (!n) {
        fprintf(out, "tie-out:                        no return files received%s%s\n", day ? " on " : "", day ? day : "");
        PQclear(t);
        return 0;
    }
    fprintf(out, "tie-out %s (files received that day, by source; R$, gross = booked + in exception + "
                 "counted before + not reconciled):\n", PQgetvalue(t, 0, T_DAY));
    fprintf(out, "  %-12s %-4s %5s %8s %8s %15s %12s %15s %15s %14s %14s %14s %6s %14s  %s\n", "source", "bank", "files",
            "records", "settled", "gross", "fees", "net credited", "booked", "in exception", "counted before",
            "unreconciled", "open", "open amount", "trailer (titles, face value)");
    for (int i = 0; i < n; i++) {
        char g[FMT_MONEY_MAX], f[FMT_MONEY_MAX], nt[FMT_MONEY_MAX], b[FMT_MONEY_MAX], x[FMT_MONEY_MAX],
            a[FMT_MONEY_MAX], u[FMT_MONEY_MAX], o[FMT_MONEY_MAX];
        char tv[FMT_MONEY_MAX];
        int trailer = *PQgetvalue(t, i, T_TRAILER_TITLES) != '\0';
        fprintf(out, "  %-12s %-4s %5s %8s %8s %15s %12s %15s %15s %14s %14s %14s %6s %14s  %s%s%s\n", PQgetvalue(t, i, T_SOURCE),
                PQgetvalue(t, i, T_BANK), PQgetvalue(t, i, T_FILES), PQgetvalue(t, i, T_RECORDS),
                PQgetvalue(t, i, T_SETTLED), brl(PQgetvalue(t, i, T_GROSS), g), brl(PQgetvalue(t, i, T_FEES), f),
                brl(PQgetvalue(t, i, T_NET), nt), brl(PQgetvalue(t, i, T_BOOKED_CENTS), b),
                brl(PQgetvalue(t, i, T_EXC_CENTS), x), brl(PQgetvalue(t, i, T_AGAIN_CENTS), a),
                brl(PQgetvalue(t, i, T_UNRECONCILED_CENTS), u), PQgetvalue(t, i, T_OPEN),
                brl(PQgetvalue(t, i, T_OPEN_CENTS), o), trailer ? PQgetvalue(t, i, T_TRAILER_TITLES) : "-",
                trailer ? ", " : "", trailer ? brl(PQgetvalue(t, i, T_TRAILER_CENTS), tv) : "");
    }
    PQclear(t);
    return 0;
}
