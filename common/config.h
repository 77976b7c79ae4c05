/* config.h - the settle.conf INI file, read with inih.
 *
 * The file is looked for at --config FILE, else $SETTLE_CONFIG, else
 * /etc/settle/settle.conf. Every section and key is declared in a table in
 * config.c (name, kind, default, allowed values); anything not in the table,
 * or a value the table refuses, is an error naming file:line, the key and
 * what is allowed. docs/configuration.md documents the same table.
 *
 * Ownership: config_load() returns a config the caller frees with
 * config_free(); every string inside belongs to it. */
#ifndef SETTLE_CONFIG_H
#define SETTLE_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"
#include "common/profile.h"

#define CONFIG_DEFAULT_PATH "/etc/settle/settle.conf"

/* Connection keys shared by [source NAME] and [destination NAME]. */
typedef struct sftp_endpoint {
    char *name;                     /* the NAME in [source NAME] */
    int line;                       /* line of the section header */
    char *host;
    long long port;                 /* 22 */
    char *user;
    char *identity;                 /* private key file */
    char *identity_passphrase_file; /* secret, from a 0600 file */
    char *password_file;            /* secret, from a 0600 file */
    char *known_hosts;              /* OpenSSH known_hosts file */
    char *host_key_check;           /* strict | accept-new | fingerprint */
    char *host_key_sha256;          /* "SHA256:..." as ssh-keygen -lf prints */
    char *remote_dir;
    long long timeout_seconds;      /* 30 */
    long long retries;              /* 3 */
    long long min_bytes_per_second; /* [source] only: slower downloads fail; 0 = off */
} sftp_endpoint;

typedef struct source_cfg {
    sftp_endpoint ep;
    char *pattern;                  /* PCRE2 on the remote file name */
    char *format;                   /* parser hint: cnab240 | cnab400 | pix-csv | auto */
    char *bank;                     /* parser hint: 3-digit bank code */
    char *profile;                  /* parser hint: [profile NAME] for Pix CSV */
    char *after_fetch;              /* keep | delete | move:DIR */
    long long min_age_seconds;      /* 120 */
    long long max_file_bytes;       /* 0 = no limit */
    long long max_source_seconds;   /* 3600: wall-clock budget per run; 0 = none */
    long long max_silence_hours;    /* 0 = not checked: `settle status --check` warns past it */
    char *type;                     /* sftp | pix_api */
    /* type = pix_api (fetch/pix_api.h, docs/fetch.md "API Pix pull"); the
     * SFTP keys above do not apply, except timeout_seconds and retries. */
    char *base_url;                 /* https://... ; GET base_url/pix */
    char *token_url;                /* OAuth2 token endpoint; NULL = base_url/oauth/token */
    char *client_id;
    char *client_secret;            /* secret, inline: only in a 0600 config file */
    char *client_secret_file;       /* secret, from a 0600 file */
    char *scope;                    /* optional OAuth2 scope */
    char *cert, *key;               /* mTLS client certificate and key, PEM */
    char *ca_file;                  /* CA bundle to trust; NULL = the system's */
    char *first_window_start;       /* RFC 3339: inicio of the very first pull */
    long long overlap_seconds;      /* 3600 */
    long long page_size;            /* 100: paginacao.itensPorPagina */
    int client_secret_line;         /* line of an inline client_secret, 0 when none */
} source_cfg;

/* [card_fee NAME]: a contracted card fee (MDR) rate (docs/configuration.md,
 * docs/reconciliation.md "Cards"): the rate of a sale by acquirer, brand,
 * product and installment count. reconcile uses the most specific row that
 * applies (an exact brand or product beats "*"; then the first in the file). */
typedef struct card_fee_cfg {
    char *name;
    int line;
    char *acquirer;                 /* cielo | rede (required) */
    char *brand;                    /* visa, mastercard, elo, ... or "*" */
    char *product;                  /* credit | debit | installment | * */
    long long installments_min;     /* 1 */
    long long installments_max;     /* 99 */
    long long rate_bp;              /* basis points of the gross: 248 = 2.48 % (required) */
} card_fee_cfg;

