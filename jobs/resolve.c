/* resolve.c - `settle resolve`: finance closes reconciliation exceptions.
 *
 *   settle resolve ID --as paid|refund|ignore --note TEXT   one exception
 *   settle resolve --from FILE                              the filled-in sheet
 *   settle resolve --reopen ID --note TEXT                  undo a resolution
 *   settle resolve --history ID                             its resolutions
 *
 * Every resolution goes through the database function
 * settle_resolve_exception() (sql/006_roles.sql, 009_hardening.sql,
 * 017_resolution_history.sql), which the finance role may execute while it
 * cannot update exceptions or payments itself. The exception row is locked,
 * and so is its payment; a resolved exception is never resolved again
 * (reopen it first). `--as paid` marks the payment paid (recording the
 * exception's settlement, amount and the resolution) and queues its invoice
 * request; it is refused when no money arrived, and when the amount received
 * is not the payment's unless --accept-difference.
 *
 * --from reads the sheet (report/sheet_read.c), checks every row on its own,
 * then calls the function for every good row inside ONE transaction, in one
 * round trip (settle_resolve_many(), sql/017_resolution_history.sql: each
 * call in its own subtransaction, so that a refused row does not hide the
 * next one's problem); when any row is bad, the transaction is rolled back
 * and every problem is printed with its row number: all rows or none.
 *
 * --reopen calls settle_reopen_exception() (sql/017_resolution_history.sql):
 * the resolution stays on record, the exception is open again; a 'paid' one
 * is undone only while its invoice request has not been exported.
 *
 * Who: $SETTLE_USER, else the operating-system user (the database login is
 * recorded too). */
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/db.h"
#include "common/log.h"
#include "jobs/jobs.h"
#include "report/sheet_read.h"

SQL_QUERY(resolve_one);
SQL_QUERY(resolve_reopen);
SQL_QUERY(resolve_history);
SQL_QUERY(resolve_many);

const char usage_resolve[] =
    "usage: settle resolve ID --as paid|refund|ignore --note TEXT [--payment PAYMENT_ID] [--accept-difference]\n"
    "       settle resolve --from FILE [--accept-difference]\n"
    "       settle resolve --reopen ID --note TEXT\n"
    "       settle resolve --history ID\n\n"
    "Close reconciliation exception ID (exceptions.id) and record who, when, how\n"
    "and why. Resolving an exception twice is refused; reopen it first.\n\n"
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
    "  --accept-difference  with --as paid (or the paid rows of --from): mark it paid\n"
    "                 although the amount received is not the payment's (say why in\n"
    "                 the note); refused without it\n\n"
    "  --from FILE    resolve every row of FILE whose acao is filled: the open-exceptions\n"
    "                 sheet of reports/exceptions-YYYYMMDD.xlsx, or a CSV with the columns\n"
    "                 id,acao,nota,pagamento_id (',' or ';'). acao: paid, refund, ignore\n"
    "                 (pago, devolver, ignorar; case and accents ignored); nota: why\n"
    "                 (required); pagamento_id: with paid, the payment when the\n"
    "                 exception has none. Rows with an empty acao are skipped. Every row\n"
    "                 is checked first; when any is bad, nothing is applied and each\n"
    "                 problem is printed with its row number (exit 65). Otherwise all\n"
    "                 rows are applied in one transaction.\n"
    "  --reopen ID    put a resolved exception back to open (--note: why); its\n"
    "                 resolution stays on record. A paid one is undone (the payment\n"
    "                 back to what it was, its invoice request out of the outbox) only\n"
    "                 while the invoice request is not in an invoice batch; after that\n"
    "                 it is refused (exit 65)\n"
    "  --history ID   print every resolution of exception ID, reopened ones included\n\n"
    "The user recorded is $SETTLE_USER, else the login name.\n"
    "Limits of --from: 32 MiB file, 200000 rows, 1000 characters of note; an xlsx\n"
    "part may inflate to 64 MiB at most, 200 times its compressed size.\n"
    "Exit: 0 done, 64 usage, 65 refused (a bad row, unknown ID, already resolved,\n"
    "payment not payable, a paid resolution already exported, FILE missing),\n"
    "69 database unavailable, 77 the login lacks the finance role, 78 run settle migrate.\n";

