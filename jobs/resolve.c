/* resolve.c - `settle resolve ID --as paid|refund|ignore --note TEXT`.
 *
 * Finance closes one exception. The exception row is locked, and so is its
 * payment; a resolved exception is never resolved again. `--as paid` marks
 * the payment paid (recording the exception's settlement, amount and the
 * resolution) and queues its invoice request, in the same transaction.
 * Who: $SETTLE_USER, else the operating-system user. */
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
    "usage: settle resolve ID --as paid|refund|ignore --note TEXT [--payment PAYMENT_ID]\n\n"
    "Close reconciliation exception ID (exceptions.id) and record who, when, how\n"
    "and why. Resolving an exception twice is refused.\n\n"
    "  --as paid      the money is accepted for the payment: it becomes paid and one\n"
    "                 invoice request is queued (the payment must not be paid already)\n"
    "  --as refund    the money goes back to the payer (outside settle); nothing changes\n"
    "                 on the payment\n"
    "  --as ignore    nothing to do (e.g. a bank event already handled)\n"
    "  --note TEXT    why (required, shown in the report)\n"
    "  --payment ID   with --as paid: the payment to mark when the exception has none\n"
    "                 (UNKNOWN_PAYMENT) or more than one candidate (AMBIGUOUS_MATCH)\n\n"
    "The user recorded is $SETTLE_USER, else the login name.\n"
    "Exit: 0 resolved, 64 usage, 65 refused (unknown ID, already resolved, payment\n"
    "not payable), 69 database unavailable.\n";

static const char *who(void)
{
    const char *u = getenv("SETTLE_USER");
    if (u && *u)
        return u;
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_name : "unknown";
}

/* Roll back and refuse with a bad-data message (exit 65). */
static int refuse(PGconn *db, err_t *e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(PGconn *db, err_t *e, const char *fmt, ...)
{
    va_list ap;
    PQclear(PQexec(db, "ROLLBACK"));
    va_start(ap, fmt);
    err_vset(e, EX_DATAERR, fmt, ap);
    va_end(ap);
    return EX_DATAERR;
}

/* Roll back after a failed query whose message is already in e. */
static int rollback_keep(PGconn *db, err_t *e)
{
    PQclear(PQexec(db, "ROLLBACK"));
    return e->code ? e->code : EX_SOFTWARE;
}

static int resolve(PGconn *db, const char *id, const char *as, const char *note, const char *payment, err_t *e)
{
    if (db_exec(db, "BEGIN", e))
        return e->code;
    const char *p1[] = { id };
    PGresult *x = db_query(db, e,
                           "SELECT e.status, e.resolution, e.resolved_by, to_char(e.resolved_at, 'YYYY-MM-DD HH24:MI'),"
                           "       e.reason, e.payment_id, e.settlement_id, coalesce(e.paid_cents, s.amount_paid_cents)"
                           "  FROM exceptions e JOIN settlements s ON s.id = e.settlement_id"
                           " WHERE e.id = $1 FOR UPDATE OF e",
                           1, p1);
    if (!x)
        return rollback_keep(db, e);
    if (!PQntuples(x)) {
        PQclear(x);
        return refuse(db, e, "exception #%s does not exist", id);
    }
    char status[16], reason[32], pay[24], sid[24], paid[24];
    snprintf(status, sizeof status, "%s", PQgetvalue(x, 0, 0));
    snprintf(reason, sizeof reason, "%s", PQgetvalue(x, 0, 4));
    snprintf(pay, sizeof pay, "%s", PQgetvalue(x, 0, 5));
    snprintf(sid, sizeof sid, "%s", PQgetvalue(x, 0, 6));
    snprintf(paid, sizeof paid, "%s", PQgetvalue(x, 0, 7));
    if (!strcmp(status, "resolved")) {
        char msg[512];
        snprintf(msg, sizeof msg, "exception #%s was already resolved as %s by %s on %s\n"
                 "HINT: a resolution is final; open a new one by hand if it was wrong",
                 id, PQgetvalue(x, 0, 1), PQgetvalue(x, 0, 2), PQgetvalue(x, 0, 3));
        PQclear(x);
        return refuse(db, e, "%s", msg);
    }
    PQclear(x);

    if (!strcmp(as, "paid")) {
        if (payment) {
            if (*pay && strcmp(pay, payment))
                return refuse(db, e, "exception #%s belongs to payment #%s, not #%s", id, pay, payment);
            snprintf(pay, sizeof pay, "%s", payment);
        }
        if (!*pay)
            return refuse(db, e,
                          "exception #%s (%s) has no payment to mark paid\n"
                          "HINT: name it with --payment ID, or resolve as refund or ignore",
                          id, reason);
        const char *p2[] = { pay };
        PGresult *p = db_query(db, e,
                               "SELECT status, coalesce(paid_by_settlement::text, '') FROM payments"
                               " WHERE id = $1 FOR UPDATE",
                               1, p2);
        if (!p)
            return rollback_keep(db, e);
        if (!PQntuples(p)) {
            PQclear(p);
            return refuse(db, e, "payment #%s does not exist", pay);
        }
        char pstatus[16];
        snprintf(pstatus, sizeof pstatus, "%s", PQgetvalue(p, 0, 0));
        PQclear(p);
        if (!strcmp(pstatus, "paid") || !strcmp(pstatus, "refunded"))
            return refuse(db, e,
                          "payment #%s is already %s; it cannot be paid twice\n"
                          "HINT: resolve exception #%s as refund or ignore",
                          pay, pstatus, id);
        const char *p3[] = { pay, sid, paid };
        PGresult *u = db_query(db, e,
                               "UPDATE payments SET status = 'paid', paid_at = now(), paid_cents = $3::bigint,"
                               "       paid_by_settlement = $2::bigint WHERE id = $1::bigint",
                               3, p3);
        if (!u)
            return rollback_keep(db, e);
        PQclear(u);
        const char *p4[] = { pay, sid };
        if (!(u = db_query(db, e, "INSERT INTO invoice_requests (payment_id, settlement_id) VALUES ($1, $2)", 2, p4)))
            return rollback_keep(db, e);
        PQclear(u);
    }
    const char *p5[] = { id, as, note, who(), !strcmp(as, "paid") ? pay : NULL };
    PGresult *u = db_query(db, e,
                           "UPDATE exceptions SET status = 'resolved', resolved_at = now(), resolution = $2,"
                           "       resolution_note = $3, resolved_by = $4,"
                           "       payment_id = coalesce(payment_id, $5::bigint) WHERE id = $1",
                           5, p5);
    if (!u)
        return rollback_keep(db, e);
    PQclear(u);
    if (db_exec(db, "COMMIT", e))
        return e->code;
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
        { NULL, 0, NULL, 0 },
    };
    const char *as = NULL, *note = NULL, *payment = NULL;
    int opt;
    optind = 0; /* full re-initialisation: main parsed with "+" */
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == 'a')
            as = optarg;
        else if (opt == 'n')
            note = optarg;
        else if (opt == 'p')
            payment = optarg;
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

    err_t e = { 0 };
    PGconn *db = db_connect(ctx->cfg, &e);
    if (!db) {
        log_msg(LOG_ERROR, "resolve", NULL, "%s", e.msg);
        return e.code;
    }
    int rc = resolve(db, id, as, note, payment, &e);
    if (rc)
        log_msg(LOG_ERROR, "resolve", KV(KV_S("exception", id)), "%s", e.msg);
    PQfinish(db);
    return rc;
}
