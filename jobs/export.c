/* export.c - `settle export`: the command's options and usage; the stage
 * itself is export/export.c (export_run). */
#include <getopt.h>
#include <stdlib.h>

#include "export/export.h"
#include "jobs/jobs.h"

const char usage_export[] =
    "usage: settle export [--replay BATCH_ID [--output DIR]]\n\n"
    "Write the invoice requests not exported yet as batches of [export] batch_size,\n"
    "oldest first, into SPOOL/outbox/: invoice-requests-YYYYMMDD-NNNNNNNN.csv.gz and\n"
    "its .manifest.json (docs/formats/invoice-batch.md). A batch's requests are\n"
    "marked exported only after both files are durably on disk; a batch left\n"
    "half-done by a crash is rebuilt first, byte for byte, by the next run.\n"
    "With a [destination invoices] section, published batches not delivered yet are\n"
    "then uploaded there over SFTP (data file first, manifest last); a batch whose\n"
    "upload failed is retried by the next run. Prints the path of each manifest written.\n\n"
    "  --replay BATCH_ID   rebuild that past batch byte for byte (changes nothing\n"
    "                      in the database; fails if the bytes would differ)\n"
    "  --output DIR        with --replay: write into DIR instead of SPOOL/outbox\n";

int cmd_export(settle_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "replay", required_argument, NULL, 'r' },
        { "output", required_argument, NULL, 'o' },
        { NULL, 0, NULL, 0 },
    };
    export_opts eo = { 0 };
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'r': {
            char *end;
            eo.replay = strtoll(optarg, &end, 10);
            if (*end || eo.replay <= 0)
                return job_usage_error("export", "--replay: expected a batch id, found '%s'", optarg);
            break;
        }
        case 'o': eo.output = optarg; break;
        default: return job_usage_error("export", "unknown option");
        }
    }
    if (optind < argc)
        return job_usage_error("export", "unexpected argument '%s'", argv[optind]);
    if (eo.output && !eo.replay)
        return job_usage_error("export", "--output only goes with --replay");
    return export_run(ctx->cfg, &eo);
}
