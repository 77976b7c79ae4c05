/* reconcile.c - `settle reconcile`: match every unreconciled settlement.
 *
 * One transaction per file, a constant number of round trips whatever its
 * size:
 *   1. claim the oldest ingested file (FOR UPDATE SKIP LOCKED), so several
 *      processes share the work and a crash just releases the claim;
 *   2. stream the settlements that no exact key finds (usually none) and
 *      COPY their fallback keys (nosso número check-digit variants, order
 *      references from PCRE2 patterns) into the temp table rc_keys;
 *   3. one streamed query returning every settlement with its candidate
 *      payments, the payments locked FOR UPDATE in id order;
 *   4. rc_decide() (reconcile/decide.c, pure) per settlement; decisions go to
 *      a spill file, then COPY into settlement_outcomes;
 *   5. set-based apply: payments paid, invoice_requests, exceptions,
 *      payment_events, the file marked reconciled; COMMIT.
 * A kill at any point rolls the file's transaction back: re-running redoes it. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <getopt.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"
#include "common/metrics.h"
#include "jobs/copybuf.h"
#include "jobs/jobs.h"
#include "jobs/testhook.h"
#include "reconcile/decide.h"
#include "reconcile/nossonum.h"

const char usage_reconcile[] =
    "usage: settle reconcile [--max-files N]\n\n"
    "Match the settlements of every ingested file against the payments: a paid\n"
    "record marks its payment paid and queues one invoice request; everything\n"
    "else becomes a payment event or an exception for finance (settle resolve).\n"
    "One transaction per file; several processes may run at once.\n\n"
    "  --max-files N   stop after N files (default: all waiting)\n\n"
    "Rules, outcomes and exception reasons: docs/reconciliation.md.\n"
    "Exit: 0 done, 69 database unavailable, 70 internal error.\n";

typedef struct rc_job {
    PGconn *db;
    pcre2_code *boleto_re, *pix_re;
    pcre2_match_data *md;
    rc_params params;
} rc_job;

/* ---- streaming queries -------------------------------------------------- */

typedef int (*row_fn)(void *arg, const PGresult *r, err_t *e);

/* Run sql in single-row mode, calling fn for each row. 0, or -1 with e set. */
static int stream_query(PGconn *db, const char *sql, int n, const char *const *params, row_fn fn, void *arg,
                        err_t *e)
{
    if (!PQsendQueryParams(db, sql, n, NULL, params, NULL, NULL, 0) || !PQsetSingleRowMode(db))
        return db_error(db, NULL, e, "database error"), -1;
    int rc = 0;
    PGresult *r;
    while ((r = PQgetResult(db))) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE) {
            if (!rc && fn(arg, r, e))
                rc = -1;
        } else if (st != PGRES_TUPLES_OK && !rc) {
            db_error(db, r, e, "database error");
            rc = -1;
        }
        PQclear(r);
    }
    return rc;
}

/* ---- step 2: fallback keys ---------------------------------------------- */

typedef struct keys_ctx {
    rc_job *job;
    copybuf cb;
    long settlements;
} keys_ctx;

static void key_row(copybuf *cb, const char *sid, rc_rule rule, const char *bank, const char *key)
{
    copybuf_text(cb, sid);
    copybuf_int(cb, rule);
    copybuf_text(cb, bank);
    copybuf_text(cb, key);
    copybuf_end_row(cb);
}

/* Group 1 of re in subject into out (size n); 1 when found. */
static int extract_ref(rc_job *j, pcre2_code *re, const char *subject, char *out, size_t n)
{
    if (!re || !*subject)
        return 0;
    int rc = pcre2_match(re, (PCRE2_SPTR)subject, PCRE2_ZERO_TERMINATED, 0, 0, j->md, NULL);
    if (rc < 2)
        return 0;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(j->md);
    if (ov[2] == PCRE2_UNSET || ov[3] <= ov[2])
        return 0;
    size_t len = ov[3] - ov[2];
    if (len >= n)
        len = n - 1;
    memcpy(out, subject + ov[2], len);
    out[len] = '\0';
    return 1;
}

