/* config.c - settle.conf: a table of sections and keys, read with inih.
 *
 * Adding a key is adding a row to one of the tables below (and a line to
 * docs/configuration.md; tests/integration/config_docs.sh checks both agree).
 * inih does the INI syntax; this file does the meaning: which sections and
 * keys exist, their kinds, defaults and allowed values, and file:line in
 * every message. */
#include "common/config.h"
#include "common/db.h"
#include "common/log.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <pcre2.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch/pix_api.h"

typedef enum { K_STR, K_INT, K_ENUM } key_kind;

typedef struct keyspec {
    const char *name;
    key_kind kind;
    size_t off;                 /* into the section's struct */
    const char *def;            /* default as text, NULL = unset */
    long long min, max;         /* K_INT */
    const char *choices;        /* K_ENUM: "a|b|c" */
    int (*check)(const char *v, char *why, size_t n);
    const char *doc;
} keyspec;

typedef struct sectspec {
    const char *kind;           /* "database", "source", ... */
    int named;                  /* [kind NAME] */
    const keyspec *keys;
    size_t n_keys;
    size_t elem_size;           /* named: size of one element */
    size_t arr_off, count_off;  /* named: where the array lives in config */
    size_t name_off, line_off;  /* named: where NAME and the line go */
    const char *doc;
} sectspec;

/* ---- value checks ---------------------------------------------------- */

static int check_bank(const char *v, char *why, size_t n)
{
    if (strlen(v) == 3 && isdigit((unsigned char)v[0]) && isdigit((unsigned char)v[1]) &&
        isdigit((unsigned char)v[2]))
        return 0;
    snprintf(why, n, "expected a 3-digit bank code such as 001 or 341");
    return -1;
}

static int check_after_fetch(const char *v, char *why, size_t n)
{
    if (!strcmp(v, "keep") || !strcmp(v, "delete") || (!strncmp(v, "move:", 5) && v[5]))
        return 0;
    snprintf(why, n, "expected keep, delete or move:DIR");
    return -1;
}

static int check_fingerprint(const char *v, char *why, size_t n)
{
    size_t len = strlen(v);
    if (len == 50 && !strncmp(v, "SHA256:", 7)) {
        for (size_t i = 7; i < len; i++)
            if (!isalnum((unsigned char)v[i]) && v[i] != '+' && v[i] != '/')
                goto bad;
        return 0;
    }
bad:
    snprintf(why, n, "expected SHA256: and 43 base64 characters, as ssh-keygen -lf prints");
    return -1;
}

static int check_regex(const char *v, char *why, size_t n)
{
    int rc;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)v, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &rc, &off, NULL);
    if (re) {
        pcre2_code_free(re);
        return 0;
    }
    char msg[256];
    pcre2_get_error_message(rc, (PCRE2_UCHAR *)msg, sizeof msg);
    snprintf(why, n, "expected a PCRE2 pattern: %s at offset %zu", msg, (size_t)off);
    return -1;
}

static int check_timezone(const char *v, char *why, size_t n)
{
    /* A fixed UTC offset, [+-]HH:MM, as RFC 3339 writes it. */
    if (strlen(v) == 6 && (v[0] == '+' || v[0] == '-') && isdigit((unsigned char)v[1]) &&
        isdigit((unsigned char)v[2]) && v[3] == ':' && isdigit((unsigned char)v[4]) &&
        isdigit((unsigned char)v[5]) && (v[1] - '0') * 10 + (v[2] - '0') <= 14 && v[4] <= '5')
        return 0;
    snprintf(why, n, "expected a UTC offset such as -03:00");
    return -1;
}

static int check_delimiter(const char *v, char *why, size_t n)
{
    /* ';' starts a comment in INI, hence the names. */
    if ((strlen(v) == 1 && v[0] != '"' && v[0] != ';') || !strcmp(v, "tab") || !strcmp(v, "comma") ||
        !strcmp(v, "semicolon") || !strcmp(v, "pipe"))
        return 0;
    snprintf(why, n, "expected comma, semicolon, tab, pipe or one other character");
    return -1;
}

/* libpq must parse it; its own error would quote the value (a password). */
static int check_conninfo(const char *v, char *why, size_t n)
{
    int pw;
    return db_conninfo_check(v, &pw, why, n);
}

static int check_https_url(const char *v, char *why, size_t n)
{
    if (!strncmp(v, "https://", 8) && v[8] && v[8] != '/' && !strpbrk(v, " \t\r\n?#"))
        return 0;
    snprintf(why, n, "expected an https:// URL without a query or fragment (plain http is refused)");
    return -1;
}

static int check_rfc3339(const char *v, char *why, size_t n)
{
    time_t t;
    if (pix_parse_rfc3339(v, &t) == 0)
        return 0;
    snprintf(why, n, "expected an RFC 3339 time such as 2026-11-01T00:00:00-03:00 or 2026-11-01T03:00:00Z");
    return -1;
}

/* ---- the tables --------------------------------------------------------- */

