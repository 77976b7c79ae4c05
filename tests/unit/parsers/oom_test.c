/* oom_test.c - the readers under allocation failure: for every corpus file
 * (tests/fixtures/cnab INDEX.tsv and malformed/, tests/fixtures/pix and pix/api), parse
 * it whole once to count its allocations, then again failing the Nth
 * allocation for every N (once alone, once with every later one failing
 * too). Each run must end either exactly as the clean run did (the failure
 * was absorbed, e.g. libcsv retries a smaller block) or with EX_SOFTWARE and
 * "out of memory" in the message; never a crash, never another error. Leaks
 * are caught by running this binary under valgrind (tests/integration/
 * faults_alloc.sh) or AddressSanitizer (`make asan`). Runs from the top of
 * the tree. Linked with --wrap (Makefile OOM_TESTS; tests/support/failalloc.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/record.h"
#include "tests/support/failalloc.h"

typedef struct outcome {
    int code;        /* 0 = the whole file read */
    long records;
    char msg[1024];
} outcome;

static void parse_all(const char *path, outcome *o)
{
    err_t e = { 0 };
    memset(o, 0, sizeof *o);
    parser *p = parser_open(path, NULL, NULL, &e);
    if (!p) {
        o->code = e.code;
        snprintf(o->msg, sizeof o->msg, "%s", e.msg);
        return;
    }
    settle_record rec;
    int r;
    while ((r = parser_next(p, &rec, &e)) == 1)
        o->records++;
    if (r < 0) {
        o->code = e.code;
        snprintf(o->msg, sizeof o->msg, "%s", e.msg);
    }
    parser_close(p);
}

static long files_done, runs_done, failures_seen, bad_runs;

static void check_file(const char *path)
{
    outcome clean, o;
    failalloc_arm(LONG_MAX, 0);
    parse_all(path, &clean);
    long n_alloc = failalloc_count();
    failalloc_arm(0, 0);
    for (int sticky = 0; sticky <= 1; sticky++)
        for (long n = 1; n <= n_alloc; n++) {
            failalloc_arm(n, sticky);
            parse_all(path, &o);
            long failed = failalloc_failed();
            failalloc_arm(0, 0);
            runs_done++;
            failures_seen += failed > 0;
            int same = o.code == clean.code && o.records == clean.records && !strcmp(o.msg, clean.msg);
            int oom = o.code == EX_SOFTWARE && strstr(o.msg, "out of memory") != NULL;
            if (!same && !oom) {
                print_error("%s: allocation %ld of %ld failed%s: exit %d \"%s\" (clean run: exit %d, %ld records)\n",
                            path, n, n_alloc, sticky ? " (and every later one)" : "", o.code, o.msg, clean.code,
                            clean.records);
                bad_runs++;
            }
        }
    files_done++;
}

static void check_dir(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    char path[PATH_MAX];
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        size_t len = strlen(n);
        if (n[0] == '.' || (len > 4 && (!strcmp(n + len - 4, ".tsv") || !strcmp(n + len - 3, ".md") || !strcmp(n + len - 3, ".py"))) ||
            !strcmp(n, "psp.conf"))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, n);
        if (de->d_type == DT_DIR)
            continue;
        check_file(path);
    }
    closedir(d);
}

static void test_cnab_corpus(void **state)
{
    (void)state;
    FILE *f = fopen("tests/fixtures/cnab/INDEX.tsv", "r");
    assert_non_null(f);
    char line[4096], path[PATH_MAX];
    long before = files_done;
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\t\r\n")] = '\0';
        if (!line[0])
            continue;
        snprintf(path, sizeof path, "tests/fixtures/cnab/%s", line);
        check_file(path);
    }
    fclose(f);
    check_dir("tests/fixtures/cnab/malformed");
    assert_true(files_done - before >= 40);
    assert_int_equal(bad_runs, 0);
}

static void test_pix_corpus(void **state)
{
    (void)state;
    long before = files_done;
    check_dir("tests/fixtures/pix");
    check_dir("tests/fixtures/pix/bad");
    check_dir("tests/fixtures/pix/api");
    check_dir("tests/fixtures/pix/api/bad");
    check_dir("tests/fixtures/pix/psp");
    check_dir("tests/fixtures/pix/psp/bad");
    assert_true(files_done - before >= 50);
    assert_int_equal(bad_runs, 0);
}

/* The card acquirer files (parsers/cielo.c, parsers/rede.c), good and malformed. */
static void test_cards_corpus(void **state)
{
    (void)state;
    long before = files_done;
    check_dir("tests/fixtures/cards");
    check_dir("tests/fixtures/cards/malformed");
    assert_true(files_done - before >= 30);
    assert_int_equal(bad_runs, 0);
}

/* The harness itself: an allocation that is refused must be noticed. */
static void test_failures_are_injected(void **state)
{
    (void)state;
    assert_true(runs_done > 100);
    assert_true(failures_seen == runs_done);
    print_message("%ld files, %ld runs each failing an allocation\n", files_done, runs_done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cnab_corpus),
        cmocka_unit_test(test_pix_corpus),
        cmocka_unit_test(test_cards_corpus),
        cmocka_unit_test(test_failures_are_injected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
