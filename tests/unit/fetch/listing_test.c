/* listing_test.c - the stable-file check of settle fetch (fetch/listing.c):
 * when a file is taken on one listing, when the source must be listed
 * again, and the previous listing's file (round trip, damaged files). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch/fetch.h"

static sftp_entry ent(const char *name, uint64_t size, int64_t mtime)
{
    sftp_entry x = { .name = (char *)name, .name_len = strlen(name), .size = size, .mtime = mtime,
                     .type = SFTP_REGULAR };
    return x;
}

/* now: 2026-11-30 00:00:00 UTC in ms; the previous listing a day before */
#define NOW 1796000000000LL
#define DAY 86400000LL

static void test_unchanged_since_the_previous_listing(void **state)
{
    (void)state;
    sftp_entry pv[] = { ent("A.RET", 100, 1795900000), ent("B.RET", 200, 1795900000) };
    fetch_listing prev = { pv, 2, NOW - DAY };
    sftp_entry a = ent("A.RET", 100, 1795900000);
    assert_int_equal(fetch_stable(&a, &prev, NOW, 2000, 0), FETCH_STABLE_PREVIOUS);
    sftp_entry b = ent("B.RET", 200, 1795900000);
    assert_int_equal(fetch_stable(&b, &prev, NOW, 2000, 0), FETCH_STABLE_PREVIOUS);
}

static void test_new_or_changed_files_are_listed_again(void **state)
{
    (void)state;
    sftp_entry pv[] = { ent("A.RET", 100, 1795999000) };
    fetch_listing prev = { pv, 1, NOW - DAY };
    sftp_entry grown = ent("A.RET", 101, 1795999000), touched = ent("A.RET", 100, 1795999001),
               other = ent("C.RET", 100, 1795999000), prefix = ent("A.RE", 100, 1795999000);
    assert_int_equal(fetch_stable(&grown, &prev, NOW, 2000, 0), 0);
    assert_int_equal(fetch_stable(&touched, &prev, NOW, 2000, 0), 0);
    assert_int_equal(fetch_stable(&other, &prev, NOW, 2000, 0), 0);
    assert_int_equal(fetch_stable(&prefix, &prev, NOW, 2000, 0), 0);
    assert_int_equal(fetch_stable(&grown, NULL, NOW, 2000, 0), 0);
}

static void test_a_previous_listing_too_recent_or_ahead_proves_nothing(void **state)
{
    (void)state;
    sftp_entry pv[] = { ent("A.RET", 100, 1795999990) };
    sftp_entry a = ent("A.RET", 100, 1795999990);
    fetch_listing recent = { pv, 1, NOW - 1999 };
    assert_int_equal(fetch_stable(&a, &recent, NOW, 2000, 0), 0);
    fetch_listing just = { pv, 1, NOW - 2000 };
    assert_int_equal(fetch_stable(&a, &just, NOW, 2000, 0), FETCH_STABLE_PREVIOUS);
    /* our clock went back: the listing's time cannot be trusted */
    fetch_listing ahead = { pv, 1, NOW + DAY };
    assert_int_equal(fetch_stable(&a, &ahead, NOW, 2000, 0), 0);
}

static void test_old_enough_under_min_age_seconds(void **state)
{
    (void)state;
    sftp_entry old = ent("A.RET", 100, NOW / 1000 - 600), young = ent("B.RET", 100, NOW / 1000 - 60);
    assert_int_equal(fetch_stable(&old, NULL, NOW, 2000, 120), FETCH_STABLE_AGE);
    assert_int_equal(fetch_stable(&young, NULL, NOW, 2000, 120), 0);
    /* min_age_seconds = 0: the mtime alone never vouches for a file */
    assert_int_equal(fetch_stable(&old, NULL, NOW, 2000, 0), 0);
    /* older than min_age_seconds but not than the settle interval */
    sftp_entry fresh = ent("C.RET", 100, NOW / 1000 - 1);
    assert_int_equal(fetch_stable(&fresh, NULL, NOW, 2000, 1), 0);
    assert_int_equal(fetch_stable(&fresh, NULL, NOW, 1000, 1), FETCH_STABLE_AGE);
}

static char dir[] = "/tmp/settle-listing-test.XXXXXX";