static int keys_row(void *arg, const PGresult *r, err_t *e)
{
    keys_ctx *k = arg;
    const char *sid = PQgetvalue(r, 0, 0), *kind = PQgetvalue(r, 0, 1), *bank = PQgetvalue(r, 0, 2),
               *nn = PQgetvalue(r, 0, 3), *seu = PQgetvalue(r, 0, 4), *msg = PQgetvalue(r, 0, 5);
    char ref[128];
    k->settlements++;
    if (!strcmp(kind, "boleto")) {
        char keys[NN_MAX_KEYS][NN_KEY_LEN];
        int n = nn_dv_keys(bank, nn, keys);
        for (int i = 0; i < n; i++)
            key_row(&k->cb, sid, RULE_NN_DV, bank, keys[i]);
        if (extract_ref(k->job, k->job->boleto_re, seu, ref, sizeof ref))
            key_row(&k->cb, sid, RULE_SEU_REF, "", ref);
    } else if (!strcmp(kind, "pix")) {
        if (extract_ref(k->job, k->job->pix_re, msg, ref, sizeof ref))
            key_row(&k->cb, sid, RULE_PIX_REF, "", ref);
    }
    if (k->cb.failed) {
        *e = k->cb.err;
        return -1;
    }
    return 0;
}

/* ---- step 3/4: candidates and decisions ---------------------------------- */

#define MAX_CAND 64

typedef struct decide_ctx {
    rc_job *job;
    rc_state st;
    rc_settlement s;
    char paid_at[40];      /* s's money timestamp as the server printed it */
    int have;              /* s holds a settlement being collected */
    rc_candidate c[MAX_CAND];
    size_t nc;
    size_t dropped;        /* candidates beyond MAX_CAND (still ambiguous) */
    copybuf out;           /* to the spill file */
    const char *file_id;
    long counts[4];
    long reasons[EXC_CHEQUE_RETURNED + 1];
    int64_t settled_cents;     /* money of the OUT_PAID decisions */
} decide_ctx;

static int64_t num(const PGresult *r, int col)
{
    return PQgetisnull(r, 0, col) ? 0 : strtoll(PQgetvalue(r, 0, col), NULL, 10);
}

static void opt_int(copybuf *b, int64_t v)
{
    if (v < 0)
        copybuf_null(b);
    else
        copybuf_int(b, v);
}

static int flush_settlement(decide_ctx *d, err_t *e)
{
    if (!d->have)
        return 0;
    rc_decision x;
    if (rc_decide(&d->st, &d->job->params, &d->s, d->c, d->nc, &x))
        return err_set(e, EX_SOFTWARE, "out of memory deciding settlement %lld", (long long)d->s.id), -1;
    copybuf *b = &d->out;
    copybuf_int(b, x.settlement_id);
    copybuf_text(b, d->file_id);
    copybuf_text(b, rc_outcome_name(x.outcome));
    copybuf_text(b, rc_rule_name(x.rule));
    if (x.payment_id)
        copybuf_int(b, x.payment_id);
    else
        copybuf_null(b);
    copybuf_text(b, rc_reason_name(x.reason));
    copybuf_text(b, x.outcome == OUT_EVENT || x.event[0] ? x.event : NULL);
    opt_int(b, x.expected_cents);
    opt_int(b, x.paid_cents);
    opt_int(b, x.interest_cents);
    opt_int(b, x.discount_cents);
    copybuf_text(b, x.detail[0] ? x.detail : NULL);
    copybuf_text(b, x.outcome == OUT_PAID && d->paid_at[0] ? d->paid_at : NULL);
    copybuf_end_row(b);
    if (b->failed) {
        *e = b->err;
        return -1;
    }
    d->counts[x.outcome]++;
    d->reasons[x.reason]++;
    if (x.outcome == OUT_PAID && x.paid_cents > 0)
        d->settled_cents += x.paid_cents;
    d->have = 0;
    d->nc = 0;
    return 0;
}

