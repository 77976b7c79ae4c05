/* commands.c - the table of commands (name, function, summary, usage
 * text), `settle help`, and the usage helpers every command uses. In
 * libsettle.a, so that the library does not depend on the program
 * (jobs/main.c holds only main()). */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/error.h"
#include "jobs/jobs.h"
#include "reconcile/decide.h"

const command settle_commands[] = {
    { "run", cmd_run, NEED_CONFIG, "the nightly job: fetch, ingest, reconcile, export, report, purge", usage_run },
    { "fetch", cmd_fetch, NEED_CONFIG, "download new bank files from each [source NAME] over SFTP", usage_fetch },
    { "parse", cmd_parse, NEED_CONFIG, "validate return files and print their records as CSV", usage_parse },
    { "ingest", cmd_ingest, NEED_CONFIG, "load return files into settlements", usage_ingest },
    { "reconcile", cmd_reconcile, NEED_CONFIG, "match ingested settlements to payments", usage_reconcile },
    { "resolve", cmd_resolve, NEED_CONFIG, "close reconciliation exceptions (one, or a filled-in sheet); reopen one", usage_resolve },
    { "export", cmd_export, NEED_CONFIG, "write invoice request batches into the outbox", usage_export },
    { "report", cmd_report, NEED_CONFIG, "write the day's exception report (CSV and HTML)", usage_report },
    { "status", cmd_status, NEED_CONFIG, "show what is waiting: files, settlements, exceptions, exports", usage_status },
    { "purge", cmd_purge, NEED_CONFIG, "apply the [retention] policy: old files deleted, old personal data masked", usage_purge },
    { "migrate", cmd_migrate, NEED_CONFIG, "apply database migrations from sql/", usage_migrate },
    { "version", cmd_version, 0, "print the version and library versions", usage_version },
    { "help", cmd_help, 0, "show help for settle or one command", usage_help },
    { NULL, NULL, 0, NULL, NULL },
};

const command *command_find(const char *name)
{
    for (const command *c = settle_commands; c->name; c++)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

int job_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "settle %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nHINT: settle %s --help\n", cmd);
    return EX_USAGE;
}

void settle_usage(FILE *out)
{
    fputs("usage: settle [--config FILE] [-v|-q] [--log-format=text|json] COMMAND [ARGS]\n\n"
          "Nightly settlement pipeline of the Comex payments service.\n\n"
          "Commands:\n",
          out);
    for (const command *c = settle_commands; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fputs("\nOptions:\n"
          "  --config FILE          config file (default $SETTLE_CONFIG, else " CONFIG_DEFAULT_PATH ")\n"
          "  -v, --verbose          more log output (debug events)\n"
          "  -q, --quiet            only warnings and errors\n"
          "  --log-format=FORMAT    text (logfmt, default) or json, one event per line on stderr\n"
          "  -h, --help             this help; settle COMMAND --help for a command\n"
          "  --version              the version (settle version)\n\n"
          "Exit codes (settle help exit-codes):",
          out);
    int col = 36; /* "Exit codes (settle help exit-codes):" */
    for (const err_code_info *c = err_codes; c->brief; c++) {
        char item[80];
        int n = snprintf(item, sizeof item, " %d %s%s", c->code, c->brief, c[1].brief ? "," : ".");
        if (col + n > 78) {
            fputs("\n", out);
            col = 0;
        }
        fputs(item, out);
        col += n;
    }
    fputs("\n", out);
}

const char usage_help[] = "usage: settle help [COMMAND | config-keys | exit-codes | reasons]\n\n"
                          "Show the list of commands, or one command's help. `settle help config-keys`\n"
                          "prints every config section and key with its default, tab-separated;\n"
                          "`settle help exit-codes` every exit code and its meaning, tab-separated;\n"
                          "`settle help reasons` every exception reason (docs/reconciliation.md).\n";

int cmd_help(settle_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    if (argc < 2) {
        settle_usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "config-keys")) {
        config_print_keys(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "reasons")) {
        for (int r = EXC_NONE + 1; r <= EXC_LAST; r++)
            printf("%s\n", rc_reason_name((rc_reason)r));
        return 0;
    }
    if (!strcmp(argv[1], "exit-codes")) {
        for (const err_code_info *c = err_codes; c->brief; c++)
            printf("%d\t%s\n", c->code, c->meaning);
        return 0;
    }
    const command *c = command_find(argv[1]);
    if (!c)
        return job_usage_error("help", "unknown command '%s'", argv[1]);
    fputs(c->usage, stdout);
    return 0;
}

