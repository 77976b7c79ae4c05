/* report.c - `settle report`: the command's options and usage; the stage
 * itself is report/report.c (report_run). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "jobs/jobs.h"
#include "report/report.h"

const char usage_report[] =
    "usage: settle report [--date YYYY-MM-DD] [--locale pt_BR|C] [--unmask] [--output DIR]\n\n"
    "Write the exception report of a day (default today, UTC) for finance into\n"
    "SPOOL/reports/: exceptions-YYYYMMDD.xlsx (open exceptions with everything\n"
    "needed to act and the columns acao, nota, pagamento_id for `settle resolve\n"
    "--from`; summary by reason and bank; resolved in the day; rejected files;\n"
    "tie-out with the banks), exceptions-YYYYMMDD.csv (the same columns) and\n"
    "exceptions-YYYYMMDD.html (summary, tie-out, open exceptions by reason, the\n"
    "first 200 of each, rejected files, resolved in the day). docs/report.md.\n\n"
    "  --date YYYY-MM-DD   the day to report (UTC)\n"
    "  --locale pt_BR|C    pt_BR (default): 1.234,56, DD/MM/YYYY, ';' CSV with BOM,\n"
    "                      codes as =\"001\" (a spreadsheet keeps the zeros);\n"
    "                      C: 1234.56, YYYY-MM-DD, ',' CSV without BOM, codes as is\n"
    "                      (the .xlsx has no locale: it shows in the reader's)\n"
    "  --unmask            show CPF/CNPJ in full (authorised use only; LGPD)\n"
    "  --output DIR        write into DIR instead of SPOOL/reports\n";

int cmd_report(settle_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "date", required_argument, NULL, 'd' },
        { "locale", required_argument, NULL, 'l' },
        { "unmask", no_argument, NULL, 'u' },
        { "output", required_argument, NULL, 'o' },
        { NULL, 0, NULL, 0 },
    };
    report_opts o = { 0 };
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            if (!report_valid_date(optarg))
                return job_usage_error("report", "--date: expected YYYY-MM-DD, found '%s'", optarg);
            snprintf(o.date, sizeof o.date, "%s", optarg);
            break;
        case 'l':
            if (!strcmp(optarg, "C"))
                o.locale_c = 1;
            else if (strcmp(optarg, "pt_BR"))
                return job_usage_error("report", "--locale: expected pt_BR or C, found '%s'", optarg);
            break;
        case 'u': o.unmask = 1; break;
        case 'o': o.output = optarg; break;
        default: return job_usage_error("report", "unknown option");
        }
    }
    if (optind < argc)
        return job_usage_error("report", "unexpected argument '%s'", argv[optind]);
    return report_run(ctx->cfg, &o);
}