static const char *who(void)
{
    const char *u = getenv("SETTLE_USER");
    if (u && *u)
        return u;
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_name : "unknown";
}

/* A failed call of one of the functions to e: EX_DATAERR for a refusal
 * (SQLSTATE SR001, its message and hint passed on), EX_NOPERM, EX_CONFIG for
 * a database not migrated, else what db_error says. Returns e->code. */
static int call_error(PGconn *db, PGresult *r, const char *fn, err_t *e)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (state && !strcmp(state, "SR001")) {
        const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
        const char *hint = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT);
        return err_set(e, EX_DATAERR, "%s%s%s", msg ? msg : "refused", hint ? "\nHINT: " : "", hint ? hint : "");
    }
    if (state && !strcmp(state, "42501"))
        return err_set(e, EX_NOPERM, "permission denied to resolve exceptions: %s\n"
                       "HINT: resolve with a login that has the finance role (docs/operations.md)",
                       PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
    if (state && !strcmp(state, "42883"))
        return err_set(e, EX_CONFIG, "the database has no %s function\nHINT: run settle migrate", fn);
    if (state && !strcmp(state, "42P01"))
        return err_set(e, EX_CONFIG, "the database has no resolution history\nHINT: run settle migrate");
    db_error(db, r, e, "cannot resolve");
    return e->code;
}

/* settle_resolve_exception() for one exception. 0 with *reason (32 bytes)
 * set, or the exit code with e set. */