#define CK(field) offsetof(config, field)
static const keyspec database_keys[] = {
    { "conninfo", K_STR, CK(db_conninfo), "", 0, 0, NULL, check_conninfo,
      "libpq connection string or URI; empty uses libpq's environment (PGHOST, PGDATABASE, PGSERVICE, ...)" },
};
static const keyspec spool_keys[] = {
    { "dir", K_STR, CK(spool_dir), "/var/spool/settle", 0, 0, NULL, NULL,
      "spool directory: incoming/, rejected/, outbox/, reports/ live under it" },
};
static const keyspec reconcile_keys[] = {
    { "tolerance_cents", K_INT, CK(tolerance_cents), "0", 0, 100000, NULL, NULL,
      "difference in cents between paid and expected still taken as exact" },
    { "boleto_reference_pattern", K_STR, CK(boleto_reference_pattern), "^0*([0-9]+)$", 0, 0, NULL, check_regex,
      "PCRE2 applied to seu numero / the company's title id; group 1 is the order id" },
    { "pix_reference_pattern", K_STR, CK(pix_reference_pattern), "PED-([0-9]+)", 0, 0, NULL, check_regex,
      "PCRE2 applied to the Pix payer's message; group 1 is the order id" },
    { "wait_locked_seconds", K_INT, CK(wait_locked_seconds), "60", 0, 3600, NULL, NULL,
      "how long reconcile waits for ingested files another session holds before giving up (exit 75)" },
};
static const keyspec ingest_keys[] = {
    { "min_age_seconds", K_INT, CK(ingest_min_age_seconds), "60", 0, 86400, NULL, NULL,
      "skip incoming files modified more recently than this (still being written); 0 = none" },
    { "max_decompressed_bytes", K_INT, CK(max_decompressed_bytes), "1073741824", 0, (long long)1 << 42, NULL, NULL,
      "refuse a gzip file that expands to more than this; 0 = no limit" },
    { "max_empty_lines", K_INT, CK(max_empty_lines), "1000", 0, 1000000000, NULL, NULL,
      "refuse a file with more consecutive empty lines than this; 0 = no limit" },
};
static const keyspec export_keys[] = {
    { "batch_size", K_INT, CK(batch_size), "1000", 1, 1000000, NULL, NULL,
      "invoice requests per batch file" },
};
static const keyspec cards_keys[] = {
    { "sale_missing_days", K_INT, CK(card_sale_missing_days), "3", 1, 365, NULL, NULL,
      "a card payment captured this many days ago that no acquirer sales file reported is CARD_SALE_MISSING" },
    { "fee_tolerance_cents", K_INT, CK(card_fee_tolerance_cents), "1", 0, 100000, NULL, NULL,
      "a card fee differing from the contracted rate ([card_fee NAME]) by more than this is FEE_MISMATCH" },
    { "overdue_days", K_INT, CK(card_overdue_days), "2", 0, 3650, NULL, NULL,
      "a card installment still unpaid this many days after its expected date is RECEIVABLE_OVERDUE" },
};
static const keyspec metrics_keys[] = {
    { "emf_output", K_STR, CK(metrics_emf), "", 0, 0, NULL, NULL,
      "where `settle run` writes CloudWatch EMF lines: empty = off, stdout, or a file to append to" },
};
static const keyspec monitoring_keys[] = {
    { "max_exception_age_days", K_INT, CK(max_exception_age_days), "30", 1, 3650, NULL, NULL,
      "`settle status --check`: an open exception older than this many days is a problem" },
    { "max_run_age_hours", K_INT, CK(max_run_age_hours), "36", 1, 8760, NULL, NULL,
      "`settle status --check`: no real (not dry) run finished for this many hours is a problem" },
    { "upload_grace_minutes", K_INT, CK(upload_grace_minutes), "60", 0, 10080, NULL, NULL,
      "`settle status --check`: a published batch not uploaded to [destination invoices] after this is a problem" },
};
/* Retention (LGPD): days to keep; 0 keeps forever. `settle purge`. */
static const keyspec retention_keys[] = {
    { "archive_days", K_INT, CK(keep_archive_days), "1825", 0, 36500, NULL, NULL,
      "ingested bank files in SPOOL/archive/ (payer CPF/CNPJ); a file with an open exception is kept; 0 = forever" },
    { "rejected_days", K_INT, CK(keep_rejected_days), "90", 0, 36500, NULL, NULL,
      "refused files and their .error in SPOOL/rejected/; 0 = forever" },
    { "outbox_days", K_INT, CK(keep_outbox_days), "90", 0, 36500, NULL, NULL,
      "invoice batches in SPOOL/outbox/; a batch not yet uploaded is kept; 0 = forever" },
    { "reports_days", K_INT, CK(keep_reports_days), "365", 0, 36500, NULL, NULL,
      "exception reports in SPOOL/reports/; 0 = forever" },
    { "logs_days", K_INT, CK(keep_logs_days), "90", 0, 36500, NULL, NULL,
      "the nightly wrapper's settle-*.log files in log_dir; 0 = forever" },
    { "log_dir", K_STR, CK(log_dir), "/var/log/settle", 0, 0, NULL, NULL,
      "where the nightly wrapper writes its logs (SETTLE_LOG_DIR)" },
    { "metrics_days", K_INT, CK(keep_metrics_days), "30", 0, 36500, NULL, NULL,
      "EMF lines in the [metrics] emf_output file (older lines dropped); 0 = forever" },
    { "personal_data_days", K_INT, CK(keep_personal_data_days), "1825", 0, 36500, NULL, NULL,
      "payer names, documents and messages of settlements, and the payer's name and CPF/CNPJ in the texts of "
      "their exceptions, older than this are masked (amounts, keys, audit trail kept); a settlement with an "
      "open exception is kept; 0 = forever" },
    { "mask_chunk_rows", K_INT, CK(mask_chunk_rows), "10000", 1, 1000000, NULL, NULL,
      "settlements (and exceptions) masked per transaction: a first purge of a large database commits "
      "chunk by chunk" },
};
#undef CK

