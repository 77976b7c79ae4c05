/* engine.c - the reconcile stage (`settle reconcile`, the run's third step):
 * match every unreconciled settlement.
 *
 * One transaction per file, a constant number of round trips whatever its
 * size:
 *   1. claim the oldest ingested file (FOR UPDATE SKIP LOCKED), so several
 *      processes share the work and a crash just releases the claim;
 *   2. one query streams the file's settlements in line order, each with
 *      the payments the exact rules find (nosso número, txid), on a second,
 *      read-only connection that imports the file transaction's snapshot;
 *   3. each settlement with candidates is decided at once by rc_decide()
 *      (reconcile/decide.c, pure); for the others the fallback keys (nosso
 *      número check-digit variants, order references from PCRE2 patterns) go
 *      to a spill file, then one COPY into rc_keys and one locking query
 *      give their candidates;
 *   4. the decisions, spilled to a temporary file, are COPYed into
 *      settlement_outcomes and their 'paid' ones paid through
 *      settle_mark_paid(), range by range while step 2 still streams (the
 *      pipelined apply, below), the rest once all are decided;
 *   5. set-based apply of the rest: exceptions, payment_events, the file
 *      marked reconciled; COMMIT.
 * Optimistic first: step 2 does not lock the payments (locking 480,000 rows
 * cost more than a second of the benchmark), so the apply pays a payment
 * only if it is still pending at the amount decided on. If any payment
 * decided paid changed meanwhile (another process paid or cancelled it),
 * the counts differ: the file is rolled back and decided again, this time
 * with its exact candidates locked FOR UPDATE before they are read, so the
 * second pass cannot be overtaken. Decisions that leave a payment unchanged
 * (exceptions, events) read it as of their query, as if this file had been
 * reconciled just before the other change.
 * A kill at any point rolls the file's transaction back (the reader's holds
 * nothing): re-running redoes it. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/copybuf.h"
#include "common/db.h"
#include "common/envlimit.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/progress.h"
#include "common/testhook.h"
#include "reconcile/cards_db.h"
#include "reconcile/db.h"
#include "reconcile/decide.h"
#include "reconcile/engine.h"
#include "reconcile/nossonum.h"


#define RC_APPLY_ROWS 16384

typedef struct rc_job {
    PGconn *db;
    PGconn *reader;             /* streams the candidates (pipelined apply);
                                 * opened by the first bank or Pix file */
    const config *cfg;          /* for the reader's connection */
    long apply_rows;            /* decisions worth an apply of their own */
    pcre2_code *boleto_re, *pix_re;
    pcre2_match_data *md;
    rc_params params;
    progress_task progress;     /* settlements of the file being decided */
} rc_job;

/* ---- candidates: every (settlement, rule, payment) found, locked ---------- */

typedef struct cand_row {
    int64_t sid;
    rc_candidate c;
} cand_row;

typedef struct cand_set {
    cand_row *v;
    size_t n, cap;
} cand_set;

static int64_t num(const PGresult *r, int col)
{
    return PQgetisnull(r, 0, col) ? 0 : strtoll(PQgetvalue(r, 0, col), NULL, 10);
}

/* A new slot at the end of cs; NULL (with e set) when out of memory. */
static cand_row *cand_push(cand_set *cs, err_t *e)
{
    if (cs->n == cs->cap) {
        size_t cap = cs->cap ? cs->cap * 2 : 64;
        cand_row *g = realloc(cs->v, cap * sizeof *g);
        if (!g)
            return err_set(e, EX_SOFTWARE, "out of memory reading candidate payments"), NULL;
        cs->v = g;
        cs->cap = cap;
    }
    return &cs->v[cs->n++];
}

/* Candidate columns sid, rule, id, status, amount_cents, paid_by_settlement
 * from column `at` of r into x. */
