/* ingest.c - `settle ingest`: the command's options and usage; the stage
 * itself is ingest/ingest.c (ingest_run). */
#include <getopt.h>
#include <string.h>

#include "ingest/ingest.h"
#include "jobs/jobs.h"

const char usage_ingest[] =
    "usage: settle ingest [--source NAME] [FILE...]\n\n"
    "Load bank return files (CNAB 240/400, Pix CSV) into the settlements table,\n"
    "one transaction per file. Without FILE, every file waiting under\n"
    "<spool>/incoming/SOURCE/; ingested files move to <spool>/archive/SOURCE/,\n"
    "files that do not parse to <spool>/rejected/SOURCE/ with NAME.error beside\n"
    "them; a name already taken there gets the file id (NAME.~ID~).\n"
    "Spool files modified less than [ingest] min_age_seconds ago (60) are left\n"
    "for the next run (still being written; drop files as NAME.part, then rename);\n"
    "files settle fetch placed are taken at once.\n"
    "FILEs named here are recorded with source 'local' (or --source NAME: that\n"
    "[source NAME]'s format, bank and Pix profile apply) and are not moved, except\n"
    "a FILE under <spool>/rejected/: a retry, archived (its .error removed) once it\n"
    "loads, its .error rewritten when it fails again. A file rejected before is\n"
    "always parsed again: retry with `settle ingest --source NAME\n"
    "<spool>/rejected/NAME/FILE`, or move it back into <spool>/incoming/NAME/.\n\n"
    "  --source NAME   record the FILEs as [source NAME]'s (default 'local')\n\n"
    "Content already ingested is refused. Records already known from another\n"
    "file are counted as duplicates, never loaded twice.\n\n"
    "Exit: 0 all ingested (files too young left for later), 64 usage error,\n"
    "65 some file rejected (the others were ingested), 69 database unavailable,\n"
    "70 internal error, 74 a file could not be moved or its .error written (disk\n"
    "full, read-only spool: the file stays in incoming/), 77 permission denied.\n";

int cmd_ingest(settle_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = { { "source", required_argument, NULL, 's' }, { NULL, 0, NULL, 0 } };
    const char *source = "local";
    int opt;
    optind = 0; /* full re-initialisation: main parsed with "+" */
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt != 's')
            return job_usage_error("ingest", "unknown option");
        source = optarg;
        if (strcmp(source, "local") && !config_source(ctx->cfg, source))
            return job_usage_error("ingest", "--source: no [source %s] in %s", source,
                                   ctx->cfg->path ? ctx->cfg->path : "the configuration (no config file read)");
    }
    if (strcmp(source, "local") && optind >= argc)
        return job_usage_error("ingest", "--source needs the FILEs to ingest");
    ingest_opts io = { .source = source, .files = (const char *const *)argv + optind, .n_files = argc - optind };
    return ingest_run(ctx->cfg, &io);
}