static int resolve_call(PGconn *db, long long id, const char *as, const char *note, long long payment, int accept,
                        char *reason, err_t *e)
{
    char ids[24], pays[24];
    snprintf(ids, sizeof ids, "%lld", id);
    snprintf(pays, sizeof pays, "%lld", payment);
    const char *p[] = { ids, as, note, payment ? pays : NULL, who(), accept ? "true" : "false" };
    PGresult *r = PQexecParams(db, sqlq_resolve_one, 6, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        int rc = call_error(db, r, "settle_resolve_exception", e);
        PQclear(r);
        return rc;
    }
    snprintf(reason, 32, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

/* ---- one exception ------------------------------------------------------- */

static int resolve_one(PGconn *db, const char *id, const char *as, const char *note, const char *payment, int accept,
                       err_t *e)
{
    char reason[32];
    int rc = resolve_call(db, strtoll(id, NULL, 10), as, note, payment ? strtoll(payment, NULL, 10) : 0, accept, reason, e);
    if (rc)
        return rc;
    printf("exception #%s (%s) resolved as %s by %s\n", id, reason, as, who());
    log_msg(LOG_INFO, "resolve", KV(KV_S("exception", id), KV_S("reason", reason), KV_S("as", as), KV_S("by", who())),
            "exception resolved");
    return 0;
}

/* ---- --from FILE ------------------------------------------------------------ */

typedef struct problem {
    long row;
    long seq;
    char *msg;
} problem;

typedef struct problems {
    problem *v;
    size_t n, cap;
    int oom;
} problems;

static void add_problem(void *ctx, long row, const char *msg)
{
    problems *p = ctx;
    if (p->n == p->cap) {
        size_t c = p->cap ? p->cap * 2 : 32;
        problem *v = realloc(p->v, c * sizeof *v);
        if (!v) {
            p->oom = 1;
            return;
        }
        p->v = v;
        p->cap = c;
    }
    char *m = strdup(msg);
    if (!m) {
        p->oom = 1;
        return;
    }
    p->v[p->n] = (problem){ .row = row, .seq = (long)p->n, .msg = m };
    p->n++;
}

static int cmp_problem(const void *a, const void *b)
{
    const problem *x = a, *y = b;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Print each problem as "FILE: row N: message" (a HINT on its own line),
 * in row order. */
static void print_problems(const char *file, problems *p)
{
    if (p->n > 1) /* p->v is NULL when there is no problem (UBSan) */
        qsort(p->v, p->n, sizeof *p->v, cmp_problem);
    for (size_t i = 0; i < p->n; i++) {
        const char *h = strstr(p->v[i].msg, "\nHINT: ");
        if (h)
            fprintf(stderr, "%s: row %ld: %.*s\n  HINT: %s\n", file, p->v[i].row, (int)(h - p->v[i].msg), p->v[i].msg,
                    h + 7);
        else
            fprintf(stderr, "%s: row %ld: %s\n", file, p->v[i].row, p->v[i].msg);
    }
}

static void free_problems(problems *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i].msg);
    free(p->v);
}

/* Run fixed SQL; 0 or the exit code with e set. */
static int exec_fixed(PGconn *db, const char *sql, err_t *e)
{
    return db_exec(db, sql, e) < 0 ? e->code : 0;
}

/* A growing text buffer for the array parameters. */
typedef struct abuf {
    char *p;
    size_t n, cap;
    int oom;
} abuf;

static void ab_put(abuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 4096;
        while (c < b->n + n + 1)
            c *= 2;
        char *q = realloc(b->p, c);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = c;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

/* One element of a PostgreSQL array literal: double-quoted, with '"' and
 * '\\' escaped (the literal is a parameter value, never SQL text). */
static void ab_elem(abuf *b, const char *s, int first)
{
    ab_put(b, first ? "{\"" : ",\"", 2);
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            ab_put(b, "\\", 1);
        ab_put(b, p, 1);
    }
    ab_put(b, "\"", 1);
}

/* Apply items in the open transaction, in one round trip
 * (settle_resolve_many(): one settle_resolve_exception() call per item, each
 * in its own subtransaction). Refusals become problems; any other error
 * stops with its exit code. counts[action] counts what was applied. */
static int apply_items(PGconn *db, const sheet_item *items, size_t n, int accept, problems *pr, long counts[4], err_t *e)
{
    abuf ids = { 0 }, hows = { 0 }, notes = { 0 }, pays = { 0 };
    for (size_t i = 0; i < n; i++) {
        char num[24];
        snprintf(num, sizeof num, "%lld", items[i].id);
        ab_elem(&ids, num, i == 0);
        ab_elem(&hows, sheet_action_name(items[i].action), i == 0);
        ab_elem(&notes, items[i].note, i == 0);
        if (items[i].payment) {
            snprintf(num, sizeof num, "%lld", items[i].payment);
            ab_elem(&pays, num, i == 0);
        } else {
            ab_put(&pays, i == 0 ? "{NULL" : ",NULL", 5);
        }
    }
    ab_put(&ids, "}", 1);
    ab_put(&hows, "}", 1);
    ab_put(&notes, "}", 1);
    ab_put(&pays, "}", 1);
    int rc = 0;
    if (ids.oom || hows.oom || notes.oom || pays.oom) {
        rc = err_set(e, EX_SOFTWARE, "out of memory");
        goto out;
    }
    const char *p[] = { ids.p, hows.p, notes.p, pays.p, who(), accept ? "true" : "false" };
    PGresult *r = PQexecParams(db, sqlq_resolve_many, 6, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        rc = call_error(db, r, "settle_resolve_many", e);
        PQclear(r);
        goto out;
    }
    if ((size_t)PQntuples(r) != n) {
        rc = err_set(e, EX_SOFTWARE, "settle_resolve_many returned %d rows for %zu", PQntuples(r), n);
        PQclear(r);
        goto out;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        long k = strtol(PQgetvalue(r, i, 0), NULL, 10) - 1;
        if (k < 0 || (size_t)k >= n) {
            rc = err_set(e, EX_SOFTWARE, "settle_resolve_many returned position %ld of %zu", k + 1, n);
            break;
        }
        if (PQgetvalue(r, i, 4)[0] == 't') {
            char m[1200];
            const char *hint = PQgetvalue(r, i, 3);
            snprintf(m, sizeof m, "%s%s%s", PQgetvalue(r, i, 2), *hint ? "\nHINT: " : "", hint);
            add_problem(pr, items[k].row, m);
        } else {
            counts[items[k].action]++;
        }
    }
    PQclear(r);
out:
    free(ids.p);
    free(hows.p);
    free(notes.p);
    free(pays.p);
    return rc;
}

/* Say whether the file had problems (printed, with the line that says
 * nothing was resolved): 0 when none, else the exit code. */
static int problems_found(const char *file, problems *pr, size_t n_rows)
{
    if (pr->oom) {
        log_msg(LOG_ERROR, "resolve", KV(KV_S("file", file)), "out of memory");
        return EX_SOFTWARE;
    }
    if (!pr->n)
        return 0;
    print_problems(file, pr);
    log_msg(LOG_ERROR, "resolve", KV(KV_S("file", file), KV_I("bad", (long long)pr->n), KV_I("rows", (long long)n_rows)),
            "%s: %zu problem%s: nothing was resolved\n"
            "HINT: correct those rows (or empty their acao) and run the same command again",
            file, pr->n, pr->n == 1 ? "" : "s");
    return EX_DATAERR;
}

/* The line on stdout and the log event of a file resolved: n exceptions by
 * action (counts), skipped rows without acao. */
static void report_resolved(const char *file, size_t n, long skipped, const long counts[4])
{
    printf("%s: %zu exception%s resolved by %s (paid %ld, refund %ld, ignore %ld); %ld row%s without acao skipped\n", file,
           n, n == 1 ? "" : "s", who(), counts[SHEET_ACT_PAID], counts[SHEET_ACT_REFUND], counts[SHEET_ACT_IGNORE], skipped,
           skipped == 1 ? "" : "s");
    log_msg(LOG_INFO, "resolve",
            KV(KV_S("file", file), KV_I("resolved", (long long)n), KV_I("paid", counts[SHEET_ACT_PAID]),
               KV_I("refund", counts[SHEET_ACT_REFUND]), KV_I("ignore", counts[SHEET_ACT_IGNORE]), KV_I("skipped", skipped),
               KV_S("by", who())),
            "exceptions resolved from a file");
}

/* `settle resolve --from FILE`: every row of finance's sheet resolved in
 * one transaction, or none (every problem printed); the exit code. */
static int resolve_from(const settle_ctx *ctx, const char *file, int accept)
{
    err_t e = { 0 };
    sheet_rows rows = { 0 };
    problems pr = { 0 };
    sheet_item *items = NULL;
    PGconn *db = NULL;
    int rc = 0, in_tx = 0;
    if (sheet_read_file(file, &rows, &e) < 0) {
        log_msg(LOG_ERROR, "resolve", KV(KV_S("file", file)), "%s", e.msg);
        rc = e.code;
        goto out;
    }
    items = calloc(rows.n ? rows.n : 1, sizeof *items);
    if (!items) {
        log_msg(LOG_ERROR, "resolve", KV(KV_S("file", file)), "out of memory");
        rc = EX_SOFTWARE;
        goto out;
    }
    size_t n = 0;
    long skipped = 0;
    sheet_validate(&rows, items, &n, &skipped, add_problem, &pr);

    /* The database checks the rows the file could not (unknown or resolved
     * exceptions, payments), even when some rows are already bad, so that
     * finance sees every problem in one run. */
    long counts[4] = { 0 };
    if (n) {
        db = db_connect(ctx->cfg, &e);
        if (!db) {
            print_problems(file, &pr);
            log_msg(LOG_ERROR, "resolve", NULL, "%s", e.msg);
            rc = e.code;
            goto out;
        }
        if ((rc = exec_fixed(db, "BEGIN", &e)) != 0)
            goto dberr;
        in_tx = 1;
        if ((rc = apply_items(db, items, n, accept, &pr, counts, &e)) != 0)
            goto dberr;
    }
    if ((rc = problems_found(file, &pr, rows.n)) != 0)
        goto out;
    if (in_tx) {
        if ((rc = exec_fixed(db, "COMMIT", &e)) != 0)
            goto dberr;
        in_tx = 0;
    }
    report_resolved(file, n, skipped, counts);
    goto out;
dberr:
    print_problems(file, &pr);
    log_msg(LOG_ERROR, "resolve", KV(KV_S("file", file)), "%s: nothing was resolved", e.msg);
out:
    if (db) {
        if (in_tx) {
            err_t ignore = { 0 };
            db_exec(db, "ROLLBACK", &ignore);
        }
        PQfinish(db);
    }
    free(items);
    free_problems(&pr);
    sheet_rows_free(&rows);
    return rc;
}

/* ---- --reopen, --history ------------------------------------------------------ */

static int reopen(PGconn *db, const char *id, const char *note, err_t *e)
{
    const char *p[] = { id, note, who() };
    PGresult *r = PQexecParams(db, sqlq_resolve_reopen, 3, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        int rc = call_error(db, r, "settle_reopen_exception", e);
        PQclear(r);
        return rc;
    }
    printf("exception #%s reopened by %s (undone: %s)\n", id, who(), PQgetvalue(r, 0, 0));
    log_msg(LOG_INFO, "resolve", KV(KV_S("exception", id), KV_S("undone", PQgetvalue(r, 0, 0)), KV_S("by", who())),
            "exception reopened");
    PQclear(r);
    return 0;
}

static int history(PGconn *db, const char *id, err_t *e)
{
    const char *p[] = { id };
    PGresult *r = PQexecParams(db, sqlq_resolve_history, 1, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        int rc = call_error(db, r, "exception_resolutions", e);
        PQclear(r);
        return rc;
    }
    if (PQntuples(r) == 0)
        printf("exception #%s: no resolution on record\n", id);
    for (int i = 0; i < PQntuples(r); i++) {
        printf("%s  %-6s by %s (login %s): %s", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
               PQgetvalue(r, i, 3), PQgetvalue(r, i, 4));
        if (*PQgetvalue(r, i, 8))
            printf(" [payment #%s%s%s%s]", PQgetvalue(r, i, 8), *PQgetvalue(r, i, 9) ? ", invoice request #" : "",
                   PQgetvalue(r, i, 9), PQgetvalue(r, i, 10)[0] == 't' ? " withdrawn" : "");
        if (*PQgetvalue(r, i, 5))
            printf("\n%s  reopened by %s: %s", PQgetvalue(r, i, 5), PQgetvalue(r, i, 6), PQgetvalue(r, i, 7));
        printf("\n");
    }
    PQclear(r);
    return 0;
}

static int valid_id(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s) && strlen(s) <= 18;
}

