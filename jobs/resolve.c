/* resolve.c - `settle resolve ID --as paid|refund|ignore --note TEXT`.
 *
 * Finance closes one exception through the database function
 * settle_resolve_exception() (sql/006_roles.sql), which the finance role may
 * execute while it cannot update exceptions or payments itself. The
 * exception row is locked, and so is its payment; a resolved exception is
 * never resolved again. `--as paid` marks the payment paid (recording the
 * exception's settlement, amount and the resolution) and queues its invoice
 * request, in one statement's transaction; it is refused when no money
 * arrived, and when the amount received is not the payment's unless
 * --accept-difference (sql/009_hardening.sql).
 * Who: $SETTLE_USER, else the operating-system user (the database login is
 * recorded too, in exceptions.resolved_db_user). */
#include <getopt.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/db.h"
#include "common/log.h"
#include "jobs/jobs.h"

const char usage_resolve[] =
    "usage: settle resolve ID --as paid|refund|ignore --note TEXT [--payment PAYMENT_ID] [--accept-difference]\n\n"
    "Close reconciliation exception ID (exceptions.id) and record who, when, how\n"
    "and why. Resolving an exception twice is refused.\n\n"
    "  --as paid      the money is accepted for the payment: it becomes paid and one\n"
    "                 invoice request is queued (the payment must not be paid already);\n"
    "                 refused when no money arrived (bank rejection, returned cheque,\n"
    "                 Pix refund, a settlement not paid or of 0): the payment records\n"
    "                 the amount received, never the amount due\n"
    "  --as refund    the money goes back to the payer (outside settle); nothing changes\n"
    "                 on the payment\n"
    "  --as ignore    nothing to do (e.g. a bank event already handled)\n"
    "  --note TEXT    why (required, shown in the report)\n"
    "  --payment ID   with --as paid: the payment to mark when the exception has none\n"
    "                 (UNKNOWN_PAYMENT) or more than one candidate (AMBIGUOUS_MATCH)\n"
    "  --accept-difference  with --as paid: mark it paid although the amount received\n"
    "                 is not the payment's (say why in --note); refused without it\n\n"
    "The user recorded is $SETTLE_USER, else the login name.\n"
    "Exit: 0 resolved, 64 usage, 65 refused (unknown ID, already resolved, payment\n"
    "not payable), 69 database unavailable, 77 the login lacks the finance role.\n";

static const char *who(void)
{
    const char *u = getenv("SETTLE_USER");
    if (u && *u)
        return u;
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_name : "unknown";
}

/* Call settle_resolve_exception() (sql/006_roles.sql), the one
 * implementation shared with finance's direct database access. 0, or the
 * exit code with e set: EX_DATAERR for a refusal (SQLSTATE SR001, its
 * message and hint passed on), else what db_error says. */
static int resolve(PGconn *db, const char *id, const char *as, const char *note, const char *payment, int accept,
                   err_t *e)
{
    const char *p[] = { id, as, note, payment, who(), accept ? "true" : "false" };
    PGresult *r = PQexecParams(db, "SELECT settle_resolve_exception($1::bigint, $2, $3, $4::bigint, $5, $6::boolean)",
                               6, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (state && !strcmp(state, "SR001")) {
            const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
            const char *hint = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT);
            err_set(e, EX_DATAERR, "%s%s%s", msg ? msg : "refused", hint ? "\nHINT: " : "", hint ? hint : "");
        } else if (state && !strcmp(state, "42501")) {
            err_set(e, EX_NOPERM, "permission denied to resolve exceptions: %s\n"
                    "HINT: resolve with a login that has the finance role (docs/operations.md)",
                    PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
        } else if (state && !strcmp(state, "42883")) {
            err_set(e, EX_CONFIG, "the database has no settle_resolve_exception function\nHINT: run settle migrate");
        } else {
            db_error(db, r, e, "cannot resolve");
        }
        PQclear(r);
        return e->code;
    }
    char reason[32];
    snprintf(reason, sizeof reason, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    printf("exception #%s (%s) resolved as %s by %s\n", id, reason, as, who());
    log_msg(LOG_INFO, "resolve", KV(KV_S("exception", id), KV_S("reason", reason), KV_S("as", as), KV_S("by", who())),
            "exception resolved");
    return 0;
}

int cmd_resolve(settle_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "as", required_argument, NULL, 'a' },
        { "note", required_argument, NULL, 'n' },
        { "payment", required_argument, NULL, 'p' },
        { "accept-difference", no_argument, NULL, 'd' },
        { NULL, 0, NULL, 0 },
    };
    const char *as = NULL, *note = NULL, *payment = NULL;
    int opt, accept = 0;
    optind = 0; /* full re-initialisation: main parsed with "+" */
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == 'a')
            as = optarg;
        else if (opt == 'n')
            note = optarg;
        else if (opt == 'p')
            payment = optarg;
        else if (opt == 'd')
            accept = 1;
        else
            return job_usage_error("resolve", "unknown option");
    }
    if (optind != argc - 1)
        return job_usage_error("resolve", "expected one exception ID");
    const char *id = argv[optind];
    if (!*id || strspn(id, "0123456789") != strlen(id) || strlen(id) > 18)
        return job_usage_error("resolve", "ID: expected an exception number, found '%s'", id);
    if (!as || (strcmp(as, "paid") && strcmp(as, "refund") && strcmp(as, "ignore")))
        return job_usage_error("resolve", "--as: expected paid, refund or ignore, found '%s'", as ? as : "nothing");
    if (!note || !*note)
        return job_usage_error("resolve", "--note TEXT is required: say why");
    if (payment && (!*payment || strspn(payment, "0123456789") != strlen(payment) || strlen(payment) > 18))
        return job_usage_error("resolve", "--payment: expected a payment id, found '%s'", payment);
    if (payment && strcmp(as, "paid"))
        return job_usage_error("resolve", "--payment goes with --as paid");
    if (accept && strcmp(as, "paid"))
        return job_usage_error("resolve", "--accept-difference goes with --as paid");

    err_t e = { 0 };
    PGconn *db = db_connect(ctx->cfg, &e);
    if (!db) {
        log_msg(LOG_ERROR, "resolve", NULL, "%s", e.msg);
        return e.code;
    }
    int rc = resolve(db, id, as, note, payment, accept, &e);
    if (rc)
        log_msg(LOG_ERROR, "resolve", KV(KV_S("exception", id)), "%s", e.msg);
    PQfinish(db);
    return rc;
}
