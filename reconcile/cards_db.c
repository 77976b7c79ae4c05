/* cards_db.c - reconciling a card acquirer file (Cielo, Rede): the database
 * around the pure card rules (cards.c). One transaction per file, a fixed
 * number of statements whatever its size:
 *   1. lock the payments the file's sales may find (cards_lock);
 *   2. stream the records with their ledger state and candidates
 *      (cards_file), deciding each with cards_decide() and COPYing the
 *      decision into the temporary table card_dec;
 *   3. apply: outcomes, new receivables, paid payments + invoice requests,
 *      payouts, anticipation/negotiation/cancellation marks, exceptions,
 *      events, the file reconciled; COMMIT.
 * The SQL is in sql/queries/cards_*.sql. A card sale marks its payment paid
 * as every file and `settle resolve` do, through settle_mark_paid() (the one
 * database definition of "a payment becomes paid and queues its invoice
 * request": docs/internals.md, "Marking payments paid"), which
 * cards_apply_paid.sql calls with the file's 'paid' outcomes. */
#include "reconcile/cards_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/copybuf.h"
#include "common/db.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/testhook.h"

SQL_QUERY(cards_lock);
SQL_QUERY(cards_file);
SQL_QUERY(cards_decisions_table);
SQL_QUERY(cards_copy_decisions);
SQL_QUERY(cards_apply_outcomes);
SQL_QUERY(cards_apply_receivables);
SQL_QUERY(cards_apply_paid);
SQL_QUERY(cards_apply_payouts);
SQL_QUERY(cards_apply_marks);
SQL_QUERY(cards_apply_exceptions);
SQL_QUERY(cards_apply_events);
SQL_QUERY(cards_apply_done);
SQL_QUERY(cards_sweep_overdue);
SQL_QUERY(cards_sweep_missing);

int cards_params_from_config(const config *cfg, card_params *p, card_fee_rate **owned)
{
    memset(p, 0, sizeof *p);
    *owned = NULL;
    p->tolerance_cents = cfg->tolerance_cents;
    p->fee_tolerance_cents = cfg->card_fee_tolerance_cents;
    if (cfg->n_card_fees > 0) {
        card_fee_rate *r = calloc((size_t)cfg->n_card_fees, sizeof *r);
        if (!r)
            return -1;
        for (int i = 0; i < cfg->n_card_fees; i++) {
            const card_fee_cfg *f = &cfg->card_fees[i];
            r[i] = (card_fee_rate){ f->acquirer, f->brand, f->product, (int)f->installments_min,
                                    (int)f->installments_max, f->rate_bp };
        }
        p->rates = r;
        p->n_rates = (size_t)cfg->n_card_fees;
        *owned = r;
    }
    return 0;
}

/* ---- deciding --------------------------------------------------------- */

#define MAX_CAND 64

typedef struct card_ctx {
    const card_params *p;
    card_state st;
    copybuf out;               /* decisions, COPY into card_dec */
    /* the record being read: its rows arrive one per candidate */
    int64_t cur_id;
    card_rec rec;
    char sale_key[96], nsu_key[96], merchant[24], acquirer_key[72];
    int raw_installment;       /* as the record has it: 0 = cash sale (Cielo), whole sale (Rede) or whole group */
    card_candidate cand[MAX_CAND];
    size_t n_cand;
    long counts[4];
    long reasons[EXC_LAST + 1];  /* exceptions opened, by reason (FEE_MISMATCH beside another outcome too) */
    long paid;                 /* decided paid */
    int64_t paid_cents;        /* the gross of the sales decided paid */
} card_ctx;

static int64_t num(const PGresult *r, int col)
{
    return PQgetisnull(r, 0, col) ? 0 : strtoll(PQgetvalue(r, 0, col), NULL, 10);
}

static void opt_int(copybuf *b, int64_t v, int64_t none)
{
    if (v == none)
        copybuf_null(b);
    else
        copybuf_int(b, v);
}