/* The options of `settle resolve`. */
typedef struct resolve_args {
    const char *as, *note, *payment, *from, *reopen_id, *history_id;
    int accept;
} resolve_args;

/* Read the options into *a and check the ones that go alone (--from,
 * --reopen, --history). 0, or the usage error's exit code. */
static int resolve_options(int argc, char **argv, resolve_args *a)
{
    static const struct option opts[] = {
        { "as", required_argument, NULL, 'a' },
        { "note", required_argument, NULL, 'n' },
        { "payment", required_argument, NULL, 'p' },
        { "accept-difference", no_argument, NULL, 'd' },
        { "from", required_argument, NULL, 'f' },
        { "reopen", required_argument, NULL, 'r' },
        { "history", required_argument, NULL, 'H' },
        { NULL, 0, NULL, 0 },
    };
    int opt;
    optind = 0; /* full re-initialisation: main parsed with "+" */
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == 'a')
            a->as = optarg;
        else if (opt == 'n')
            a->note = optarg;
        else if (opt == 'p')
            a->payment = optarg;
        else if (opt == 'd')
            a->accept = 1;
        else if (opt == 'f')
            a->from = optarg;
        else if (opt == 'r')
            a->reopen_id = optarg;
        else if (opt == 'H')
            a->history_id = optarg;
        else
            return job_usage_error("resolve", "unknown option");
    }
    if (!!a->from + !!a->reopen_id + !!a->history_id > 1)
        return job_usage_error("resolve", "--from, --reopen and --history go alone");
    if (a->from || a->reopen_id || a->history_id) {
        if (optind != argc)
            return job_usage_error("resolve", "no exception ID goes with --from, --reopen or --history");
        if (a->as || a->payment)
            return job_usage_error("resolve", "--as and --payment go with one exception ID");
        if (a->accept && !a->from)
            return job_usage_error("resolve", "--accept-difference goes with --as paid or --from");
    }
    if (a->from && a->note)
        return job_usage_error("resolve", "--note goes with one exception ID or --reopen (the file has a nota per row)");
    return 0;
}