#define EP_KEYS(T)                                                                            \
    { "host", K_STR, offsetof(T, ep.host), NULL, 0, 0, NULL, NULL, "SFTP server host name or address (required)" }, \
    { "port", K_INT, offsetof(T, ep.port), "22", 1, 65535, NULL, NULL, "SFTP server port" },  \
    { "user", K_STR, offsetof(T, ep.user), NULL, 0, 0, NULL, NULL, "login name (required)" }, \
    { "identity", K_STR, offsetof(T, ep.identity), NULL, 0, 0, NULL, NULL,                    \
      "private key file (ed25519 or RSA) for public key authentication" },                   \
    { "identity_passphrase_file", K_STR, offsetof(T, ep.identity_passphrase_file), NULL, 0, 0, NULL, NULL, \
      "file holding the key's passphrase; must not be readable by group or others" },        \
    { "password_file", K_STR, offsetof(T, ep.password_file), NULL, 0, 0, NULL, NULL,          \
      "file holding the password (password authentication only when set); mode 0600" },      \
    { "known_hosts", K_STR, offsetof(T, ep.known_hosts), NULL, 0, 0, NULL, NULL,              \
      "OpenSSH known_hosts file with the server's host key" },                               \
    { "host_key_check", K_ENUM, offsetof(T, ep.host_key_check), "strict", 0, 0,               \
      "strict|accept-new|fingerprint", NULL,                                                  \
      "strict: key must be in known_hosts; accept-new: record an unknown host, refuse a changed key; fingerprint: must equal host_key_sha256" }, \
    { "host_key_sha256", K_STR, offsetof(T, ep.host_key_sha256), NULL, 0, 0, NULL, check_fingerprint, \
      "pinned host key fingerprint, SHA256:... as ssh-keygen -lf prints it" },               \
    { "remote_dir", K_STR, offsetof(T, ep.remote_dir), NULL, 0, 0, NULL, NULL,                \
      "directory on the server (required)" },                                                \
    { "timeout_seconds", K_INT, offsetof(T, ep.timeout_seconds), "30", 1, 3600, NULL, NULL,   \
      "longest wait for any one network step" },                                             \
    { "retries", K_INT, offsetof(T, ep.retries), "3", 0, 20, NULL, NULL,                      \
      "attempts after the first, with exponential backoff and jitter" }

static const keyspec source_keys[] = {
    EP_KEYS(source_cfg),
    { "pattern", K_STR, offsetof(source_cfg, pattern), ".", 0, 0, NULL, check_regex,
      "PCRE2 the remote file name must match" },
    { "format", K_ENUM, offsetof(source_cfg, format), "auto", 0, 0, "auto|cnab240|cnab400|pix-csv|pix-api|pix-psp|cielo|rede", NULL,
      "parser format; auto detects it from the content" },
    { "bank", K_STR, offsetof(source_cfg, bank), NULL, 0, 0, NULL, check_bank,
      "bank code hint for the parser" },
    { "profile", K_STR, offsetof(source_cfg, profile), NULL, 0, 0, NULL, NULL,
      "[profile NAME] used to read this source's Pix CSV files" },
    { "after_fetch", K_STR, offsetof(source_cfg, after_fetch), "keep", 0, 0, NULL, check_after_fetch,
      "what to do with the remote file once fetched: keep, delete or move:DIR" },
    { "min_age_seconds", K_INT, offsetof(source_cfg, min_age_seconds), "120", 0, 86400 * 7, NULL, NULL,
      "skip files modified more recently than this (the bank may still be writing)" },
    { "max_file_bytes", K_INT, offsetof(source_cfg, max_file_bytes), "0", 0, (long long)1 << 40, NULL, NULL,
      "refuse files larger than this; 0 = no limit" },
    { "min_bytes_per_second", K_INT, offsetof(source_cfg, ep.min_bytes_per_second), "1024", 0, (long long)1 << 40,
      NULL, NULL,
      "a download slower than this over any timeout_seconds window is cut (and resumed on retry); 0 = off" },
    { "max_source_seconds", K_INT, offsetof(source_cfg, max_source_seconds), "3600", 0, 86400, NULL, NULL,
      "wall-clock budget of one fetch run for this source, retries included; 0 = none" },
    { "max_silence_hours", K_INT, offsetof(source_cfg, max_silence_hours), "0", 0, 8760, NULL, NULL,
      "`settle status --check`: a problem when no file came from this source for longer; 0 = not checked" },
    { "type", K_ENUM, offsetof(source_cfg, type), "sftp", 0, 0, "sftp|pix_api", NULL,
      "sftp: files from an SFTP server; pix_api: a nightly pull of GET /pix from a PSP's API Pix" },
    { "base_url", K_STR, offsetof(source_cfg, base_url), NULL, 0, 0, NULL, check_https_url,
      "pix_api: the API's https:// base URL; pages come from base_url/pix (required)" },
    { "token_url", K_STR, offsetof(source_cfg, token_url), NULL, 0, 0, NULL, check_https_url,
      "pix_api: OAuth2 client-credentials token endpoint; default base_url/oauth/token" },
    { "client_id", K_STR, offsetof(source_cfg, client_id), NULL, 0, 0, NULL, NULL,
      "pix_api: OAuth2 client id (required)" },
    { "client_secret", K_STR, offsetof(source_cfg, client_secret), NULL, 0, 0, NULL, NULL,
      "pix_api: OAuth2 client secret; only in a config file not readable by group or others" },
    { "client_secret_file", K_STR, offsetof(source_cfg, client_secret_file), NULL, 0, 0, NULL, NULL,
      "pix_api: file holding the client secret (mode 0600); instead of client_secret" },
    { "scope", K_STR, offsetof(source_cfg, scope), NULL, 0, 0, NULL, NULL,
      "pix_api: OAuth2 scope asked for (e.g. pix.read); none by default" },
    { "cert", K_STR, offsetof(source_cfg, cert), NULL, 0, 0, NULL, NULL,
      "pix_api: mTLS client certificate, PEM (required)" },
    { "key", K_STR, offsetof(source_cfg, key), NULL, 0, 0, NULL, NULL,
      "pix_api: mTLS client private key, PEM, mode 0600 (required)" },
    { "ca_file", K_STR, offsetof(source_cfg, ca_file), NULL, 0, 0, NULL, NULL,
      "pix_api: CA bundle that signs the server's certificate; default the system's" },
    { "overlap_seconds", K_INT, offsetof(source_cfg, overlap_seconds), "3600", 0, 86400 * 7, NULL, NULL,
      "pix_api: each pull starts this long before the last pull's fim" },
    { "page_size", K_INT, offsetof(source_cfg, page_size), "100", 1, 1000, NULL, NULL,
      "pix_api: paginacao.itensPorPagina asked for" },
    { "first_window_start", K_STR, offsetof(source_cfg, first_window_start), NULL, 0, 0, NULL, check_rfc3339,
      "pix_api: RFC 3339 inicio of the first pull, when none was recorded yet" },
};
static const keyspec destination_keys[] = {
    EP_KEYS(destination_cfg),
};