static int decide_row(void *arg, const PGresult *r, err_t *e)
{
    decide_ctx *d = arg;
    int64_t sid = num(r, 0);
    if (d->have && sid != d->s.id && flush_settlement(d, e))
        return -1;
    if (!d->have) {
        rc_settlement *s = &d->s;
        memset(s, 0, sizeof *s);
        s->id = sid;
        s->kind = rc_kind_from_name(PQgetvalue(r, 0, 1));
        snprintf(s->format, sizeof s->format, "%s", PQgetvalue(r, 0, 2));
        snprintf(s->bank, sizeof s->bank, "%s", PQgetvalue(r, 0, 3));
        snprintf(s->movement_code, sizeof s->movement_code, "%s", PQgetvalue(r, 0, 4));
        s->paid = PQgetvalue(r, 0, 5)[0] == 't';
        s->amount_paid_cents = num(r, 6);
        s->interest_cents = num(r, 7);
        s->discount_cents = num(r, 8);
        s->rebate_cents = num(r, 9);
        s->prior_settlement = num(r, 10);
        s->prior_payment = num(r, 11);
        snprintf(d->paid_at, sizeof d->paid_at, "%s", PQgetvalue(r, 0, 17));
        d->have = 1;
    }
    if (!PQgetisnull(r, 0, 13)) {
        if (d->nc < MAX_CAND) {
            rc_candidate *c = &d->c[d->nc++];
            c->rule = (rc_rule)num(r, 12);
            c->payment_id = num(r, 13);
            c->status = rc_pay_status_from_name(PQgetvalue(r, 0, 14));
            c->amount_cents = num(r, 15);
            c->paid_by_settlement = num(r, 16);
        } else {
            d->dropped++;
        }
    }
    return 0;
}

/* ---- one file ------------------------------------------------------------ */

static const char keys_sql[] =
    "SELECT s.id, s.kind, coalesce(s.bank_code, ''), coalesce(s.nosso_numero, ''),"
    "       coalesce(s.seu_numero, ''), coalesce(s.message, '')"
    "  FROM settlements s"
    " WHERE s.file_id = $1 AND s.kind <> 'pix_refund'"
    "   AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.method = 'boleto' AND s.kind = 'boleto'"
    "                      AND p.bank_code = s.bank_code AND ltrim(p.nosso_numero, '0') = ltrim(s.nosso_numero, '0')"
    "                      AND ltrim(s.nosso_numero, '0') <> '')"
    "   AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.txid = s.txid AND s.txid <> '')"
    " ORDER BY s.id";

#define STR_(x) #x
#define STR(x) STR_(x)
static const char candidates_sql[] =
    "WITH s AS MATERIALIZED ("
    "  SELECT id, kind, format, coalesce(bank_code, '') AS bank_code, coalesce(movement_code, '') AS movement_code,"
    "         paid, amount_paid_cents, interest_cents, discount_cents, rebate_cents,"
    "         ltrim(nosso_numero, '0') AS nn, txid, end_to_end_id,"
    "         coalesce(settled_at, credited_on::timestamptz, occurred_on::timestamptz) AS paid_at"
    "    FROM settlements WHERE file_id = $1),"
    " c AS ("
    "  SELECT s.id AS sid, " STR(1) " AS rule, p.id AS pid FROM s JOIN payments p"
    "      ON p.method = 'boleto' AND p.bank_code = s.bank_code AND ltrim(p.nosso_numero, '0') = s.nn"
    "   WHERE s.kind = 'boleto' AND s.nn <> ''"
    "  UNION ALL"
    "  SELECT s.id, " STR(2) ", p.id FROM s JOIN payments p ON p.txid = s.txid"
    "   WHERE s.txid <> '' AND s.kind <> 'pix_refund'"
    "  UNION ALL"
    "  SELECT k.sid, k.rule, p.id FROM rc_keys k JOIN payments p"
    "      ON p.method = 'boleto' AND p.bank_code = k.bank AND ltrim(p.nosso_numero, '0') = k.key"
    "   WHERE k.rule = " STR(3)
    "  UNION ALL"
    "  SELECT k.sid, k.rule, p.id FROM rc_keys k JOIN payments p ON p.order_id = k.key"
    "   WHERE k.rule IN (" STR(5) ", " STR(6) ")),"
    " l AS (SELECT p.id, p.status, p.amount_cents, p.paid_by_settlement FROM payments p"
    "        WHERE p.id IN (SELECT pid FROM c) ORDER BY p.id FOR UPDATE),"
    " e AS (SELECT s.id AS sid, min(x.id) AS prior, min(o.payment_id) AS prior_payment"
    "         FROM s JOIN settlements x ON x.end_to_end_id = s.end_to_end_id AND x.id <> s.id"
    "         JOIN settlement_outcomes o ON o.settlement_id = x.id"
    "        WHERE s.kind IN ('pix', 'pix_refund') AND s.end_to_end_id <> ''"
    "        GROUP BY s.id)"
    " SELECT s.id, s.kind, s.format, s.bank_code, s.movement_code, s.paid, s.amount_paid_cents,"
    "        s.interest_cents, s.discount_cents, s.rebate_cents, e.prior, e.prior_payment,"
    "        c.rule, l.id, l.status, l.amount_cents, l.paid_by_settlement, s.paid_at"
    "   FROM s LEFT JOIN e ON e.sid = s.id LEFT JOIN c ON c.sid = s.id LEFT JOIN l ON l.id = c.pid"
    "  ORDER BY s.id, c.rule, l.id";

