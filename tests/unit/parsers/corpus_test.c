/* corpus_test.c - the real CNAB corpus as data: every `accept` file in
 * tests/fixtures/cnab/INDEX.tsv parses, every `reject` file is refused with
 * the exact message in REJECT.tsv, and every row of EXPECTED.tsv (values the
 * peers' own test suites assert) matches what settle reads, except the rows
 * listed in DEVIATIONS.tsv, where the bank's manual disagrees with the peer:
 * there settle's value must be the one DEVIATIONS.tsv gives, and must differ
 * from the peer's.
 *
 * Runs from the top of the tree (scripts/run-tests does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/record.h"

#define DIR "tests/fixtures/cnab/"

typedef struct tsv {
    char **cells; /* rows * cols */
    int rows, cols;
} tsv;

/* Load a TSV file (header row dropped). */
static tsv load_tsv(const char *path, int cols)
{
    tsv t = { NULL, 0, cols };
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[4096];
    int first = 1;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (first) {
            first = 0;
            continue;
        }
        if (!line[0])
            continue;
        t.cells = realloc(t.cells, sizeof(char *) * (size_t)(t.rows + 1) * (size_t)cols);
        char *p = line;
        for (int c = 0; c < cols; c++) {
            char *tab = p ? strchr(p, '\t') : NULL;
            if (tab)
                *tab = '\0';
            char *v = strdup(p ? p : ""), *w = v;
            for (char *r = v; *r; r++) /* "\n" in a cell is a newline */
                if (r[0] == '\\' && r[1] == 'n')
                    *w++ = '\n', r++;
                else
                    *w++ = *r;
            *w = '\0';
            t.cells[t.rows * cols + c] = v;
            p = tab ? tab + 1 : NULL;
        }
        t.rows++;
    }
    fclose(f);
    return t;
}

static const char *cell(const tsv *t, int r, int c)
{
    return t->cells[r * t->cols + c];
}

static void free_tsv(tsv *t)
{
    for (int i = 0; i < t->rows * t->cols; i++)
        free(t->cells[i]);
    free(t->cells);
}

/* A whole file read into memory (the fixtures are small). */
typedef struct parsed {
    settle_record *recs;
    int n;
    file_info info;
    int ok;
    char err[1024];
} parsed;

static parsed parse_file(const char *name)
{
    parsed r = { 0 };
    char path[512];
    snprintf(path, sizeof path, DIR "%s", name);
    err_t e = { 0 };
    parser *p = parser_open(path, name, NULL, &e);
    if (!p) {
        snprintf(r.err, sizeof r.err, "%s", e.msg);
        return r;
    }
    settle_record rec;
    int k;
    while ((k = parser_next(p, &rec, &e)) == 1) {
        r.recs = realloc(r.recs, sizeof rec * (size_t)(r.n + 1));
        r.recs[r.n++] = rec;
    }
    r.info = *parser_info(p);
    parser_close(p);
    if (k < 0)
        snprintf(r.err, sizeof r.err, "%s", e.msg);
    else
        r.ok = 1;
    return r;
}

static void fmt_date(settle_date d, char *buf, size_t size)
{
    if (!d.y)
        buf[0] = '\0';
    else
        snprintf(buf, size, "%04d-%02d-%02d", d.y, d.m, d.d);
}