#define PK(f) offsetof(profile_cfg, f)
static const keyspec profile_keys[] = {
    { "delimiter", K_STR, PK(delimiter), ",", 0, 0, NULL, check_delimiter, "field separator: comma, semicolon, tab, pipe or one character (; itself starts a comment)" },
    { "decimal", K_ENUM, PK(decimal), ".", 0, 0, ".|,", NULL, "decimal mark of amounts" },
    { "date_format", K_ENUM, PK(date_format), "iso", 0, 0, "iso|dd/mm/yyyy|dd/mm/yyyy hh:mm|dd/mm/yyyy hh:mm:ss", NULL,
      "how settled_at is written; iso = RFC 3339" },
    { "encoding", K_ENUM, PK(encoding), "utf-8", 0, 0, "utf-8|latin-1", NULL, "character encoding of the file" },
    { "timezone", K_STR, PK(timezone), "-03:00", 0, 0, NULL, check_timezone,
      "UTC offset of timestamps written without one (every dd/mm/yyyy format)" },
    { "kind_pix", K_STR, PK(kind_pix), "pix", 0, 0, NULL, NULL,
      "value(s) of the kind column meaning a received Pix, separated by |" },
    { "kind_refund", K_STR, PK(kind_refund), "pix_refund", 0, 0, NULL, NULL,
      "value(s) of the kind column meaning a refund (devolucao), separated by |" },
    { "end_to_end_id", K_STR, PK(col_end_to_end_id), "end_to_end_id", 0, 0, NULL, NULL, "header of the end-to-end id column" },
    { "txid", K_STR, PK(col_txid), "txid", 0, 0, NULL, NULL, "header of the txid column" },
    { "amount", K_STR, PK(col_amount), "amount", 0, 0, NULL, NULL, "header of the amount column" },
    { "settled_at", K_STR, PK(col_settled_at), "settled_at", 0, 0, NULL, NULL, "header of the settlement timestamp column" },
    { "payer_doc", K_STR, PK(col_payer_doc), "payer_doc", 0, 0, NULL, NULL, "header of the payer CPF/CNPJ column" },
    { "payer_name", K_STR, PK(col_payer_name), "payer_name", 0, 0, NULL, NULL, "header of the payer name column" },
    { "message", K_STR, PK(col_message), "message", 0, 0, NULL, NULL, "header of the payer message column" },
    { "kind", K_STR, PK(col_kind), "kind", 0, 0, NULL, NULL, "header of the kind column (pix / pix_refund)" },
    { "refund_id", K_STR, PK(col_refund_id), "refund_id", 0, 0, NULL, NULL, "header of the refund id (rtrId) column" },
    { "refund_status", K_STR, PK(col_refund_status), "refund_status", 0, 0, NULL, NULL, "header of the refund status column" },
};
#undef PK