static void cand_read(cand_row *x, int64_t sid, const PGresult *r, int at)
{
    x->sid = sid;
    x->c.rule = (rc_rule)num(r, at);
    x->c.payment_id = num(r, at + 1);
    x->c.status = rc_pay_status_from_name(PQgetvalue(r, 0, at + 2));
    x->c.amount_cents = num(r, at + 3);
    x->c.paid_by_settlement = num(r, at + 4);
    x->c.by_format[0] = x->c.by_bank[0] = x->c.by_code[0] = x->c.by_nn[0] = '\0';
    x->c.by_amount_cents = 0;
    x->c.by_kind[0] = x->c.by_txid[0] = x->c.by_date[0] = '\0';
    if (!PQgetisnull(r, 0, at + 5)) {
        /* format|bank|code|nn|amount|kind|txid|date (every NULL coalesced
         * to '', so the positions hold; none of the values holds a '|':
         * codes, digits, a txid [a-zA-Z0-9], a date) */
        const char *v = PQgetvalue(r, 0, at + 5);
        char amount[24] = "";
        char *dst[] = { x->c.by_format, x->c.by_bank, x->c.by_code, x->c.by_nn,
                        amount,         x->c.by_kind, x->c.by_txid, x->c.by_date };
        size_t cap[] = { sizeof x->c.by_format, sizeof x->c.by_bank, sizeof x->c.by_code, sizeof x->c.by_nn,
                         sizeof amount,         sizeof x->c.by_kind, sizeof x->c.by_txid, sizeof x->c.by_date };
        for (int k = 0; k < 8; k++) {
            size_t len = strcspn(v, "|");
            snprintf(dst[k], cap[k], "%.*s", (int)len, v);
            v += len;
            if (*v == '|')
                v++;
        }
        x->c.by_amount_cents = strtoll(amount, NULL, 10);
    }
}

/* A row of sql/queries/reconcile_fallback.sql: sid, then the candidate columns. */
static int cand_row_fn(void *arg, const PGresult *r, err_t *e)
{
    cand_row *x = cand_push(arg, e);
    if (!x)
        return -1;
    cand_read(x, num(r, 0), r, 1);
    return 0;
}

static int cmp_cand(const void *a, const void *b)
{
    const cand_row *x = a, *y = b;
    if (x->sid != y->sid)
        return x->sid < y->sid ? -1 : 1;
    if (x->c.rule != y->c.rule)
        return x->c.rule < y->c.rule ? -1 : 1;
    return x->c.payment_id < y->c.payment_id ? -1 : x->c.payment_id > y->c.payment_id;
}

/* ---- deciding ------------------------------------------------------------ */

typedef struct pending_one {
    rc_settlement s;
    char paid_at[40];
} pending_one;

/* A copy of a text column that outlives its PGresult. */
typedef struct kept_str {
    char *s;
    size_t cap;
} kept_str;

static int keep(kept_str *k, const char *v)
{
    size_t n = strlen(v) + 1;
    if (n > k->cap) {
        size_t cap = n < 256 ? 256 : n;
        char *g = realloc(k->s, cap);
        if (!g)
            return -1;
        k->s = g;
        k->cap = cap;
    }
    memcpy(k->s, v, n);
    return 0;
}

typedef struct decide_ctx {
    rc_job *job;
    rc_state st;
    /* the settlement being read (id last_id): its rows arrive one per exact
     * candidate */
    pending_one cur;
    kept_str nn, seu, msg;     /* its nosso número, seu número, message */
    cand_set cand;             /* its exact candidates */
    copybuf out;               /* decisions, to the spill file */
    copybuf keys;              /* fallback keys, to their spill file */
    pending_one *wait;         /* settlements waiting for fallback candidates */
    size_t n_wait, cap_wait;
    long counts[4];
    long reasons[EXC_LAST + 1];
    int64_t settled_cents;     /* money of the OUT_PAID decisions */
    int64_t first_id, last_id; /* the file's settlement ids (0, 0 when none): the
                                  apply reads their outcomes by primary key */
    /* the pipelined apply: decisions of settlements below lo are COPYed
     * and paid (or being paid, busy); out.rows - sent_rows wait in the
     * spill file */
    const rcdb_file *f;
    int64_t lo;
    long sent_rows;
    int busy;
    unsigned polls;
    long long applied;         /* payments paid by the applies so far */
    long applies;              /* settle_mark_paid() calls */
    char *listed;              /* bigint[] literal: the waiting settlements below lo */
} decide_ctx;

static void opt_int(copybuf *b, int64_t v)
{
    if (v < 0)
        copybuf_null(b);
    else
        copybuf_int(b, v);
}

