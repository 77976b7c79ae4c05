/* reconcile.c - `settle reconcile`: the command's options and usage; the
 * stage itself is reconcile/engine.c (reconcile_run). */
#include <getopt.h>
#include <stdlib.h>

#include "jobs/jobs.h"
#include "reconcile/engine.h"

const char usage_reconcile[] =
    "usage: settle reconcile [--max-files N]\n\n"
    "Match the settlements of every ingested file against the payments: a paid\n"
    "record marks its payment paid and queues one invoice request; everything\n"
    "else becomes a payment event or an exception for finance (settle resolve).\n"
    "One transaction per file; several processes may run at once, each with two\n"
    "database connections from its first bank or Pix file on (the second reads\n"
    "the candidates while the first pays).\n"
    "Card acquirer files (Cielo, Rede) keep the card receivables ledger: the\n"
    "acquirer's confirmed sale pays its card payment once, one receivable per\n"
    "installment, settled by payouts; then the date checks (RECEIVABLE_OVERDUE,\n"
    "CARD_SALE_MISSING; [cards] in settle.conf).\n\n"
    "  --max-files N   stop after N files (default: all waiting)\n\n"
    "Files another session holds (a concurrent reconcile, or a killed one whose\n"
    "database backend has not ended yet) are waited for, up to [reconcile]\n"
    "wait_locked_seconds; still held then, they are named and the exit is 75.\n\n"
    "Rules, outcomes and exception reasons: docs/reconciliation.md.\n"
    "Exit: 0 done, 69 database unavailable, 70 internal error, 75 ingested files\n"
    "still held by another session.\n";

int cmd_reconcile(settle_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "max-files", required_argument, NULL, 'm' },
        { NULL, 0, NULL, 0 },
    };
    reconcile_opts ro = { .max_files = -1 };
    int opt;
    optind = 0; /* full re-initialisation: main parsed with "+" */
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == 'm') {
            char *end;
            ro.max_files = strtol(optarg, &end, 10);
            if (*end || ro.max_files < 1)
                return job_usage_error("reconcile", "--max-files: expected a positive number, found '%s'", optarg);
        } else {
            return job_usage_error("reconcile", "unknown option");
        }
    }
    if (optind < argc)
        return job_usage_error("reconcile", "unexpected argument '%s'", argv[optind]);
    return reconcile_run(ctx->cfg, &ro);
}
