/* jobs.h - the subcommand table and what every job receives.
 *
 * One file per command under jobs/; each defines cmd_NAME() and its usage
 * text and gets one row in the table in jobs/commands.c (the git habit:
 * { "status", cmd_status, RUN_SETUP }). */
#ifndef SETTLE_JOBS_H
#define SETTLE_JOBS_H

#include <stddef.h>
#include <stdio.h>

#include "common/config.h"
#include "common/error.h"
#include "common/hash.h"

typedef struct settle_ctx {
    config *cfg;              /* loaded before the command runs (NEED_CONFIG) */
    const char *config_path;  /* as given, or NULL for the default */
} settle_ctx;

/* Returns an exit code (sysexits.h). argv[0] is the command name. */
typedef int (*cmd_fn)(settle_ctx *ctx, int argc, char **argv);

enum { NEED_CONFIG = 1 };

typedef struct command {
    const char *name;
    cmd_fn fn;
    unsigned flags;
    const char *summary;      /* one line for `settle help` */
    const char *usage;        /* full text for `settle COMMAND --help` */
} command;

extern const command settle_commands[];
const command *command_find(const char *name);
/* settle --help: the commands, the global options, the exit codes. */
void settle_usage(FILE *out);

/* Print a usage error for cmd ("settle CMD: msg" + a pointer to --help)
 * and return EX_USAGE. */
int job_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Migrations compiled into the binary from sql/NNN_name.sql (build/gen). */
typedef struct embedded_file {
    const char *name;
    const char *data;
    size_t len;
} embedded_file;
extern const embedded_file settle_migrations[];
extern const size_t settle_n_migrations;

/* One migration as `settle migrate` applies it (jobs/migrate.c). */
typedef struct migration {
    int version;
    char name[256];
    char *sql;       /* owned; freed by migrations_free() */
    size_t len;
    char sum[SHA256_HEX_LEN + 1];
} migration;

/* Load the migrations from dir (NULL = the built-in copy) in version order:
 * 0 with all of them, or an exit code with e set and nothing returned
 * (never a partial list). */
int migrations_load(const char *dir, migration **out, int *n_out, err_t *e);
void migrations_free(migration *m, int n);

/* One pair per command, in the order of the table in jobs/main.c. */
int cmd_help(settle_ctx *ctx, int argc, char **argv);
extern const char usage_help[];
int cmd_version(settle_ctx *ctx, int argc, char **argv);
extern const char usage_version[];
int cmd_migrate(settle_ctx *ctx, int argc, char **argv);
extern const char usage_migrate[];
int cmd_run(settle_ctx *ctx, int argc, char **argv);
extern const char usage_run[];
int cmd_parse(settle_ctx *ctx, int argc, char **argv);
extern const char usage_parse[];
int cmd_fetch(settle_ctx *ctx, int argc, char **argv);
extern const char usage_fetch[];
int cmd_ingest(settle_ctx *ctx, int argc, char **argv);
extern const char usage_ingest[];
int cmd_reconcile(settle_ctx *ctx, int argc, char **argv);
extern const char usage_reconcile[];
int cmd_resolve(settle_ctx *ctx, int argc, char **argv);
extern const char usage_resolve[];
int cmd_export(settle_ctx *ctx, int argc, char **argv);
extern const char usage_export[];
int cmd_report(settle_ctx *ctx, int argc, char **argv);
extern const char usage_report[];
int cmd_status(settle_ctx *ctx, int argc, char **argv);
extern const char usage_status[];

#endif