/* Decide s with its candidates and write the decision row. */
static int decide(decide_ctx *d, const rc_settlement *s, const char *paid_at, const cand_row *rows, size_t n, err_t *e)
{
    rc_candidate c[64];
    size_t nc = 0;
    for (size_t i = 0; i < n && nc < 64; i++)
        c[nc++] = rows[i].c;
    rc_decision x;
    if (rc_decide(&d->st, &d->job->params, s, c, nc, &x))
        return err_fail(e, EX_SOFTWARE, "out of memory deciding settlement %lld", (long long)s->id);
    copybuf *b = &d->out;
    copybuf_int(b, x.settlement_id);
    copybuf_text(b, d->f->fid);
    copybuf_text(b, rc_outcome_name(x.outcome));
    copybuf_text(b, rc_rule_name(x.rule));
    if (x.payment_id)
        copybuf_int(b, x.payment_id);
    else
        copybuf_null(b);
    copybuf_text(b, rc_reason_name(x.reason));
    copybuf_text(b, x.event[0] ? x.event : NULL);
    opt_int(b, x.expected_cents);
    opt_int(b, x.paid_cents);
    opt_int(b, x.interest_cents);
    opt_int(b, x.discount_cents);
    copybuf_text(b, x.detail[0] ? x.detail : NULL);
    copybuf_text(b, x.outcome == OUT_PAID && paid_at[0] ? paid_at : NULL);
    copybuf_end_row(b);
    if (b->failed) {
        *e = b->err;
        return -1;
    }
    d->counts[x.outcome]++;
    d->reasons[x.reason]++;
    if (x.outcome == OUT_PAID && x.paid_cents > 0)
        d->settled_cents += x.paid_cents;
    return 0;
}

