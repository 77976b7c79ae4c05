/* main.c - `settle`: global options, config loading, then the command
 * (the table of commands is jobs/commands.c).
 *
 * settle [--config FILE] [-v|-q] [--log-format=text|json] COMMAND [ARGS]
 * settle --version | --help */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/config.h"
#include "common/error.h"
#include "common/log.h"
#include "jobs/jobs.h"

/* The global options before the command: --config into *config_path, -v/-q
 * into *level, --log-format into *json. -1 to go on, or the exit code
 * (--help, --version, a usage error). */
static int global_options(int argc, char **argv, const char **config_path, log_level *level, int *json)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "verbose", no_argument, NULL, 'v' },
        { "quiet", no_argument, NULL, 'q' },
        { "log-format", required_argument, NULL, 'L' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "+c:vqh", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': *config_path = optarg; break;
        case 'v': *level = LOG_DEBUG; break;
        case 'q': *level = LOG_WARN; break;
        case 'L':
            if (!strcmp(optarg, "json"))
                *json = 1;
            else if (strcmp(optarg, "text")) {
                fprintf(stderr, "settle: --log-format: expected text or json, found '%s'\n", optarg);
                return EX_USAGE;
            }
            break;
        case 'h': settle_usage(stdout); return 0;
        case 'V': {
            char *vargv[] = { (char *)"version", NULL };
            return cmd_version(NULL, 1, vargv);
        }
        default: settle_usage(stderr); return EX_USAGE;
        }
    }
    return -1;
}

/* Whether the command's arguments (before any "--") ask for its --help. */
static int wants_help(int cargc, char **cargv)
{
    for (int i = 1; i < cargc && strcmp(cargv[i], "--"); i++)
        if (!strcmp(cargv[i], "--help") || !strcmp(cargv[i], "-h"))
            return 1;
    return 0;
}

/* Load settle.conf for cmd into ctx->cfg: --config, else $SETTLE_CONFIG,
 * else the default path (none at all: a warning, and the defaults). 0, or
 * the exit code (the error logged). */
static int load_config(const command *cmd, settle_ctx *ctx, const char *config_path)
{
    err_t e = { 0 };
    int explicit_path = config_path != NULL;
    const char *from = "--config";
    if (!config_path)
        config_path = getenv("SETTLE_CONFIG"), explicit_path = config_path && *config_path, from = "$SETTLE_CONFIG";
    if (config_path && !*config_path)
        config_path = NULL;
    ctx->cfg = config_load(config_path, explicit_path, &e);
    if (!ctx->cfg) {
        const char *hint = strstr(e.msg, "\nHINT: ");
        if (explicit_path && hint)
            log_msg(LOG_ERROR, "config", NULL, "%.*s (named by %s)%s", (int)(hint - e.msg), e.msg, from, hint);
        else
            log_msg(LOG_ERROR, "config", NULL, "%s", e.msg);
        return e.code;
    }
    /* No file at all: say where settle looked before going on with the
     * built-in defaults and libpq's PG* environment (not for `settle
     * parse`, which reads files only: its stderr is the files' errors). */
    if (!ctx->cfg->path && strcmp(cmd->name, "parse"))
        log_msg(LOG_WARN, "config", NULL,
                "no config file found (tried: --config not given, $SETTLE_CONFIG not set, "
                CONFIG_DEFAULT_PATH " does not exist); using the built-in defaults and the PG* environment\n"
                "HINT: settle --config FILE, or SETTLE_CONFIG=FILE; the package ships " CONFIG_DEFAULT_PATH);
    return 0;
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    log_level level = LOG_INFO;
    int json = 0;

    /* Everything settle creates (spool, downloads, archive, rejected/,
     * exports, reports, metrics) holds personal data: owner only, whatever
     * umask cron or the shell gave us (docs/security.md). */
    umask(077);

    int done = global_options(argc, argv, &config_path, &level, &json);
    if (done >= 0)
        return done;
    log_setup(level, json, stderr);
    if (optind >= argc) {
        settle_usage(stderr);
        return EX_USAGE;
    }

    char **cargv = argv + optind;
    int cargc = argc - optind;
    const command *cmd = command_find(cargv[0]);
    if (!cmd) {
        fprintf(stderr, "settle: unknown command '%s'\nHINT: settle help lists the commands\n", cargv[0]);
        return EX_USAGE;
    }
    if (wants_help(cargc, cargv)) {
        fputs(cmd->usage, stdout);
        return 0;
    }

    settle_ctx ctx = { .config_path = config_path };
    if (cmd->flags & NEED_CONFIG) {
        int rc = load_config(cmd, &ctx, config_path);
        if (rc)
            return rc;
    }
    optind = 1; /* each command runs its own getopt over cargv */
    int rc = cmd->fn(&ctx, cargc, cargv);
    config_free(ctx.cfg);
    return rc;
}