#define FK(f) offsetof(card_fee_cfg, f)
static const keyspec card_fee_keys[] = {
    { "acquirer", K_ENUM, FK(acquirer), NULL, 0, 0, "cielo|rede", NULL, "the acquirer of this contract (required)" },
    { "brand", K_STR, FK(brand), "*", 0, 0, NULL, NULL, "card brand as the readers name it (visa, mastercard, elo, ...), or * for any" },
    { "product", K_ENUM, FK(product), "*", 0, 0, "credit|debit|installment|*", NULL,
      "credit (one payment), debit, installment (parcelado lojista), or * for any" },
    { "installments_min", K_INT, FK(installments_min), "1", 1, 99, NULL, NULL, "fewest installments the rate applies to" },
    { "installments_max", K_INT, FK(installments_max), "99", 1, 99, NULL, NULL, "most installments the rate applies to" },
    { "rate_basis_points", K_INT, FK(rate_bp), "-1", -1, 10000, NULL, NULL,
      "contracted fee (MDR) in hundredths of a percent of the gross: 248 = 2.48 % (required)" },
};
#undef FK

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))
#define NAMED(T, arr, cnt, nm, ln) sizeof(T), offsetof(config, arr), offsetof(config, cnt), offsetof(T, nm), offsetof(T, ln)
static const sectspec sections[] = {
    { "database", 0, database_keys, NKEYS(database_keys), 0, 0, 0, 0, 0, "the payments database" },
    { "spool", 0, spool_keys, NKEYS(spool_keys), 0, 0, 0, 0, 0, "local working directories" },
    { "reconcile", 0, reconcile_keys, NKEYS(reconcile_keys), 0, 0, 0, 0, 0, "matching settlements to payments" },
    { "ingest", 0, ingest_keys, NKEYS(ingest_keys), 0, 0, 0, 0, 0, "loading return files from the spool" },
    { "export", 0, export_keys, NKEYS(export_keys), 0, 0, 0, 0, 0, "invoice request batches" },
    { "cards", 0, cards_keys, NKEYS(cards_keys), 0, 0, 0, 0, 0, "card acquirer settlements (docs/reconciliation.md, Cards)" },
    { "metrics", 0, metrics_keys, NKEYS(metrics_keys), 0, 0, 0, 0, 0, "CloudWatch metrics" },
    { "monitoring", 0, monitoring_keys, NKEYS(monitoring_keys), 0, 0, 0, 0, 0, "what `settle status --check` reports" },
    { "retention", 0, retention_keys, NKEYS(retention_keys), 0, 0, 0, 0, 0, "how long `settle purge` keeps files and personal data" },
    { "source", 1, source_keys, NKEYS(source_keys), NAMED(source_cfg, sources, n_sources, ep.name, ep.line),
      "one per bank or PSP to fetch from (SFTP server or API Pix)" },
    { "destination", 1, destination_keys, NKEYS(destination_keys),
      NAMED(destination_cfg, destinations, n_destinations, ep.name, ep.line), "one per SFTP server to upload to" },
    { "profile", 1, profile_keys, NKEYS(profile_keys), NAMED(profile_cfg, profiles, n_profiles, name, line),
      "one per Pix CSV export layout" },
    { "card_fee", 1, card_fee_keys, NKEYS(card_fee_keys), NAMED(card_fee_cfg, card_fees, n_card_fees, name, line),
      "one per contracted card fee rate (acquirer, brand, product, installments)" },
};
#define N_SECTIONS NKEYS(sections)

/* ---- setting values ------------------------------------------------------ */

static char **str_at(void *base, size_t off) { return (char **)((char *)base + off); }
static long long *int_at(void *base, size_t off) { return (long long *)((char *)base + off); }

/* Set one key; on a bad value write the reason into why and return -1. */
static int key_set(const keyspec *k, void *base, const char *v, char *why, size_t n)
{
    if (k->kind == K_INT) {
        char *end;
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (!*v || *end || errno || x < k->min || x > k->max) {
            snprintf(why, n, "expected an integer from %lld to %lld", k->min, k->max);
            return -1;
        }
        *int_at(base, k->off) = x;
        return 0;
    }
    if (k->kind == K_ENUM) {
        size_t len = strlen(v);
        const char *c = k->choices;
        int ok = 0;
        while (*c) {
            const char *bar = strchr(c, '|');
            size_t clen = bar ? (size_t)(bar - c) : strlen(c);
            if (clen == len && !strncmp(c, v, len))
                ok = 1;
            c += clen + (bar ? 1 : 0);
        }
        if (!ok) {
            snprintf(why, n, "expected one of: %s", k->choices);
            return -1;
        }
    }
    if (k->check && k->check(v, why, n) < 0)
        return -1;
    char *dup = strdup(v);
    if (!dup) {
        snprintf(why, n, "out of memory");
        return -1;
    }
    free(*str_at(base, k->off));
    *str_at(base, k->off) = dup;
    return 0;
}

static int apply_defaults(const sectspec *s, void *base)
{
    char why[256];
    for (size_t i = 0; i < s->n_keys; i++)
        if (s->keys[i].def && key_set(&s->keys[i], base, s->keys[i].def, why, sizeof why) < 0)
            return -1;
    return 0;
}

static void free_strings(const sectspec *s, void *base)
{
    for (size_t i = 0; i < s->n_keys; i++)
        if (s->keys[i].kind != K_INT)
            free(*str_at(base, s->keys[i].off));
}

/* ---- parsing -------------------------------------------------------------- */

typedef struct parse_state {
    config *cfg;
    FILE *f;
    const char *path;
    int line;                 /* line the reader last returned */
    const sectspec *sect;     /* current section, NULL before the first */
    void *base;               /* struct the current section's keys go into */
    int sect_line;
    int seen[64];             /* line each key of the section was set on */
    int singleton_line[N_SECTIONS];
    err_t *e;
    int failed;
} parse_state;

static int fail(parse_state *st, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(parse_state *st, int line, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    if (st->failed)
        return 0;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err_set(st->e, EX_CONFIG, "%s:%d: %s", st->path, line, msg);
    st->failed = 1;
    return 0;
}

static int valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
            return 0;
    return 1;
}