static void key_row(copybuf *cb, int64_t sid, rc_rule rule, const char *bank, const char *key)
{
    copybuf_int(cb, sid);
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

/* The fallback keys of a settlement no exact rule found (0 when none). */
static int fallback_keys(decide_ctx *d, const rc_settlement *s, const char *nn, const char *seu, const char *msg)
{
    char ref[128];
    int n = 0;
    if (s->kind == RC_KIND_BOLETO) {
        char keys[NN_MAX_KEYS][NN_KEY_LEN];
        int k = nn_dv_keys(s->bank, nn, keys);
        for (int i = 0; i < k; i++, n++)
            key_row(&d->keys, s->id, RULE_NN_DV, s->bank, keys[i]);
        if (extract_ref(d->job, d->job->boleto_re, seu, ref, sizeof ref))
            key_row(&d->keys, s->id, RULE_SEU_REF, "", ref), n++;
    } else if (s->kind == RC_KIND_PIX && !s->prior_settlement) {
        if (extract_ref(d->job, d->job->pix_re, msg, ref, sizeof ref))
            key_row(&d->keys, s->id, RULE_PIX_REF, "", ref), n++;
    }
    return n;
}

/* All rows of d->cur are in: decide it now with its exact candidates, or
 * queue it for the fallback keys when it has none. */
static int settle_current(decide_ctx *d, err_t *e)
{
    const rc_settlement *s = &d->cur.s;
    if (d->cand.n > 1) /* a stable order for rc_decide's detail text */
        qsort(d->cand.v, d->cand.n, sizeof *d->cand.v, cmp_cand);
    if (d->cand.n || s->kind == RC_KIND_PIX_REFUND || !fallback_keys(d, s, d->nn.s, d->seu.s, d->msg.s))
        return decide(d, s, d->cur.paid_at, d->cand.n ? d->cand.v : NULL, d->cand.n, e);
    if (d->keys.failed) {
        *e = d->keys.err;
        return -1;
    }
    /* Wait for the fallback candidates. */
    if (d->n_wait == d->cap_wait) {
        size_t cap = d->cap_wait ? d->cap_wait * 2 : 256;
        pending_one *g = realloc(d->wait, cap * sizeof *g);
        if (!g)
            return err_fail(e, EX_SOFTWARE, "out of memory");
        d->wait = g;
        d->cap_wait = cap;
    }
    d->wait[d->n_wait++] = d->cur;
    return 0;
}

/* ---- the pipelined apply ----------------------------------------------
 * The candidates stream on the reader connection while the main one, which
 * holds the file's transaction, COPYs the decisions made so far into
 * settlement_outcomes and pays them (settle_mark_paid() over their range of
 * settlement ids): the apply, most of a big file's time, runs on one core
 * while the candidate query runs on the other. Each apply takes what was
 * decided since the last, once the main connection is free and at least
 * apply_rows decisions wait, so the ranges grow while the apply lags.
 * Nothing changes in what is decided: the reader sees the main
 * transaction's snapshot (taken after the claim and the locks), as the
 * candidate query did when it ran on the main connection. */

/* Read the result of the apply in flight, if any. */
static int apply_wait(decide_ctx *d, err_t *e)
{
    if (!d->busy)
        return 0;
    d->busy = 0;
    long long n;
    if (rcdb_apply_paid_wait(d->job->db, &n, e))
        return -1;
    d->applied += n;
    return 0;
}

/* Empty the spill file f for the next decisions. */
static int spill_reset(FILE *f, err_t *e)
{
    rewind(f);
    if (ftruncate(fileno(f), 0))
        return err_fail(e, EX_SOFTWARE, "cannot empty the temporary file of decisions");
    return 0;
}

/* COPY the decisions spilled since the last time into settlement_outcomes. */
static int send_decisions(decide_ctx *d, err_t *e)
{
    if (copybuf_flush(&d->out))
        return *e = d->out.err, -1;
    if (d->out.rows == d->sent_rows)
        return 0;
    if (rcdb_copy_outcomes(d->job->db, d->out.spill, e) || spill_reset(d->out.spill, e))
        return -1;
    d->sent_rows = d->out.rows;
    return 0;
}

/* Start paying the 'paid' decisions of settlements lo..hi, or of those
 * listed in ids, once the decisions spilled so far are COPYed; apply_wait()
 * reads the result. */
static int apply_start(decide_ctx *d, int64_t lo, int64_t hi, const char *ids, err_t *e)
{
    if (send_decisions(d, e) || rcdb_apply_paid_send(d->job->db, d->f, lo, hi, ids, e))
        return -1;
    d->busy = 1;
    d->applies++;
    return 0;
}

/* Every settlement up to hi is decided (or waits for the fallback): when
 * enough decisions wait and the main connection is free, COPY them and start
 * paying settlements lo..hi. */
static int pump(decide_ctx *d, int64_t hi, err_t *e)
{
    if (d->out.rows - d->sent_rows < d->job->apply_rows)
        return 0;
    if (d->busy) {
        long every = d->job->apply_rows < 256 ? d->job->apply_rows : 256;
        if (++d->polls % (unsigned long)every) /* a recv() per look: not for every settlement */
            return 0;
        if (!PQconsumeInput(d->job->db))
            return db_error(d->job->db, NULL, e, "database error"), -1;
        if (PQisBusy(d->job->db))
            return 0;
        if (apply_wait(d, e))
            return -1;
    }
    if (!d->lo)
        d->lo = d->first_id;
    testhook("reconcile:apply");
    if (apply_start(d, d->lo, hi, NULL, e))
        return -1;
    d->lo = hi + 1;
    return 0;
}

/* A row of sql/queries/reconcile_file.sql: the settlement's columns, then one exact candidate (or
 * NULLs). Rows of one settlement are adjacent (ORDER BY s.id). */
static int file_row(void *arg, const PGresult *r, err_t *e)
{
    decide_ctx *d = arg;
    int64_t id = num(r, 0);
    if (id != d->last_id) {
        if (d->last_id && (settle_current(d, e) || pump(d, d->last_id, e)))
            return -1;
        rc_settlement *s = &d->cur.s;
        progress_tick(&d->job->progress, 1);
        if (!d->first_id)
            d->first_id = id;
        d->last_id = id;
        memset(s, 0, sizeof *s);
        s->id = id;
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
        snprintf(d->cur.paid_at, sizeof d->cur.paid_at, "%s", PQgetvalue(r, 0, 12));
        if (keep(&d->nn, PQgetvalue(r, 0, 13)) || keep(&d->seu, PQgetvalue(r, 0, 14)) ||
            keep(&d->msg, PQgetvalue(r, 0, 15)))
            return err_fail(e, EX_SOFTWARE, "out of memory");
        s->other_credits_cents = num(r, 16);
        snprintf(s->refund_status, sizeof s->refund_status, "%s", PQgetvalue(r, 0, 17));
        s->refund_med = !strncmp(PQgetvalue(r, 0, 18), "MED", 3);
        snprintf(s->txid, sizeof s->txid, "%s", PQgetvalue(r, 0, 19));
        snprintf(s->date, sizeof s->date, "%s", PQgetvalue(r, 0, 20));
        const char *nn = d->nn.s;
        while (*nn == '0')
            nn++;
        snprintf(s->nn, sizeof s->nn, "%s", nn);
        d->cand.n = 0;
    }
    if (!PQgetisnull(r, 0, 21)) {
        cand_row *x = cand_push(&d->cand, e);
        if (!x)
            return -1;
        cand_read(x, id, r, 21);
    }
    return 0;
}

static int fail(PGconn *db, err_t *e)
{
    PQclear(PQexec(db, "ROLLBACK"));
    return e->code ? e->code : EX_SOFTWARE;
}

/* Discard the result of an apply in flight (after an error: the main
 * connection must be free for the ROLLBACK). */
static void apply_drain(decide_ctx *d)
{
    err_t ignored = { 0 };
    if (d->busy)
        apply_wait(d, &ignored);
}

/* The waiting settlements below lo, whose ranges were paid before they were
 * decided, as a bigint[] literal in d->listed (NULL when none). */
static int list_waiting(decide_ctx *d, err_t *e)
{
    size_t n = 0, cap = 0;
    char *s = NULL;
    for (size_t i = 0; i < d->n_wait; i++) {
        int64_t id = d->wait[i].s.id;
        if (id >= d->lo)
            break; /* in id order */
        if (n + 24 > cap) {
            cap = cap ? cap * 2 : 4096;
            char *g = realloc(s, cap);
            if (!g)
                return free(s), err_fail(e, EX_SOFTWARE, "out of memory");
            s = g;
        }
        n += (size_t)snprintf(s + n, cap - n, "%c%lld", n ? ',' : '{', (long long)id);
    }
    if (s)
        memcpy(s + n, "}", 2);
    d->listed = s;
    return 0;
}

/* Steps 2-4 for one claimed file: candidates (on the reader connection,
 * the main one paying what is decided meanwhile), decisions, outcomes COPY.
 * locked: lock the exact candidates before reading them (see reconcile_file). */
/* A connection of reconcile's (the main one, the reader), NULL with e set.
 * The file query is a loop of index probes whose row estimate makes the
 * planner JIT-compile it: that took 0.47 s of a 2.8 s query over the
 * 480,000-title benchmark file, and saved nothing. */
static PGconn *rc_connect(const config *cfg, err_t *e)
{
    PGconn *c = db_connect(cfg, e);
    if (c && db_exec(c, "SET jit = off", e)) {
        PQfinish(c);
        c = NULL;
    }
    return c;
}

static int decide_file(rc_job *j, decide_ctx *d, const rcdb_file *f, int locked, err_t *e)
{
    PGconn *db = j->db;
    char snapshot[128];
    /* The reader is opened by the first file that needs it, not at start: a
     * night with no bank or Pix file to reconcile (none waiting, or card
     * files only) holds one connection, not two. */
    if (!j->reader && !(j->reader = rc_connect(j->cfg, e)))
        return -1;
    if (locked && rcdb_lock_candidates(db, f, e))
        return -1;
    testhook("reconcile:keys");
    if (rcdb_keys_table(db, e) || rcdb_export_snapshot(db, snapshot, sizeof snapshot, e))
        return -1;
    int rc = rcdb_reader_begin(j->reader, snapshot, e) || rcdb_stream_file(j->reader, f, file_row, d, e);
    if (rcdb_reader_end(j->reader, !rc, rc ? NULL : e))
        rc = -1;
    if (rc || (d->last_id && settle_current(d, e)) || apply_wait(d, e) || copybuf_flush(&d->keys)) {
        apply_drain(d);
        return d->keys.failed ? (*e = d->keys.err, -1) : -1;
    }
    if (d->n_wait) {
        cand_set fb = { 0 };
        rc = rcdb_load_keys(db, d->keys.spill, e) || rcdb_stream_fallback(db, f, cand_row_fn, &fb, e);
        if (!rc) {
            if (fb.n > 1) /* fb.v is NULL when no fallback candidate came back (UBSan) */
                qsort(fb.v, fb.n, sizeof *fb.v, cmp_cand);
            size_t at = 0;
            for (size_t i = 0; i < d->n_wait && !rc; i++) {
                const pending_one *w = &d->wait[i];
                while (at < fb.n && fb.v[at].sid < w->s.id)
                    at++;
                size_t first = at;
                while (at < fb.n && fb.v[at].sid == w->s.id)
                    at++;
                rc = decide(d, &w->s, w->paid_at, at > first ? fb.v + first : NULL, at - first, e);
            }
        }
        free(fb.v);
        if (rc || list_waiting(d, e))
            return -1;
    }
    if (copybuf_flush(&d->out))
        return *e = d->out.err, -1;
    testhook("reconcile:decided");
    return send_decisions(d, e);
}

/* Reconcile one claimed file inside the open transaction. Returns 0 when
 * done (committed), -1 with e set on error, and RC_CONFLICT when, without
 * locks, a payment decided paid changed before the apply: the caller rolls
 * back and redoes the file with locked set. */
#define RC_CONFLICT 1
static int reconcile_file(rc_job *j, const rcdb_file *f, int locked, err_t *e)
{
    PGconn *db = j->db;
    long long file_id = f->id;
    const char *name = f->name;
    decide_ctx d = { .job = j, .f = f };
    FILE *out = tmpfile(), *keys = tmpfile();
    int rc = -1;
    if (!out || !keys || rc_state_init(&d.st) || copybuf_init(&d.out, NULL, out) || copybuf_init(&d.keys, NULL, keys))
        err_set(e, EX_SOFTWARE, "cannot make a temporary file or buffer");
    else
        rc = decide_file(j, &d, f, locked, e);

    /* 5. apply what the pipeline has not paid yet (settle_mark_paid(),
     * sql/022_mark_paid_stream.sql): the settlements from lo on, then the
     * waiting ones below lo; then exceptions and events over the file */
    long long n[2] = { 0 };
    int64_t lo = d.lo ? d.lo : d.first_id;
    if (!rc && d.last_id && lo <= d.last_id && (apply_start(&d, lo, d.last_id, NULL, e) || apply_wait(&d, e)))
        rc = -1;
    if (!rc && d.listed && (apply_start(&d, 0, 0, d.listed, e) || apply_wait(&d, e)))
        rc = -1;
    if (!rc && rcdb_apply_rest(db, f, d.first_id, d.last_id, n, e))
        rc = -1;
    long nkeys = d.keys.rows;
    rc_state_free(&d.st);
    copybuf_free(&d.out);
    copybuf_free(&d.keys);
    free(d.cand.v);
    free(d.wait);
    free(d.nn.s);
    free(d.seu.s);
    free(d.msg.s);
    free(d.listed);
    if (out)
        fclose(out);
    if (keys)
        fclose(keys);
    if (rc)
        return -1;
    if (d.applied != d.counts[OUT_PAID] && !locked) {
        log_msg(LOG_INFO, "reconcile",
                KV(KV_I("file_id", file_id), KV_S("file", name), KV_I("decided_paid", d.counts[OUT_PAID]),
                   KV_I("applied", d.applied)),
                "payments changed while the file was decided; deciding it again with the payments locked");
        return RC_CONFLICT;
    }
    if (d.applied != d.counts[OUT_PAID])
        return err_fail(e, EX_SOFTWARE, "file #%lld: %ld payments decided paid but %lld paid with an invoice request",
                       file_id, d.counts[OUT_PAID], d.applied);
    testhook("reconcile:before-commit");
    if (db_exec(db, "COMMIT", e))
        return -1;
    long exc = d.counts[OUT_EXCEPTION];
    log_msg(LOG_INFO, "reconcile",
            KV(KV_I("file_id", file_id), KV_S("file", name), KV_I("paid", d.counts[OUT_PAID]), KV_I("exceptions", exc),
               KV_I("events", d.counts[OUT_EVENT]), KV_I("redeliveries", d.counts[OUT_REDELIVERY]),
               KV_I("fallback_keys", nkeys), KV_I("applies", d.applies)),
            "reconciled file");
    metrics_add(NULL, NULL, "FilesReconciled", 1);
    metrics_add(NULL, NULL, "Settled", d.counts[OUT_PAID]);
    metrics_add(NULL, NULL, "SettledAmount", d.settled_cents);
    metrics_add(NULL, NULL, "Events", d.counts[OUT_EVENT]);
    metrics_add(NULL, NULL, "Redeliveries", d.counts[OUT_REDELIVERY]);
    metrics_add(NULL, NULL, "Exceptions", exc);
    for (int x = EXC_UNKNOWN_PAYMENT; x <= EXC_LAST; x++)
        if (d.reasons[x])
            metrics_add("reason", rc_reason_name((rc_reason)x), "Exceptions", d.reasons[x]);
    for (int x = EXC_UNKNOWN_PAYMENT; x <= EXC_LAST; x++)
        if (d.reasons[x])
            log_msg(LOG_INFO, "reconcile", KV(KV_I("file_id", file_id), KV_S("reason", rc_reason_name((rc_reason)x)),
                                              KV_I("count", d.reasons[x])),
                    "exceptions opened");
    return 0;
}

/* Files still waiting to be reconciled: their count, and up to ten names
 * (oldest first) in buf. -1 with e set on a database error. */
long held_files(PGconn *db, char *buf, size_t n, err_t *e)
{
    return rcdb_held_files(db, buf, n, e);
}

static pcre2_code *compile(const char *pattern)
{
    int err;
    PCRE2_SIZE off;
    if (!pattern || !*pattern)
        return NULL;
    return pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err, &off, NULL);
}