/* The rule numbers written into the SQL above must be the enum's. */
_Static_assert(RULE_NN_EXACT == 1 && RULE_TXID == 2 && RULE_NN_DV == 3 && RULE_E2E == 4 && RULE_SEU_REF == 5 &&
                   RULE_PIX_REF == 6,
               "candidates_sql hard-codes the rule numbers");

static const char apply_sql_fmt[] =
    "UPDATE payments p SET status = 'paid', paid_at = coalesce(o.paid_at, now()),"
    "       paid_cents = o.paid_cents, paid_by_settlement = o.settlement_id,"
    "       interest_cents = o.interest_cents, discount_cents = o.discount_cents"
    "  FROM settlement_outcomes o"
    " WHERE o.file_id = %1$lld AND o.outcome = 'paid' AND p.id = o.payment_id AND p.status = 'pending';"
    "INSERT INTO invoice_requests (payment_id, settlement_id)"
    " SELECT payment_id, settlement_id FROM settlement_outcomes"
    "  WHERE file_id = %1$lld AND outcome = 'paid' ORDER BY settlement_id;"
    "INSERT INTO exceptions (reason, settlement_id, payment_id, expected_cents, paid_cents, file_id, line, detail)"
    " SELECT o.reason, o.settlement_id, o.payment_id, o.expected_cents, o.paid_cents, s.file_id, s.line, o.detail"
    "   FROM settlement_outcomes o JOIN settlements s ON s.id = o.settlement_id"
    "  WHERE o.file_id = %1$lld AND o.outcome = 'exception' ORDER BY s.id;"
    "INSERT INTO payment_events (payment_id, settlement_id, event, movement_code, occurred_on)"
    " SELECT o.payment_id, o.settlement_id, o.event, s.movement_code, s.occurred_on"
    "   FROM settlement_outcomes o JOIN settlements s ON s.id = o.settlement_id"
    "  WHERE o.file_id = %1$lld AND o.outcome = 'event' ORDER BY s.id;"
    "UPDATE return_files SET status = 'reconciled', reconciled_at = now() WHERE id = %1$lld";

static int fail(PGconn *db, err_t *e)
{
    PQclear(PQexec(db, "ROLLBACK"));
    return e->code ? e->code : EX_SOFTWARE;
}