/* Decide the record read so far and write its card_dec row. */
static int decide_current(card_ctx *c, err_t *e)
{
    card_decision d;
    if (cards_decide(&c->st, c->p, &c->rec, c->cand, c->n_cand, &d))
        return err_fail(e, EX_SOFTWARE, "out of memory deciding card record %lld", (long long)c->rec.id);
    copybuf *b = &c->out;
    copybuf_int(b, d.settlement_id);
    copybuf_text(b, rc_outcome_name(d.outcome));
    copybuf_text(b, d.outcome == OUT_EXCEPTION ? rc_reason_name(d.reason) : NULL);
    copybuf_text(b, d.fee_reason != EXC_NONE ? rc_reason_name(d.fee_reason) : NULL);
    copybuf_text(b, cards_rule_name(d.rule));
    opt_int(b, d.payment_id, 0);
    copybuf_text(b, cards_action_name(d.action));
    opt_int(b, d.receivable_id, 0);
    copybuf_int(b, d.receivable_payment);
    opt_int(b, d.contract_fee_cents, -1);
    copybuf_text(b, d.event[0] ? d.event : NULL);
    opt_int(b, d.expected_cents, -1);
    opt_int(b, d.paid_cents, -1);
    copybuf_text(b, d.detail[0] ? d.detail : NULL);
    copybuf_text(b, d.fee_detail[0] ? d.fee_detail : NULL);
    copybuf_text(b, c->rec.acquirer);
    copybuf_text(b, c->merchant);
    copybuf_text(b, c->sale_key);
    copybuf_text(b, c->nsu_key);
    copybuf_int(b, c->raw_installment);
    copybuf_int(b, c->rec.installments);
    copybuf_text(b, c->acquirer_key);
    copybuf_end_row(b);
    if (b->failed)
        return *e = b->err, -1;
    c->counts[d.outcome]++;
    if (d.outcome == OUT_EXCEPTION)
        c->reasons[d.reason]++;
    if (d.fee_reason != EXC_NONE)
        c->reasons[d.fee_reason]++;
    if (d.outcome == OUT_PAID) {
        c->paid++;
        c->paid_cents += d.paid_cents > 0 ? d.paid_cents : 0;
    }
    return 0;
}

/* One row of cards_file (columns in its SELECT order). */
static int file_row(card_ctx *c, const PGresult *r, err_t *e)
{
    int64_t id = num(r, 0);
    if (id != c->cur_id) {
        if (c->cur_id && decide_current(c, e))
            return -1;
        c->cur_id = id;
        c->n_cand = 0;
        card_rec *x = &c->rec;
        memset(x, 0, sizeof *x);
        x->id = id;
        const char *kind = PQgetvalue(r, 0, 1);
        x->kind = !strcmp(kind, "card_sale")         ? CARD_REC_SALE
                  : !strcmp(kind, "card_settlement") ? CARD_REC_PAYOUT
                                                     : CARD_REC_ADJUSTMENT;
        snprintf(x->acquirer, sizeof x->acquirer, "%s", PQgetvalue(r, 0, 2));
        snprintf(x->brand, sizeof x->brand, "%s", PQgetvalue(r, 0, 3));
        snprintf(x->adjustment, sizeof x->adjustment, "%s", PQgetvalue(r, 0, 4));
        x->debit = PQgetvalue(r, 0, 5)[0] == 't';
        snprintf(c->sale_key, sizeof c->sale_key, "%s", PQgetvalue(r, 0, 6));
        snprintf(c->nsu_key, sizeof c->nsu_key, "%s", PQgetvalue(r, 0, 7));
        snprintf(c->merchant, sizeof c->merchant, "%s", PQgetvalue(r, 0, 8));
        x->has_sale_key = c->sale_key[0] != '\0';
        /* an adjustment's installment 0 means the whole sale; elsewhere a cash sale */
        c->raw_installment = (int)num(r, 9);
        x->installment = x->kind == CARD_REC_ADJUSTMENT ? c->raw_installment : (int)num(r, 10);
        x->installments = (int)num(r, 11);
        x->gross_cents = num(r, 12);
        x->fee_cents = num(r, 13);
        x->net_cents = num(r, 14);
        x->first_id = num(r, 15);
        x->sale_gross_cents = num(r, 16);
        x->sale_payment = num(r, 17);
        x->sale_known = PQgetvalue(r, 0, 18)[0] == 't';
        snprintf(x->sale_pay_status, sizeof x->sale_pay_status, "%s", PQgetvalue(r, 0, 19));
        x->receivable_id = num(r, 20);
        snprintf(x->receivable_status, sizeof x->receivable_status, "%s", PQgetvalue(r, 0, 21));
        x->receivable_net_cents = num(r, 22);
        x->receivable_paid_by = num(r, 23);
        snprintf(c->acquirer_key, sizeof c->acquirer_key, "%s", PQgetvalue(r, 0, 30));
        x->has_group_key = c->acquirer_key[0] != '\0';
        x->paid = PQgetvalue(r, 0, 31)[0] == 't';
        x->items = (long)num(r, 32);
        x->items_net_cents = num(r, 33);
        x->heads = (long)num(r, 34);
        x->heads_paid = PQgetvalue(r, 0, 35)[0] == 't';
        x->group_open = (long)num(r, 36);
        x->group_open_net_cents = num(r, 37);
        x->group_paid = (long)num(r, 38);
        x->group_payment = num(r, 39);
        if (x->kind == CARD_REC_PAYOUT && !x->has_sale_key && x->has_group_key)
            x->installment = c->raw_installment;   /* 0: the whole group */
    }
    if (!PQgetisnull(r, 0, 24)) {
        if (c->n_cand == MAX_CAND)
            return err_fail(e, EX_DATAERR, "card record %lld: more than %d candidate payments", (long long)id, MAX_CAND);
        card_candidate *k = &c->cand[c->n_cand++];
        k->rule = (card_rule)num(r, 24);
        k->payment_id = num(r, 25);
        k->status = rc_pay_status_from_name(PQgetvalue(r, 0, 26));
        k->amount_cents = num(r, 27);
        k->installments = (int)num(r, 28);
        k->paid_by_settlement = num(r, 29);
    }
    return 0;
}