/* Open the job: its reference patterns and its connection (JIT off). 0, or
 * -1 with e set; rc_job_close() frees what was made either way. */
static int rc_job_open(rc_job *j, const config *cfg, err_t *e)
{
    /* Decisions worth an apply of their own (the pipelined apply):
     * $SETTLE_RECONCILE_APPLY_ROWS lowers RC_APPLY_ROWS (the tests make small
     * files pipeline). Fewer, bigger applies cost less each (each checks its
     * invoice requests' payments once) but start later. */
    long long rows;
    if (env_limit("SETTLE_RECONCILE_APPLY_ROWS", getenv("SETTLE_RECONCILE_APPLY_ROWS"), RC_APPLY_ROWS, &rows, e) < 0)
        return -1;
    j->apply_rows = (long)rows;
    j->params.tolerance_cents = cfg->tolerance_cents;
    j->boleto_re = compile(cfg->boleto_reference_pattern);
    j->pix_re = compile(cfg->pix_reference_pattern);
    j->md = pcre2_match_data_create(16, NULL);
    j->db = rc_connect(cfg, e);
    j->cfg = cfg; /* the reader connects later (decide_file) */
    return j->db ? 0 : -1;
}

static void rc_job_close(rc_job *j)
{
    if (j->db)
        PQfinish(j->db);
    if (j->reader)
        PQfinish(j->reader);
    pcre2_match_data_free(j->md);
    pcre2_code_free(j->boleto_re);
    pcre2_code_free(j->pix_re);
}