/* The value of a record field by its EXPECTED.tsv name; 0 or -1 unknown. */
static int field_value(const settle_record *r, const char *f, char *buf, size_t size)
{
    const struct {
        const char *name;
        const int64_t *v;
    } money[] = {
        { "amount_face_cents", &r->amount_face_cents }, { "amount_paid_cents", &r->amount_paid_cents },
        { "amount_credited_cents", &r->amount_credited_cents }, { "interest_cents", &r->interest_cents },
        { "discount_cents", &r->discount_cents }, { "rebate_cents", &r->rebate_cents },
        { "fee_cents", &r->fee_cents }, { "iof_cents", &r->iof_cents },
    };
    for (size_t i = 0; i < sizeof money / sizeof *money; i++)
        if (!strcmp(f, money[i].name)) {
            snprintf(buf, size, "%lld", (long long)*money[i].v);
            return 0;
        }
    if (!strcmp(f, "nosso_numero"))
        snprintf(buf, size, "%s", r->nosso_numero);
    else if (!strcmp(f, "seu_numero"))
        snprintf(buf, size, "%s", r->seu_numero);
    else if (!strcmp(f, "txid"))
        snprintf(buf, size, "%s", r->txid);
    else if (!strcmp(f, "movement_code"))
        snprintf(buf, size, "%s", r->movement_code);
    else if (!strcmp(f, "occurred_on"))
        fmt_date(r->occurred_on, buf, size);
    else if (!strcmp(f, "credited_on"))
        fmt_date(r->credited_on, buf, size);
    else if (!strcmp(f, "due_on"))
        fmt_date(r->due_on, buf, size);
    else if (!strcmp(f, "paid"))
        snprintf(buf, size, "%d", r->paid);
    else
        return -1;
    return 0;
}

/* nosso/seu número compare without leading zeros and spaces. */
static const char *norm(const char *field, const char *v)
{
    if (strcmp(field, "nosso_numero") && strcmp(field, "seu_numero"))
        return v;
    while (*v == '0' || *v == ' ')
        v++;
    return v;
}

static int file_exists(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, DIR "%s", name);
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

static void test_index(void **state)
{
    (void)state;
    tsv idx = load_tsv(DIR "INDEX.tsv", 11);
    tsv rej = load_tsv(DIR "REJECT.tsv", 2);
    int bad = 0, accepted = 0, rejected = 0;
    assert_true(idx.rows >= 40);
    for (int i = 0; i < idx.rows; i++) {
        const char *name = cell(&idx, i, 0), *expect = cell(&idx, i, 9);
        parsed p = parse_file(name);
        if (!strcmp(expect, "accept")) {
            if (!p.ok) {
                printf("# accept file refused: %s\n", p.err);
                bad++;
            } else if (p.n == 0) {
                printf("# accept file %s: no detail records\n", name);
                bad++;
            } else
                accepted++;
        } else {
            const char *want = NULL;
            for (int j = 0; j < rej.rows; j++)
                if (!strcmp(cell(&rej, j, 0), name))
                    want = cell(&rej, j, 1);
            if (p.ok) {
                printf("# reject file %s was accepted (%d records)\n", name, p.n);
                bad++;
            } else if (!want || strcmp(want, p.err)) {
                printf("# reject file %s:\n#   expected: %s\n#   found:    %s\n", name, want ? want : "(no row in REJECT.tsv)",
                       p.err);
                bad++;
            } else
                rejected++;
        }
        free(p.recs);
    }
    fflush(stdout);
    printf("# %d accepted, %d rejected as expected, %d wrong\n", accepted, rejected, bad);
    free_tsv(&idx);
    free_tsv(&rej);
    assert_int_equal(bad, 0);
}