/* Reconcile one claimed file inside the open transaction. */
static int reconcile_file(rc_job *j, long long file_id, const char *name, err_t *e)
{
    PGconn *db = j->db;
    char fid[24];
    snprintf(fid, sizeof fid, "%lld", file_id);
    const char *params[] = { fid };

    /* 2. fallback keys */
    if (db_exec(db,
                "CREATE TEMP TABLE IF NOT EXISTS rc_keys (sid bigint, rule int, bank text, key text)"
                " ON COMMIT DELETE ROWS; TRUNCATE rc_keys",
                e))
        return -1;
    keys_ctx k = { .job = j };
    FILE *kspill = tmpfile();
    if (!kspill || copybuf_init(&k.cb, NULL, kspill)) {
        if (kspill)
            fclose(kspill);
        return err_set(e, EX_SOFTWARE, "cannot make a temporary file"), -1;
    }
    int rc = stream_query(db, keys_sql, 1, params, keys_row, &k, e);
    if (!rc && copybuf_flush(&k.cb))
        *e = k.cb.err, rc = -1;
    if (!rc && k.cb.rows) {
        PGresult *r = PQexec(db, "COPY rc_keys (sid, rule, bank, key) FROM STDIN");
        if (PQresultStatus(r) != PGRES_COPY_IN)
            db_error(db, r, e, "COPY rc_keys"), rc = -1;
        PQclear(r);
        if (!rc && (copybuf_send_file(db, kspill, e) || copybuf_end(db, NULL, e) < 0))
            rc = -1;
        if (!rc && db_exec(db, "ANALYZE rc_keys", e))
            rc = -1;
    }
    long nkeys = k.cb.rows;
    copybuf_free(&k.cb);
    fclose(kspill);
    if (rc)
        return -1;
    testhook("reconcile:keys");

    /* 3/4. candidates (locked) and decisions */
    decide_ctx d = { .job = j, .file_id = fid };
    FILE *spill = tmpfile();
    if (!spill)
        return err_set(e, EX_SOFTWARE, "cannot make a temporary file: %s", strerror(errno)), -1;
    if (rc_state_init(&d.st) || copybuf_init(&d.out, NULL, spill)) {
        fclose(spill);
        rc_state_free(&d.st);
        return err_set(e, EX_SOFTWARE, "out of memory starting the decisions of file %s", fid), -1;
    }
    rc = stream_query(db, candidates_sql, 1, params, decide_row, &d, e);
    if (!rc && flush_settlement(&d, e))
        rc = -1;
    if (!rc && copybuf_flush(&d.out))
        *e = d.out.err, rc = -1;
    rc_state_free(&d.st);
    copybuf_free(&d.out);
    if (!rc) {
        testhook("reconcile:decided");
        PGresult *r = PQexec(db,
                             "COPY settlement_outcomes (settlement_id, file_id, outcome, rule, payment_id, reason,"
                             " event, expected_cents, paid_cents, interest_cents, discount_cents, detail, paid_at) FROM STDIN");
        if (PQresultStatus(r) != PGRES_COPY_IN)
            db_error(db, r, e, "COPY settlement_outcomes"), rc = -1;
        PQclear(r);
        if (!rc && (copybuf_send_file(db, spill, e) || copybuf_end(db, NULL, e) < 0))
            rc = -1;
    }
    fclose(spill);
    if (rc)
        return -1;
    if (d.dropped)
        log_msg(LOG_WARN, "reconcile", KV(KV_I("file_id", file_id), KV_I("candidates", (long long)d.dropped)),
                "more than %d candidates for one settlement; extra ones not listed", MAX_CAND);

    /* 5. apply */
    char sql[sizeof apply_sql_fmt + 128];
    snprintf(sql, sizeof sql, apply_sql_fmt, file_id);
    if (!PQsendQuery(db, sql))
        return db_error(db, NULL, e, "database error"), -1;
    long long n[5] = { 0 };
    int i = 0;
    PGresult *r;
    while ((r = PQgetResult(db))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            if (!rc)
                db_error(db, r, e, "applying decisions");
            rc = -1;
        } else if (i < 5) {
            n[i++] = atoll(PQcmdTuples(r));
        }
        PQclear(r);
    }
    if (rc)
        return -1;
    if (n[0] != d.counts[OUT_PAID] || n[1] != d.counts[OUT_PAID])
        return err_set(e, EX_SOFTWARE,
                       "file #%lld: %ld payments decided paid but %lld updated and %lld invoice requests made",
                       file_id, d.counts[OUT_PAID], n[0], n[1]),
               -1;
    testhook("reconcile:before-commit");
    if (db_exec(db, "COMMIT", e))
        return -1;
    long exc = d.counts[OUT_EXCEPTION];
    log_msg(LOG_INFO, "reconcile",
            KV(KV_I("file_id", file_id), KV_S("file", name), KV_I("paid", d.counts[OUT_PAID]), KV_I("exceptions", exc),
               KV_I("events", d.counts[OUT_EVENT]), KV_I("redeliveries", d.counts[OUT_REDELIVERY]),
               KV_I("fallback_keys", nkeys)),
            "reconciled file");
    metrics_add(NULL, NULL, "FilesReconciled", 1);
    metrics_add(NULL, NULL, "Settled", d.counts[OUT_PAID]);
    metrics_add(NULL, NULL, "SettledAmount", d.settled_cents);
    metrics_add(NULL, NULL, "Events", d.counts[OUT_EVENT]);
    metrics_add(NULL, NULL, "Redeliveries", d.counts[OUT_REDELIVERY]);
    metrics_add(NULL, NULL, "Exceptions", exc);
    for (int x = EXC_UNKNOWN_PAYMENT; x <= EXC_CHEQUE_RETURNED; x++)
        if (d.reasons[x])
            metrics_add("reason", rc_reason_name((rc_reason)x), "Exceptions", d.reasons[x]);
    for (int x = EXC_UNKNOWN_PAYMENT; x <= EXC_CHEQUE_RETURNED; x++)
        if (d.reasons[x])
            log_msg(LOG_INFO, "reconcile", KV(KV_I("file_id", file_id), KV_S("reason", rc_reason_name((rc_reason)x)),
                                              KV_I("count", d.reasons[x])),
                    "exceptions opened");
    return 0;
}