/* The card files' parameters and counts, for cards_reconcile_file(). */
typedef struct rc_cards {
    card_params p;
    long counts[4];
} rc_cards;

/* Claim again: the file is redone (locked after a conflict, or after a deadlock). */
#define RC_AGAIN (-1)

/* Reconcile the claimed file f inside its open transaction (a card file by
 * its own rules, reconcile/cards_db.c). 0 when done; RC_AGAIN when it was
 * rolled back to be redone (*lock_file = f->id: with its payments locked;
 * a deadlock: up to five times); otherwise the exit code, logged. */
static int reconcile_claimed(rc_job *j, const rcdb_file *f, rc_cards *cards, int *retries, long long *lock_file,
                             err_t *e)
{
    int card = !strcmp(f->format, "cielo") || !strcmp(f->format, "rede");
    char label[300];
    snprintf(label, sizeof label, "reconcile %s", f->name);
    progress_begin(&j->progress, "reconcile", label, "settlements", f->records);
    testhook("reconcile:claimed");
    int done = card ? cards_reconcile_file(j->db, &cards->p, f->id, f->name, cards->counts, e)
                    : reconcile_file(j, f, f->id == *lock_file, e);
    progress_end(&j->progress);
    if (done == RC_CONFLICT) {
        PQclear(PQexec(j->db, "ROLLBACK"));
        *lock_file = f->id;
        return RC_AGAIN;
    }
    if (done) {
        int code = fail(j->db, e);
        /* Two processes locking the same payments through different
         * rules may deadlock; PostgreSQL cancels one: try it again. */
        if (strstr(e->msg, "deadlock detected") && ++*retries <= 5) {
            log_msg(LOG_WARN, "reconcile", KV(KV_I("file_id", f->id), KV_I("attempt", *retries)),
                    "deadlock with another reconcile; retrying the file");
            err_clear(e);
            return RC_AGAIN;
        }
        log_msg(LOG_ERROR, "reconcile", KV(KV_I("file_id", f->id), KV_S("file", f->name)), "%s", e->msg);
        return code;
    }
    *retries = 0;
    *lock_file = 0;
    return 0;
}