typedef struct destination_cfg {
    sftp_endpoint ep;
} destination_cfg;

/* [profile NAME]: profile_cfg, in common/profile.h (the Pix CSV reader uses it
 * without the rest of the config). */

typedef struct config {
    char *path;                    /* the file read, or NULL when none */

    /* [database] */
    char *db_conninfo;             /* "" = libpq's environment (PG*, service file) */

    /* [spool] */
    char *spool_dir;               /* /var/spool/settle */

    /* [reconcile] */
    long long tolerance_cents;     /* 0 */
    char *boleto_reference_pattern;/* PCRE2, group 1 = order id */
    char *pix_reference_pattern;   /* PCRE2, group 1 = order id */
    long long wait_locked_seconds; /* 60: wait for files other sessions hold */

    /* [ingest] */
    long long ingest_min_age_seconds;  /* 60: skip files younger than this */
    long long max_decompressed_bytes;  /* 1 GiB; 0 = no limit */
    long long max_empty_lines;         /* 1000; 0 = no limit */

    /* [export] */
    long long batch_size;          /* 1000 */

    /* [cards] */
    long long card_sale_missing_days;   /* 3: a capture no acquirer reported after this -> CARD_SALE_MISSING */
    long long card_fee_tolerance_cents; /* 1: fee difference still taken as the contracted one */
    long long card_overdue_days;        /* 2: an installment unpaid this long after its date -> RECEIVABLE_OVERDUE */
    /* [metrics] */
    char *metrics_emf;             /* "" = off, "stdout", or a file appended to */

    /* [monitoring] (`settle status --check`) */
    long long max_exception_age_days;  /* 30: an open exception older than this is a problem */
    long long max_run_age_hours;       /* 36: no finished real run for longer is a problem */
    long long upload_grace_minutes;    /* 60: a published batch not uploaded for longer is a problem */

    /* [retention] (`settle purge`): days to keep; 0 = keep forever */
    long long keep_archive_days;       /* spool/archive/SOURCE/: ingested bank files */
    long long keep_rejected_days;      /* spool/rejected/SOURCE/: refused files and their .error */
    long long keep_outbox_days;        /* spool/outbox/: uploaded invoice batches */
    long long keep_reports_days;       /* spool/reports/ */
    long long keep_logs_days;          /* log_dir/settle-*.log */
    long long keep_metrics_days;       /* EMF lines in [metrics] emf_output */
    long long keep_personal_data_days; /* payer names, documents, messages in the database */
    long long mask_chunk_rows;         /* settlements (and exceptions) masked per transaction */
    char *log_dir;                     /* /var/log/settle: the nightly wrapper's logs */

    source_cfg *sources;
    int n_sources;
    destination_cfg *destinations;
    int n_destinations;
    profile_cfg *profiles;
    int n_profiles;
    card_fee_cfg *card_fees;
    int n_card_fees;
} config;

/* Read path (or the defaults when path is NULL and nothing is found at the
 * default locations: a missing *default* file is not an error, a missing
 * explicit one is). Returns NULL with e set (EX_CONFIG) on error. */
config *config_load(const char *path, int path_is_explicit, err_t *e);

/* Parse len bytes of text as a settle.conf; name stands for the file in
 * messages ("NAME:LINE: ..."). Same contract as config_load(); text is not
 * kept. For tests and fuzzing. */
config *config_load_mem(const char *text, size_t len, const char *name, err_t *e);

/* A config holding only the defaults. Never NULL except on OOM. */
config *config_defaults(void);

void config_free(config *c);

const source_cfg *config_source(const config *c, const char *name);
const destination_cfg *config_destination(const config *c, const char *name);
const profile_cfg *config_profile(const config *c, const char *name);

/* Print every section and key with its default, as Markdown rows
 * (used to keep docs/configuration.md honest; see tests). */
void config_print_keys(FILE *out);

#endif
