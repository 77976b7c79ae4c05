/* fetch.c - `settle fetch`: the command's options and usage; the stage
 * itself is fetch/fetch.c (fetch_run_all). */
#include <getopt.h>

#include "fetch/fetch.h"
#include "jobs/jobs.h"

const char usage_fetch[] =
    "usage: settle fetch [--source NAME] [--dry-run]\n\n"
    "Download new files from every [source NAME] in the config (or only NAME)\n"
    "into <spool>/incoming/NAME/, each exactly once. Files still being written\n"
    "(younger than min_age_seconds, or changed between two listings taken\n"
    "$SETTLE_FETCH_SETTLE_MS apart, default 2000) are left for the next run.\n"
    "A file whose mtime is more than 300 s in the future fails (clock skew).\n"
    "A source that fails does not stop the others; the exit code is 69 when\n"
    "any failed, and the log names them; 74 when our own disk failed (full,\n"
    "read-only), 77 when a spool directory is not ours. A source with\n"
    "type = pix_api is pulled from the PSP's API Pix instead: every GET /pix\n"
    "page of the window since the last pull, as one JSON Lines file\n"
    "(docs/fetch.md, \"API Pix pull\"). See docs/fetch.md.\n\n"
    "  --source NAME   fetch only from [source NAME]\n"
    "  --dry-run       list what would be fetched (SOURCE<TAB>NAME<TAB>BYTES on\n"
    "                  stdout); download, write and change nothing\n";

int cmd_fetch(settle_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "source", required_argument, NULL, 's' },
        { "dry-run", no_argument, NULL, 'n' },
        { NULL, 0, NULL, 0 },
    };
    fetch_opts fo = { 0 };
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == 's')
            fo.source = optarg;
        else if (opt == 'n')
            fo.dry_run = 1;
        else
            return job_usage_error("fetch", "unknown option");
    }
    if (optind < argc)
        return job_usage_error("fetch", "unexpected argument '%s'", argv[optind]);
    const config *cfg = ctx->cfg;
    if (fo.source && !config_source(cfg, fo.source))
        return job_usage_error("fetch", "no [source %s] in %s", fo.source, cfg->path ? cfg->path : "the config");
    return fetch_run_all(cfg, &fo);
}
