/* sheet_validate.c - the rows of finance's sheet checked on their own, no
 * database (report/sheet_read.h has the contract): ids, actions, notes,
 * payment numbers, an exception given twice. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/sheet_int.h"

/* ---- validation ----------------------------------------------------------- */

sheet_action sheet_action_parse(const char *s)
{
    char f[32];
    if (strlen(s) >= sizeof f)
        return SHEET_ACT_UNKNOWN;
    sheet_fold(s, f, sizeof f);
    if (!f[0])
        return SHEET_ACT_EMPTY;
    if (!strcmp(f, "paid") || !strcmp(f, "pago"))
        return SHEET_ACT_PAID;
    if (!strcmp(f, "refund") || !strcmp(f, "devolver"))
        return SHEET_ACT_REFUND;
    if (!strcmp(f, "ignore") || !strcmp(f, "ignorar"))
        return SHEET_ACT_IGNORE;
    return SHEET_ACT_UNKNOWN;
}

const char *sheet_action_name(sheet_action a)
{
    return a == SHEET_ACT_PAID ? "paid" : a == SHEET_ACT_REFUND ? "refund" : a == SHEET_ACT_IGNORE ? "ignore" : "";
}

/* A whole number as a cell holds it: digits, or digits then ".0..." (a
 * number cell); blanks around. 1 with *v, 0 empty, -1 not one. */
static int whole(const char *s, long long *v)
{
    char f[64];
    if (strlen(s) >= sizeof f)
        return -1;
    sheet_fold(s, f, sizeof f);
    if (!f[0])
        return 0;
    size_t d = strspn(f, "0123456789");
    if (!d || d > 18)
        return -1;
    if (f[d]) {
        if (f[d] != '.' || strspn(f + d + 1, "0") != strlen(f + d + 1))
            return -1;
    }
    char *end;
    errno = 0;
    long long x = strtoll(f, &end, 10);
    if (errno || x <= 0)
        return -1;
    *v = x;
    return 1;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static void badf(void (*bad)(void *, long, const char *), void *ctx, long row, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void badf(void (*bad)(void *, long, const char *), void *ctx, long row, const char *fmt, ...)
{
    char m[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    bad(ctx, row, m);
}

static int cmp_item_id(const void *a, const void *b)
{
    const sheet_item *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

static int cmp_item_row(const void *a, const void *b)
{
    const sheet_item *x = a, *y = b;
    return x->row < y->row ? -1 : x->row > y->row;
}

typedef void (*bad_fn)(void *ctx, long row, const char *msg);

/* One row whose acao is not empty: every problem of its cells reported
 * through bad. 1 with *it filled when the row is good, else 0. */
static int check_row(const sheet_row *r, sheet_action a, sheet_item *it, bad_fn bad, void *ctx)
{
    char q[64];
    int ok = 1;
    long long id = 0, pay = 0;
    int k = whole(r->cell[SHEET_ID], &id);
    if (k <= 0) {
        badf(bad, ctx, r->row, "id: expected an exception number, found %s",
             k == 0 ? "nothing" : sheet_quote(r->cell[SHEET_ID], q, sizeof q));
        ok = 0;
    }
    if (a == SHEET_ACT_UNKNOWN) {
        badf(bad, ctx, r->row, "acao: expected paid, refund or ignore (pago, devolver, ignorar), found %s",
             sheet_quote(r->cell[SHEET_ACAO], q, sizeof q));
        ok = 0;
    }
    char nf[8];
    sheet_fold(r->cell[SHEET_NOTA], nf, sizeof nf);
    if (!nf[0]) {
        badf(bad, ctx, r->row, "nota: expected a note saying why, found nothing");
        ok = 0;
    } else if (r->len[SHEET_NOTA] > SHEET_CELL_MAX || utf8_chars(r->cell[SHEET_NOTA]) > SHEET_NOTE_MAX) {
        badf(bad, ctx, r->row, "nota: expected at most %d characters, found %s", SHEET_NOTE_MAX,
             r->len[SHEET_NOTA] > SHEET_CELL_MAX ? "more than 4096 bytes" : "more");
        ok = 0;
    }
    k = whole(r->cell[SHEET_PAGAMENTO], &pay);
    if (k < 0) {
        badf(bad, ctx, r->row, "pagamento_id: expected a payment number, found %s",
             sheet_quote(r->cell[SHEET_PAGAMENTO], q, sizeof q));
        ok = 0;
    } else if (k > 0 && a != SHEET_ACT_PAID && a != SHEET_ACT_UNKNOWN) {
        badf(bad, ctx, r->row, "pagamento_id: goes with acao paid only, found it with %s", sheet_action_name(a));
        ok = 0;
    }
    if (ok)
        *it = (sheet_item){ .row = r->row, .id = id, .action = a, .note = r->cell[SHEET_NOTA], .payment = pay };
    return ok;
}

/* An exception twice in the file: every row after the first is bad, and
 * leaves the items (the first one alone goes on to be checked). items
 * (*n, in file order) lose those rows; returns the number of problems
 * reported. */
static long drop_duplicates(sheet_item *items, size_t *n, bad_fn bad, void *ctx)
{
    long problems = 0;
    sheet_item *s = malloc(*n * sizeof *s);
    if (!s) {
        badf(bad, ctx, 0, "out of memory checking for duplicate ids");
        return 1;
    }
    memcpy(s, items, *n * sizeof *s);
    qsort(s, *n, sizeof *s, cmp_item_id);
    size_t dups = 0;
    for (size_t i = 1; i < *n; i++)
        if (s[i].id == s[i - 1].id) {
            size_t f = i - 1;
            while (f > 0 && s[f - 1].id == s[i].id)
                f--;
            badf(bad, ctx, s[i].row, "id: exception #%lld appears again (first on row %ld)", s[i].id, s[f].row);
            problems++;
            s[dups++].row = s[i].row;       /* rows to drop, reusing s */
        }
    /* items are in file order, so rows ascend: one merge pass */
    qsort(s, dups, sizeof *s, cmp_item_row);
    size_t k = 0, d = 0;
    for (size_t i = 0; i < *n; i++) {
        while (d < dups && s[d].row < items[i].row)
            d++;
        if (d < dups && s[d].row == items[i].row)
            continue;
        items[k++] = items[i];
    }
    *n = k;
    free(s);
    return problems;
}

long sheet_validate(const sheet_rows *rows, sheet_item *items, size_t *n_items, long *skipped,
                    void (*bad)(void *ctx, long row, const char *msg), void *ctx)
{
    long problems = 0;
    size_t n = 0;
    *skipped = 0;
    for (size_t i = 0; i < rows->n; i++) {
        const sheet_row *r = &rows->v[i];
        sheet_action a = sheet_action_parse(r->cell[SHEET_ACAO]);
        if (a == SHEET_ACT_EMPTY) {
            (*skipped)++;
            continue;
        }
        if (check_row(r, a, &items[n], bad, ctx))
            n++;
        else
            problems++;
    }
    if (n > 1)
        problems += drop_duplicates(items, &n, bad, ctx);
    *n_items = n;
    return problems;
}