int reconcile_run(const config *cfg, const reconcile_opts *opts)
{
    long max_files = opts && opts->max_files > 0 ? opts->max_files : -1;
    err_t e = { 0 };
    rc_job j = { 0 };
    card_fee_rate *card_rates = NULL;
    rc_cards cards = { 0 };
    if (cards_params_from_config(cfg, &cards.p, &card_rates)) {
        log_msg(LOG_ERROR, "reconcile", NULL, "out of memory");
        return EX_SOFTWARE;
    }
    int rc = 0, retries = 0;
    long files = 0;
    long long lock_file = 0; /* the file to redo with its payments locked */
    int64_t waited_since = 0; /* waiting for held files since (clock_mono_ms) */
    if (rc_job_open(&j, cfg, &e)) {
        rc = e.code;
        log_msg(LOG_ERROR, "reconcile", NULL, "%s", e.msg);
        goto out;
    }
    while (max_files < 0 || files < max_files) {
        rcdb_file f = { 0 };
        int claimed = db_exec(j.db, "BEGIN", &e) ? -1 : rcdb_claim(j.db, &f, &e);
        if (claimed < 0) {
            rc = fail(j.db, &e);
            log_msg(LOG_ERROR, "reconcile", NULL, "%s", e.msg);
            break;
        }
        if (!claimed) {
            db_exec(j.db, "COMMIT", &e);
            /* Nothing claimable. Files still 'ingested' are held by another
             * session: a concurrent reconcile, or the backend of a killed
             * one that finishes its last statement before it notices. Wait
             * for them (bounded), then say so: skipping them silently made a
             * run call itself clean with files left unreconciled. */
            char held[512];
            long n_held = held_files(j.db, held, sizeof held, &e);
            if (n_held < 0) {
                rc = e.code;
                log_msg(LOG_ERROR, "reconcile", NULL, "%s", e.msg);
                break;
            }
            if (n_held == 0)
                break;
            if (!waited_since)
                waited_since = clock_mono_ms();
            if (clock_mono_ms() - waited_since < (int64_t)cfg->wait_locked_seconds * 1000) {
                struct timespec pause = { 0, 200 * 1000 * 1000 };
                nanosleep(&pause, NULL);
                continue;
            }
            log_msg(LOG_ERROR, "reconcile", KV(KV_I("files", n_held), KV_S("held", held)),
                    "%ld ingested file(s) still held by another database session after waiting %lld s: %s\n"
                    "HINT: a concurrent reconcile, or a killed one whose backend has not ended yet; re-run later",
                    n_held, cfg->wait_locked_seconds, held);
            rc = EX_TEMPFAIL;
            break;
        }
        waited_since = 0;
        int done = reconcile_claimed(&j, &f, &cards, &retries, &lock_file, &e);
        if (done == RC_AGAIN)
            continue;
        if (done) {
            rc = done;
            break;
        }
        files++;
    }
    if (!rc && cards_sweep(j.db, cfg, &e) < 0) {
        rc = e.code ? e.code : EX_SOFTWARE;
        log_msg(LOG_ERROR, "reconcile", NULL, "%s", e.msg);
    }
    if (!rc)
        log_msg(LOG_INFO, "reconcile", KV(KV_I("files", files)), "done");
out:
    rc_job_close(&j);
    free(card_rates);
    return rc;
}