static pcre2_code *compile(const char *pattern)
{
    int err;
    PCRE2_SIZE off;
    if (!pattern || !*pattern)
        return NULL;
    return pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err, &off, NULL);
}

int cmd_reconcile(settle_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "max-files", required_argument, NULL, 'm' },
        { NULL, 0, NULL, 0 },
    };
    long max_files = -1;
    int opt;
    optind = 0; /* full re-initialisation: main parsed with "+" */
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == 'm') {
            char *end;
            max_files = strtol(optarg, &end, 10);
            if (*end || max_files < 1)
                return job_usage_error("reconcile", "--max-files: expected a positive number, found '%s'", optarg);
        } else {
            return job_usage_error("reconcile", "unknown option");
        }
    }
    if (optind < argc)
        return job_usage_error("reconcile", "unexpected argument '%s'", argv[optind]);

    err_t e = { 0 };
    rc_job j = { .params = { .tolerance_cents = ctx->cfg->tolerance_cents } };
    j.boleto_re = compile(ctx->cfg->boleto_reference_pattern);
    j.pix_re = compile(ctx->cfg->pix_reference_pattern);
    j.md = pcre2_match_data_create(16, NULL);
    int rc = 0;
    long files = 0;
    j.db = db_connect(ctx->cfg, &e);
    if (!j.db) {
        rc = e.code;
        log_msg(LOG_ERROR, "reconcile", NULL, "%s", e.msg);
        goto out;
    }
    while (max_files < 0 || files < max_files) {
        PGresult *r;
        if (db_exec(j.db, "BEGIN", &e) ||
            !(r = db_query(j.db, &e,
                           "SELECT id, name FROM return_files WHERE status = 'ingested'"
                           " ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                           0, NULL))) {
            rc = fail(j.db, &e);
            log_msg(LOG_ERROR, "reconcile", NULL, "%s", e.msg);
            break;
        }
        if (!PQntuples(r)) {
            PQclear(r);
            db_exec(j.db, "COMMIT", &e);
            break;
        }
        long long id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        char name[256];
        snprintf(name, sizeof name, "%s", PQgetvalue(r, 0, 1));
        PQclear(r);
        testhook("reconcile:claimed");
        if (reconcile_file(&j, id, name, &e)) {
            rc = fail(j.db, &e);
            log_msg(LOG_ERROR, "reconcile", KV(KV_I("file_id", id), KV_S("file", name)), "%s", e.msg);
            break;
        }
        files++;
    }
    if (!rc)
        log_msg(LOG_INFO, "reconcile", KV(KV_I("files", files)), "done");
out:
    if (j.db)
        PQfinish(j.db);
    pcre2_match_data_free(j.md);
    pcre2_code_free(j.boleto_re);
    pcre2_code_free(j.pix_re);
    return rc;
}