static void test_round_trip(void **state)
{
    (void)state;
    char path[sizeof dir + 32];
    snprintf(path, sizeof path, "%s/s.listing", dir);
    sftp_entry v[] = { ent("Z.RET", 5, 1795000000), ent(" lead and trail ", 7, 1795000001),
                       ent("retorno ção.RET", 9, 1795000002), ent(".hidden", 1, 1), ent("bad\nname", 1, 1),
                       ent("DIR", 0, 1795000003) };
    v[5].type = SFTP_DIRECTORY;
    err_t e = { 0 };
    assert_int_equal(fetch_listing_save(path, NOW, v, 6, &e), 0);
    fetch_listing l;
    fetch_listing_load(path, &l);
    assert_int_equal(l.at_ms, NOW);
    assert_int_equal(l.n, 3); /* hostile names and the directory are not kept */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(fetch_stable(&v[i], &l, NOW + 5000, 2000, 0), FETCH_STABLE_PREVIOUS);
        sftp_entry changed = v[i];
        changed.size++;
        assert_int_equal(fetch_stable(&changed, &l, NOW + 5000, 2000, 0), 0);
    }
    fetch_listing_free(&l);
    assert_int_equal(l.n, 0);
    assert_int_equal(access(path, F_OK), 0);
    char tmp[sizeof path + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_not_equal(access(tmp, F_OK), 0);
}

/* Write text as the listing file, load it: how many entries it gave. */
static size_t load_text(const char *text)
{
    char path[sizeof dir + 32];
    snprintf(path, sizeof path, "%s/d.listing", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    fetch_listing l;
    fetch_listing_load(path, &l);
    size_t n = l.n;
    if (!n)
        assert_null(l.v);
    fetch_listing_free(&l);
    return n;
}

static void test_damaged_or_missing_listing_is_empty(void **state)
{
    (void)state;
    fetch_listing l;
    fetch_listing_load("/nonexistent/settle/x.listing", &l);
    assert_int_equal(l.n, 0);
    assert_int_equal(load_text("settle-listing 1 1796000000000\n5 1795000000 A.RET\n"), 1);
    assert_int_equal(load_text(""), 0);
    assert_int_equal(load_text("settle-listing 2 1796000000000\n5 1795000000 A.RET\n"), 0);
    assert_int_equal(load_text("settle-listing 1 0\n5 1795000000 A.RET\n"), 0);
    /* a torn last line, a line without a name, garbage: nothing is trusted */
    assert_int_equal(load_text("settle-listing 1 1796000000000\n5 1795000000 A.RET\n6 17950"), 0);
    assert_int_equal(load_text("settle-listing 1 1796000000000\n5 1795000000 \n"), 0);
    assert_int_equal(load_text("settle-listing 1 1796000000000\n5 1795000000A.RET\n"), 0);
    assert_int_equal(load_text("settle-listing 1 1796000000000\nx y z\n"), 0);
    /* numbers out of range (the fuzzer's find: a time that overflowed) */
    assert_int_equal(load_text("settle-listing 1 99999999999999999999\n5 1795000000 A.RET\n"), 0);
    assert_int_equal(load_text("settle-listing 1 1796000000000\n99999999999999999999 1795000000 A.RET\n"), 0);
    assert_int_equal(load_text("settle-listing 1 1796000000000\n-5 1795000000 A.RET\n"), 0);
    /* names fetch never writes: a leading dot, a control character */
    assert_int_equal(load_text("settle-listing 1 1796000000000\n5 1795000000 .hidden\n"), 0);
    assert_int_equal(load_text("settle-listing 1 1796000000000\n5 1795000000 a\x01b\n"), 0);
    /* a NUL inside a name (the lookups compare name_len bytes) */
    char path[sizeof dir + 32];
    snprintf(path, sizeof path, "%s/nul.listing", dir);
    static const char nul[] = "settle-listing 1 1796000000000\n5 1795000000 A\0B.RET\n";
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(nul, 1, sizeof nul - 1, f);
    fclose(f);
    fetch_listing_load(path, &l);
    assert_int_equal(l.n, 0);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[sizeof dir + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unchanged_since_the_previous_listing),
        cmocka_unit_test(test_new_or_changed_files_are_listed_again),
        cmocka_unit_test(test_a_previous_listing_too_recent_or_ahead_proves_nothing),
        cmocka_unit_test(test_old_enough_under_min_age_seconds),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_damaged_or_missing_listing_is_empty),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
