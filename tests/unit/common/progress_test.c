/* progress_test.c - the text of the progress line: n of N, rate, ETA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/progress.h"

static void test_n_of_n(void **state)
{
    (void)state;
    char buf[128];
    progress_format(buf, sizeof buf, 120000, 400000, "settlements", 2.0);
    assert_string_equal(buf, "120000 of 400000 settlements (30%), 60000/s, ETA 0:05");
    progress_format(buf, sizeof buf, 3, 190, "batches", 1.0);
    assert_string_equal(buf, "3 of 190 batches (1%), 3/s, ETA 1:02");
    progress_format(buf, sizeof buf, 190, 190, "batches", 10.0);
    assert_string_equal(buf, "190 of 190 batches (100%), 19/s, ETA 0:00");
    /* more than announced (a total that was an estimate): 100%, no ETA */
    progress_format(buf, sizeof buf, 11, 10, "settlements", 1.0);
    assert_string_equal(buf, "11 of 10 settlements (100%), 11/s, ETA 0:00");
}

static void test_unknown_total(void **state)
{
    (void)state;
    char buf[128];
    progress_format(buf, sizeof buf, 65536, 0, "records", 0.5);
    assert_string_equal(buf, "65536 records, 131072/s");
    progress_format(buf, sizeof buf, 0, 5, "exceptions", 0);
    assert_string_equal(buf, "0 of 5 exceptions (0%), 0/s, ETA 0:00");
}

/* Off the terminal and before the interval, a tick prints nothing;
 * progress_end() on a task never begun is harmless. */
static void test_quiet_off_terminal(void **state)
{
    (void)state;
    progress_force(0);
    progress_task t = { 0 };
    progress_end(&t);
    progress_begin(&t, "ingest", "ingest x", "records", 0);
    for (int i = 0; i < 1000; i++)
        progress_tick(&t, 1);
    assert_int_equal(t.done, 1000);
    progress_end(&t);
    progress_tick(&t, 1); /* ended: ignored */
    assert_int_equal(t.done, 1000);
}

/* A per-record loop does not read the clock per record: the stride grows
 * while ticks are fast, so 200000 ticks read it a few hundred times at
 * most (at least once per PROGRESS_MAX_STRIDE ticks), and the count of
 * ticks stays exact. */
static void test_clock_read_every_stride(void **state)
{
    (void)state;
    progress_force(0);
    progress_task t = { 0 };
    progress_begin(&t, "ingest", "ingest x", "records", 0);
    for (int i = 0; i < 200000; i++)
        progress_tick(&t, 1);
    assert_int_equal(t.done, 200000);
    assert_true(t.clock_reads >= 200000 / PROGRESS_MAX_STRIDE);
    assert_true(t.clock_reads < 20000);
    progress_end(&t);
}

/* The last tick of a known total always reads the clock (a terminal's
 * final "N of N" draw), whatever the stride. */
static void test_last_tick_reads_clock(void **state)
{
    (void)state;
    progress_force(0);
    progress_task t = { 0 };
    progress_begin(&t, "ingest", "ingest x", "records", 5000);
    for (int i = 0; i < 4999; i++)
        progress_tick(&t, 1);
    long long before = t.clock_reads;
    progress_tick(&t, 1);
    assert_int_equal(t.clock_reads, before + 1);
    progress_end(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_n_of_n),
        cmocka_unit_test(test_unknown_total),
        cmocka_unit_test(test_quiet_off_terminal),
        cmocka_unit_test(test_clock_read_every_stride),
        cmocka_unit_test(test_last_tick_reads_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