/* A section header line: find its spec, make its element. */
static void begin_section(parse_state *st, char *text)
{
    char *name = text + strcspn(text, " \t");
    size_t klen = (size_t)(name - text);
    while (*name == ' ' || *name == '\t')
        name++;

    st->sect = NULL;
    st->base = NULL;
    memset(st->seen, 0, sizeof st->seen);
    for (size_t i = 0; i < N_SECTIONS; i++) {
        const sectspec *s = &sections[i];
        if (strlen(s->kind) != klen || strncmp(s->kind, text, klen))
            continue;
        if (!s->named) {
            if (*name) {
                fail(st, st->line, "section [%s] takes no name, found [%s]", s->kind, text);
                return;
            }
            if (st->singleton_line[i]) {
                fail(st, st->line, "section [%s] appears twice (first at line %d)", s->kind,
                     st->singleton_line[i]);
                return;
            }
            st->singleton_line[i] = st->line;
            st->sect = s;
            st->base = st->cfg;
            st->sect_line = st->line;
            return;
        }
        if (!valid_name(name)) {
            fail(st, st->line, "section [%s] needs a NAME of letters, digits, '_', '-' or '.', as in [%s NAME]; found [%s]",
                 s->kind, s->kind, text);
            return;
        }
        char **arr = (char **)((char *)st->cfg + s->arr_off);
        int *count = (int *)((char *)st->cfg + s->count_off);
        for (int j = 0; j < *count; j++) {
            char *el = *arr + (size_t)j * s->elem_size;
            if (!strcmp(*str_at(el, s->name_off), name)) {
                fail(st, st->line, "section [%s %s] appears twice (first at line %d)", s->kind, name,
                     *(int *)(el + s->line_off));
                return;
            }
        }
        char *grown = realloc(*arr, (size_t)(*count + 1) * s->elem_size);
        if (!grown) {
            fail(st, st->line, "out of memory");
            return;
        }
        *arr = grown;
        char *el = grown + (size_t)*count * s->elem_size;
        memset(el, 0, s->elem_size);
        (*count)++;
        *str_at(el, s->name_off) = strdup(name);
        *(int *)(el + s->line_off) = st->line;
        if (!*str_at(el, s->name_off) || apply_defaults(s, el) < 0) {
            fail(st, st->line, "out of memory");
            return;
        }
        st->sect = s;
        st->base = el;
        st->sect_line = st->line;
        return;
    }
    char allowed[256] = "";
    size_t len = 0;
    for (size_t i = 0; i < N_SECTIONS; i++) {
        snprintf(allowed + len, sizeof allowed - len, "%s%s%s", i ? ", " : "", sections[i].kind,
                 sections[i].named ? " NAME" : "");
        len = strlen(allowed);
    }
    fail(st, st->line, "unknown section [%s]; expected one of: %s", text, allowed);
}

/* inih's line reader: count lines, see section headers before inih does,
 * and refuse lines longer than inih can hold instead of letting it split them. */
static char *reader(char *buf, int size, void *user)
{
    parse_state *st = user;
    if (st->failed || !fgets(buf, size, st->f))
        return NULL;
    st->line++;
    size_t len = strlen(buf);
    if (len == (size_t)size - 1 && buf[len - 1] != '\n' && !feof(st->f)) {
        fail(st, st->line, "line longer than %d characters", size - 2);
        return NULL;
    }
    char *p = buf;
    if (st->line == 1 && !strncmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '[') {
        char *end = strchr(p, ']');
        if (end) {
            char text[256];
            char *s = p + 1;
            while (*s == ' ' || *s == '\t')
                s++;
            size_t n = (size_t)(end - s);
            while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
                n--;
            if (n >= sizeof text)
                n = sizeof text - 1;
            memcpy(text, s, n);
            text[n] = '\0';
            begin_section(st, text);
        }
    }
    return buf;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    parse_state *st = user;
    (void)section;
    if (st->failed)
        return 0;
    if (!st->sect)
        return fail(st, st->line, "key '%s' outside any section; put it under [database], [spool], ...", name);
    const sectspec *s = st->sect;
    for (size_t i = 0; i < s->n_keys; i++) {
        if (strcmp(s->keys[i].name, name))
            continue;
        if (st->seen[i])
            return fail(st, st->line, "key '%s' set twice in this section (first at line %d)", name, st->seen[i]);
        st->seen[i] = st->line;
        if (!strcmp(s->kind, "source") && !strcmp(name, "client_secret"))
            ((source_cfg *)st->base)->client_secret_line = st->line;
        char why[512];
        if (key_set(&s->keys[i], st->base, value, why, sizeof why) < 0)
            return fail(st, st->line, "bad value for '%s' in [%s]: %s; found '%s'", name, s->kind, why,
                        strstr(name, "password") || strstr(name, "passphrase") || strstr(name, "secret") ||
                                !strcmp(name, "conninfo")
                            ? "(hidden)"
                            : value);
        return 1;
    }
    char allowed[1024] = "";
    size_t len = 0;
    for (size_t i = 0; i < s->n_keys; i++) {
        snprintf(allowed + len, sizeof allowed - len, "%s%s", i ? ", " : "", s->keys[i].name);
        len = strlen(allowed);
    }
    return fail(st, st->line, "unknown key '%s' in [%s]; expected one of: %s", name, s->kind, allowed);
}