/* The exception ID of --reopen, --history or the one argument, checked
 * with the options that go with it: 0 with *id set, or the usage error's
 * exit code. */
static int resolve_id(const resolve_args *a, int argc, char **argv, const char **id)
{
    if (a->reopen_id || a->history_id) {
        *id = a->reopen_id ? a->reopen_id : a->history_id;
        if (!valid_id(*id))
            return job_usage_error("resolve", "%s: expected an exception number, found '%s'",
                                   a->reopen_id ? "--reopen" : "--history", *id);
        if (a->reopen_id && (!a->note || !*a->note))
            return job_usage_error("resolve", "--note TEXT is required: say why the resolution was wrong");
        if (a->history_id && a->note)
            return job_usage_error("resolve", "--note goes with one exception ID or --reopen");
        return 0;
    }
    if (optind != argc - 1)
        return job_usage_error("resolve", "expected one exception ID, --from FILE, --reopen ID or --history ID");
    *id = argv[optind];
    const char *as = a->as;
    if (!valid_id(*id))
        return job_usage_error("resolve", "ID: expected an exception number, found '%s'", *id);
    if (!as || (strcmp(as, "paid") && strcmp(as, "refund") && strcmp(as, "ignore")))
        return job_usage_error("resolve", "--as: expected paid, refund or ignore, found '%s'", as ? as : "nothing");
    if (!a->note || !*a->note)
        return job_usage_error("resolve", "--note TEXT is required: say why");
    if (a->payment && !valid_id(a->payment))
        return job_usage_error("resolve", "--payment: expected a payment id, found '%s'", a->payment);
    if (a->payment && strcmp(as, "paid"))
        return job_usage_error("resolve", "--payment goes with --as paid");
    if (a->accept && strcmp(as, "paid"))
        return job_usage_error("resolve", "--accept-difference goes with --as paid");
    return 0;
}

int cmd_resolve(settle_ctx *ctx, int argc, char **argv)
{
    resolve_args a = { 0 };
    const char *id = NULL;
    int rc = resolve_options(argc, argv, &a);
    if (rc)
        return rc;
    if (a.from)
        return resolve_from(ctx, a.from, a.accept);
    if ((rc = resolve_id(&a, argc, argv, &id)) != 0)
        return rc;
    if (!id) /* never: resolve_id sets it when it returns 0; says so to the analyzer */
        return EX_SOFTWARE;

    err_t e = { 0 };
    PGconn *db = db_connect(ctx->cfg, &e);
    if (!db) {
        log_msg(LOG_ERROR, "resolve", NULL, "%s", e.msg);
        return e.code;
    }
    if (a.reopen_id)
        rc = reopen(db, id, a.note, &e);
    else if (a.history_id)
        rc = history(db, id, &e);
    else
        rc = resolve_one(db, id, a.as, a.note, a.payment, a.accept, &e);
    if (rc)
        log_msg(LOG_ERROR, "resolve", KV(KV_S("exception", id)), "%s", e.msg);
    PQfinish(db);
    return rc;
}