static void test_expected(void **state)
{
    (void)state;
    tsv exp = load_tsv(DIR "EXPECTED.tsv", 6);
    tsv dev = load_tsv(DIR "DEVIATIONS.tsv", 5); /* file record field settle_value reason */
    int bad = 0, checked = 0, deviated = 0;
    char cur[512] = "";
    parsed p = { 0 };
    int used_dev[256] = { 0 };
    assert_true(dev.rows < 256);
    for (int i = 0; i < exp.rows; i++) {
        const char *file = cell(&exp, i, 0), *sel = cell(&exp, i, 1), *field = cell(&exp, i, 2),
                   *want = cell(&exp, i, 3);
        const char *devval = NULL;
        for (int j = 0; j < dev.rows; j++)
            if (!strcmp(cell(&dev, j, 0), file) && !strcmp(cell(&dev, j, 1), sel) && !strcmp(cell(&dev, j, 2), field))
                devval = cell(&dev, j, 3), used_dev[j] = 1;
        if (!file_exists(file)) {
            if (!devval || strcmp(devval, "(file not in corpus)")) {
                printf("# %s: file missing and no DEVIATIONS.tsv row\n", file);
                bad++;
            } else
                deviated++;
            continue;
        }
        if (strcmp(cur, file)) {
            free(p.recs);
            p = parse_file(file);
            snprintf(cur, sizeof cur, "%s", file);
            if (!p.ok)
                printf("# %s: %s\n", file, p.err);
        }
        char got[256] = "";
        const settle_record *r = NULL;
        if (!strcmp(sel, "file")) {
            if (!strcmp(field, "detail_records"))
                snprintf(got, sizeof got, "%d", p.n);
            else if (!strcmp(field, "bank"))
                snprintf(got, sizeof got, "%s", p.info.bank);
            else if (!strcmp(field, "generated_on"))
                fmt_date(p.info.generated_on, got, sizeof got);
            else
                snprintf(got, sizeof got, "(unknown field)");
        } else {
            if (!strcmp(sel, "first") && p.n >= 1)
                r = &p.recs[0];
            else if (!strcmp(sel, "second") && p.n >= 2)
                r = &p.recs[1];
            else if (!strncmp(sel, "line:", 5)) {
                long ln = atol(sel + 5);
                for (int k = 0; k < p.n; k++)
                    if (p.recs[k].line == ln)
                        r = &p.recs[k];
            }
            if (!r)
                snprintf(got, sizeof got, "(no such record)");
            else if (field_value(r, field, got, sizeof got) < 0)
                snprintf(got, sizeof got, "(unknown field)");
        }
        checked++;
        if (devval) {
            /* the manual wins: settle reads devval, which is not the peer's value */
            if (strcmp(norm(field, got), norm(field, devval)) || !strcmp(norm(field, got), norm(field, want))) {
                printf("# %s %s %s: DEVIATIONS.tsv says %s (peer %s), found %s\n", file, sel, field, devval, want, got);
                bad++;
            } else
                deviated++;
        } else if (strcmp(norm(field, got), norm(field, want))) {
            printf("# %s %s %s: expected %s, found %s\n", file, sel, field, want, got);
            bad++;
        }
    }
    for (int j = 0; j < dev.rows; j++)
        if (!used_dev[j]) {
            printf("# DEVIATIONS.tsv row %d matches no EXPECTED.tsv row\n", j + 2);
            bad++;
        }
    free(p.recs);
    printf("# %d EXPECTED.tsv rows checked, %d of them documented deviations, %d wrong\n", checked, deviated, bad);
    free_tsv(&exp);
    free_tsv(&dev);
    assert_int_equal(bad, 0);
}

/* malformed/CASES.tsv: hand-made broken files and edge cases. */
static void test_malformed(void **state)
{
    (void)state;
    tsv cases = load_tsv(DIR "malformed/CASES.tsv", 3);
    int bad = 0;
    assert_true(cases.rows >= 20);
    for (int i = 0; i < cases.rows; i++) {
        char name[256];
        snprintf(name, sizeof name, "malformed/%s", cell(&cases, i, 0));
        parsed p = parse_file(name);
        char got[1100];
        if (!p.ok)
            snprintf(got, sizeof got, "%s", p.err);
        else {
            char due[16];
            fmt_date(p.n ? p.recs[0].due_on : (settle_date){ 0, 0, 0 }, due, sizeof due);
            snprintf(got, sizeof got, "records=%d first_nn=%s first_name=%s first_due=%s", p.n,
                     p.n ? p.recs[0].nosso_numero : "", p.n ? p.recs[0].payer_name : "", due);
        }
        const char *want = cell(&cases, i, 2);
        if (strcmp(cell(&cases, i, 1), p.ok ? "ok" : "error") || strcmp(got, want)) {
            printf("# %s:\n#   expected %s: %s\n#   found:    %s\n", name, cell(&cases, i, 1), want, got);
            bad++;
        }
        free(p.recs);
    }
    fflush(stdout);
    printf("# %d malformed/edge cases, %d wrong\n", cases.rows, bad);
    free_tsv(&cases);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index),
        cmocka_unit_test(test_expected),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