static int endpoint_check(parse_state *st, const char *kind, const sftp_endpoint *ep)
{
    if (!ep->host)
        return fail(st, ep->line, "[%s %s] needs 'host'", kind, ep->name);
    if (!ep->user)
        return fail(st, ep->line, "[%s %s] needs 'user'", kind, ep->name);
    if (!ep->remote_dir)
        return fail(st, ep->line, "[%s %s] needs 'remote_dir'", kind, ep->name);
    if (!ep->identity && !ep->password_file)
        return fail(st, ep->line, "[%s %s] needs 'identity' or 'password_file'", kind, ep->name);
    if (!strcmp(ep->host_key_check, "fingerprint") && !ep->host_key_sha256)
        return fail(st, ep->line, "[%s %s] has host_key_check = fingerprint but no 'host_key_sha256'", kind,
                    ep->name);
    if (strcmp(ep->host_key_check, "fingerprint") && !ep->known_hosts)
        return fail(st, ep->line, "[%s %s] needs 'known_hosts' (host_key_check = %s)", kind, ep->name,
                    ep->host_key_check);
    return 1;
}

/* Keys of one source type set on a source of the other. */
static const struct { const char *name; size_t off; int pix; } typed_keys[] = {
    { "host", offsetof(source_cfg, ep.host), 0 },
    { "user", offsetof(source_cfg, ep.user), 0 },
    { "identity", offsetof(source_cfg, ep.identity), 0 },
    { "identity_passphrase_file", offsetof(source_cfg, ep.identity_passphrase_file), 0 },
    { "password_file", offsetof(source_cfg, ep.password_file), 0 },
    { "known_hosts", offsetof(source_cfg, ep.known_hosts), 0 },
    { "host_key_sha256", offsetof(source_cfg, ep.host_key_sha256), 0 },
    { "remote_dir", offsetof(source_cfg, ep.remote_dir), 0 },
    { "base_url", offsetof(source_cfg, base_url), 1 },
    { "token_url", offsetof(source_cfg, token_url), 1 },
    { "client_id", offsetof(source_cfg, client_id), 1 },
    { "client_secret", offsetof(source_cfg, client_secret), 1 },
    { "client_secret_file", offsetof(source_cfg, client_secret_file), 1 },
    { "scope", offsetof(source_cfg, scope), 1 },
    { "cert", offsetof(source_cfg, cert), 1 },
    { "key", offsetof(source_cfg, key), 1 },
    { "ca_file", offsetof(source_cfg, ca_file), 1 },
    { "first_window_start", offsetof(source_cfg, first_window_start), 1 },
};

static int pix_source_check(parse_state *st, const source_cfg *s)
{
    const char *n = s->ep.name;
    if (!s->base_url)
        return fail(st, s->ep.line, "[source %s] has type = pix_api but no 'base_url'", n);
    if (!s->client_id)
        return fail(st, s->ep.line, "[source %s] has type = pix_api but no 'client_id'", n);
    if (!s->client_secret == !s->client_secret_file)
        return fail(st, s->ep.line, "[source %s] needs exactly one of 'client_secret_file' or 'client_secret'", n);
    if (!s->cert || !s->key)
        return fail(st, s->ep.line, "[source %s] has type = pix_api but no '%s' (the mTLS client %s, PEM)", n,
                    s->cert ? "key" : "cert", s->cert ? "key" : "certificate");
    return 1;
}

static void post_check(parse_state *st)
{
    config *c = st->cfg;
    for (int i = 0; i < c->n_sources && !st->failed; i++) {
        const source_cfg *s = &c->sources[i];
        int pix = !strcmp(s->type, "pix_api");
        for (size_t k = 0; k < NKEYS(typed_keys) && !st->failed; k++)
            if (typed_keys[k].pix != pix && *str_at((void *)s, typed_keys[k].off))
                fail(st, s->ep.line, "[source %s] sets '%s', which applies only to type = %s (this source is type = %s)",
                     s->ep.name, typed_keys[k].name, pix ? "sftp" : "pix_api", s->type);
        if (st->failed)
            break;
        if (pix)
            pix_source_check(st, s);
        else
            endpoint_check(st, "source", &s->ep);
        if (!st->failed && s->profile && !config_profile(c, s->profile))
            fail(st, s->ep.line, "[source %s] names profile '%s', which has no [profile %s] section", s->ep.name,
                 s->profile, s->profile);
    }
    for (int i = 0; i < c->n_destinations && !st->failed; i++)
        endpoint_check(st, "destination", &c->destinations[i].ep);
    for (int i = 0; i < c->n_card_fees && !st->failed; i++) {
        const card_fee_cfg *f = &c->card_fees[i];
        if (!f->acquirer)
            fail(st, f->line, "[card_fee %s] needs 'acquirer' (cielo or rede)", f->name);
        else if (f->rate_bp < 0)
            fail(st, f->line, "[card_fee %s] needs 'rate_basis_points' (e.g. 248 for 2.48 %%)", f->name);
        else if (f->installments_min > f->installments_max)
            fail(st, f->line, "[card_fee %s] has installments_min %lld above installments_max %lld", f->name,
                 f->installments_min, f->installments_max);
    }
}

config *config_defaults(void)
{
    config *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    for (size_t i = 0; i < N_SECTIONS; i++)
        if (!sections[i].named && apply_defaults(&sections[i], c) < 0) {
            config_free(c);
            return NULL;
        }
    return c;
}

/* Parse the open stream f into c (which has its defaults); closes f.
 * Returns c, or NULL with e set after freeing c. */
static config *load_stream(config *c, FILE *f, const char *path, err_t *e)
{
    parse_state st = { .cfg = c, .f = f, .path = path, .e = e };
    int rc = ini_parse_stream(reader, &st, handler, &st);
    fclose(f);
    if (!st.failed && rc > 0)
        fail(&st, rc, "syntax error; expected [section], key = value, or a ; or # comment");
    if (!st.failed && rc < 0)
        fail(&st, st.line, "cannot read the file");
    if (!st.failed)
        post_check(&st);
    if (st.failed) {
        config_free(c);
        return NULL;
    }
    return c;
}