/* Stream cards_file for file fid, deciding as rows come. */
static int decide_file(PGconn *db, card_ctx *c, const char *fid, err_t *e)
{
    const char *params[] = { fid };
    if (!PQsendQueryParams(db, sqlq_cards_file, 1, NULL, params, NULL, NULL, 0) || !PQsetSingleRowMode(db))
        return db_error(db, NULL, e, "reading the card file's records"), -1;
    int rc = 0;
    PGresult *r;
    while ((r = PQgetResult(db))) {
        ExecStatusType s = PQresultStatus(r);
        if (s == PGRES_SINGLE_TUPLE) {
            if (!rc && file_row(c, r, e))
                rc = -1;
        } else if (s != PGRES_TUPLES_OK && !rc) {
            db_error(db, r, e, "reading the card file's records");
            rc = -1;
        }
        PQclear(r);
    }
    if (!rc && c->cur_id && decide_current(c, e))
        rc = -1;
    return rc;
}

/* Mark the payments of the file's 'paid' outcomes (written by
 * cards_apply_outcomes with paid_at = the capture time) paid with their
 * invoice requests: cards_apply_paid.sql, i.e. settle_mark_paid(). Returns
 * how many became paid, -1 with e set. */
static long long apply_paid(PGconn *db, const char *fid, err_t *e)
{
    const char *params[] = { fid };
    PGresult *r = db_query(db, e, sqlq_cards_apply_paid, 1, params);
    if (!r)
        return err_prefix(e, "card payments paid"), -1;
    long long n = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    return n;
}

static long long run(PGconn *db, const char *sql, const char *fid, const char *what, err_t *e)
{
    const char *params[] = { fid };
    PGresult *r = db_query(db, e, sql, 1, params);
    if (!r)
        return err_prefix(e, "%s", what), -1;
    long long n = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return n;
}

/* Decide every record of the file (decide_file) into the spill file f,
 * then COPY it into card_dec (the stream and a COPY cannot share the
 * connection). 0, -1 with e set. */
static int decide_and_copy(PGconn *db, card_ctx *c, FILE *f, const char *fid, err_t *e)
{
    int bad = decide_file(db, c, fid, e) || copybuf_flush(&c->out);
    if (bad && c->out.failed)
        *e = c->out.err;
    if (!bad) {
        PGresult *cr = PQexec(db, sqlq_cards_copy_decisions);
        bad = PQresultStatus(cr) != PGRES_COPY_IN;
        if (bad)
            db_error(db, cr, e, "starting COPY card_dec");
        PQclear(cr);
        if (!bad && (copybuf_send_file(db, f, e) || copybuf_end(db, NULL, e) < 0))
            bad = 1;
    }
    return bad ? -1 : 0;
}

/* The log line and the metrics of a card file reconciled (committed). */
static void report_file(const card_ctx *c, long long file_id, const char *name)
{
    log_msg(LOG_INFO, "reconcile",
            KV(KV_I("file_id", file_id), KV_S("file", name), KV_I("paid", c->counts[OUT_PAID]),
               KV_I("exceptions", c->counts[OUT_EXCEPTION]), KV_I("events", c->counts[OUT_EVENT]),
               KV_I("redeliveries", c->counts[OUT_REDELIVERY])),
            "reconciled card file");
    long exc = 0;
    for (int x = EXC_UNKNOWN_PAYMENT; x <= EXC_LAST; x++)
        exc += c->reasons[x];
    metrics_add(NULL, NULL, "FilesReconciled", 1);
    metrics_add(NULL, NULL, "Settled", c->counts[OUT_PAID]);
    metrics_add(NULL, NULL, "SettledAmount", c->paid_cents);
    metrics_add(NULL, NULL, "Events", c->counts[OUT_EVENT]);
    metrics_add(NULL, NULL, "Redeliveries", c->counts[OUT_REDELIVERY]);
    metrics_add(NULL, NULL, "Exceptions", exc);
    for (int x = EXC_UNKNOWN_PAYMENT; x <= EXC_LAST; x++)
        if (c->reasons[x])
            metrics_add("reason", rc_reason_name((rc_reason)x), "Exceptions", c->reasons[x]);
}