/* A password in [database] conninfo: refused when the file is readable by
 * group or others (anyone who can read it has the login), else a warning.
 * libpq reads it from ~/.pgpass or $PGPASSFILE (mode 0600) instead. */
static int conninfo_password_check(const config *c, const char *path, mode_t mode, err_t *e)
{
    int pw = 0;
    char why[256];
    if (!c->db_conninfo || db_conninfo_check(c->db_conninfo, &pw, why, sizeof why) < 0 || !pw)
        return 0;
    if (mode & (S_IRWXG | S_IRWXO)) {
        err_set(e, EX_CONFIG,
                "%s: [database] conninfo holds a password and the file is readable by %s (mode %04o)\n"
                "HINT: put the password in ~/.pgpass (mode 0600) or the file $PGPASSFILE names, and remove it from "
                "conninfo; at least chmod 600 %s",
                path, (mode & S_IRWXO) ? "others" : "its group", (unsigned)(mode & 07777), path);
        return -1;
    }
    log_msg(LOG_WARN, "config", KV(KV_S("file", path)),
            "[database] conninfo holds a password; keep it in ~/.pgpass (mode 0600) or $PGPASSFILE instead, "
            "so the config can be shown and copied without it");
    return 0;
}

config *config_load(const char *path, int path_is_explicit, err_t *e)
{
    config *c = config_defaults();
    if (!c) {
        err_set(e, EX_SOFTWARE, "out of memory");
        return NULL;
    }
    if (!path)
        path = CONFIG_DEFAULT_PATH;
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT && !path_is_explicit)
            return c;
        err_set(e, EX_CONFIG, "cannot open config file %s: %s\nHINT: pass --config FILE or set SETTLE_CONFIG",
                path, strerror(errno));
        config_free(c);
        return NULL;
    }
    struct stat fs;
    mode_t mode = fstat(fileno(f), &fs) == 0 ? fs.st_mode : 0;
    c->path = strdup(path);
    c = load_stream(c, f, path, e);
    if (c && conninfo_password_check(c, path, mode, e) < 0) {
        config_free(c);
        return NULL;
    }
    /* An inline secret is refused in a file others may read, as a secret
     * file would be (sftp_read_secret). */
    for (int i = 0; c && i < c->n_sources; i++)
        if (c->sources[i].client_secret_line && (mode & 077)) {
            err_set(e, EX_CONFIG,
                    "%s:%d: client_secret of [source %s] is in a file readable or writable by group or others"
                    " (mode %04o); refusing to use it\n"
                    "HINT: chmod 600 %s, or put the secret in a mode 0600 file named by client_secret_file",
                    path, c->sources[i].client_secret_line, c->sources[i].ep.name, (unsigned)(mode & 07777), path);
            config_free(c);
            c = NULL;
        }
    return c;
}

config *config_load_mem(const char *text, size_t len, const char *name, err_t *e)
{
    config *c = config_defaults();
    if (!c) {
        err_set(e, EX_SOFTWARE, "out of memory");
        return NULL;
    }
    /* fmemopen() refuses a zero size; an empty text is an empty file. */
    FILE *f = len ? fmemopen((void *)text, len, "r") : fopen("/dev/null", "r");
    if (!f) {
        err_set(e, EX_SOFTWARE, "cannot read config text %s: %s", name, strerror(errno));
        config_free(c);
        return NULL;
    }
    c->path = strdup(name);
    return load_stream(c, f, name, e);
}

void config_free(config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < N_SECTIONS; i++) {
        const sectspec *s = &sections[i];
        if (!s->named) {
            free_strings(s, c);
            continue;
        }
        char *arr = *(char **)((char *)c + s->arr_off);
        int count = *(int *)((char *)c + s->count_off);
        for (int j = 0; j < count; j++) {
            char *el = arr + (size_t)j * s->elem_size;
            free_strings(s, el);
            free(*str_at(el, s->name_off));
        }
        free(arr);
    }
    free(c->path);
    free(c);
}

const source_cfg *config_source(const config *c, const char *name)
{
    for (int i = 0; i < c->n_sources; i++)
        if (!strcmp(c->sources[i].ep.name, name))
            return &c->sources[i];
    return NULL;
}

const destination_cfg *config_destination(const config *c, const char *name)
{
    for (int i = 0; i < c->n_destinations; i++)
        if (!strcmp(c->destinations[i].ep.name, name))
            return &c->destinations[i];
    return NULL;
}

const profile_cfg *config_profile(const config *c, const char *name)
{
    for (int i = 0; i < c->n_profiles; i++)
        if (!strcmp(c->profiles[i].name, name))
            return &c->profiles[i];
    return NULL;
}

void config_print_keys(FILE *out)
{
    for (size_t i = 0; i < N_SECTIONS; i++) {
        const sectspec *s = &sections[i];
        for (size_t j = 0; j < s->n_keys; j++) {
            const keyspec *k = &s->keys[j];
            fprintf(out, "%s%s\t%s\t%s\t%s\t%s\n", s->kind, s->named ? " NAME" : "", k->name,
                    k->def ? (*k->def ? k->def : "(empty)") : "(none)",
                    k->kind == K_ENUM ? k->choices : "", k->doc ? k->doc : "");
        }
    }
}