int cards_reconcile_file(PGconn *db, const card_params *p, long long file_id, const char *name, long counts[4],
                         err_t *e)
{
    char fid[24];
    snprintf(fid, sizeof fid, "%lld", file_id);
    card_ctx c = { .p = p };
    int rc = -1;
    /* Decisions go to a spill file, COPYed once the stream is read (the
     * stream and a COPY cannot share the connection). */
    FILE *f = tmpfile();
    if (!f)
        return err_fail(e, EX_SOFTWARE, "cannot make a temporary file");
    if (card_state_init(&c.st)) {
        fclose(f);
        return err_fail(e, EX_SOFTWARE, "out of memory");
    }
    if (copybuf_init(&c.out, NULL, f)) {
        card_state_free(&c.st);
        fclose(f);
        return err_fail(e, EX_SOFTWARE, "out of memory");
    }
    const char *fp[] = { fid };
    PGresult *r = db_query(db, e, sqlq_cards_lock, 1, fp);
    if (!r)
        goto done;
    PQclear(r);
    if (db_exec(db, sqlq_cards_decisions_table, e))
        goto done;
    testhook("reconcile:cards-locked");
    if (decide_and_copy(db, &c, f, fid, e) < 0)
        goto done;
    testhook("reconcile:cards-decided");
    if (run(db, sqlq_cards_apply_outcomes, fid, "card outcomes", e) < 0 ||
        run(db, sqlq_cards_apply_receivables, fid, "card receivables", e) < 0)
        goto done;
    long long paid = apply_paid(db, fid, e);
    if (paid < 0)
        goto done;
    if (paid != c.paid) {
        err_set(e, EX_SOFTWARE, "card file #%lld: %ld payments decided paid but %lld paid with an invoice request",
                file_id, c.paid, paid);
        goto done;
    }
    if (run(db, sqlq_cards_apply_payouts, fid, "card payouts", e) < 0 ||
        run(db, sqlq_cards_apply_marks, fid, "card receivable marks", e) < 0 ||
        run(db, sqlq_cards_apply_exceptions, fid, "card exceptions", e) < 0 ||
        run(db, sqlq_cards_apply_events, fid, "card events", e) < 0 ||
        run(db, sqlq_cards_apply_done, fid, "card file reconciled", e) < 0)
        goto done;
    testhook("reconcile:before-commit");
    if (db_exec(db, "COMMIT", e))
        goto done;
    for (int i = 0; i < 4; i++)
        counts[i] += c.counts[i];
    report_file(&c, file_id, name);
    rc = 0;
done:
    copybuf_free(&c.out);
    card_state_free(&c.st);
    fclose(f);
    return rc;
}

long cards_sweep(PGconn *db, const config *cfg, err_t *e)
{
    char overdue[24], missing[24];
    snprintf(overdue, sizeof overdue, "%lld", cfg->card_overdue_days);
    snprintf(missing, sizeof missing, "%lld", cfg->card_sale_missing_days);
    if (db_exec(db, "BEGIN", e))
        return -1;
    long long a = run(db, sqlq_cards_sweep_overdue, overdue, "card receivables overdue", e);
    long long b = a < 0 ? -1 : run(db, sqlq_cards_sweep_missing, missing, "card sales missing", e);
    if (b < 0 || db_exec(db, "COMMIT", e)) {
        PQclear(PQexec(db, "ROLLBACK"));
        return -1;
    }
    if (a || b) {
        log_msg(LOG_INFO, "reconcile", KV(KV_I("receivable_overdue", a), KV_I("card_sale_missing", b)),
                "card exceptions opened");
        metrics_add(NULL, NULL, "Exceptions", a + b);
        if (a)
            metrics_add("reason", "RECEIVABLE_OVERDUE", "Exceptions", a);
        if (b)
            metrics_add("reason", "CARD_SALE_MISSING", "Exceptions", b);
    }
    return (long)(a + b);
}
