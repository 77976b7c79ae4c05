/* metrics_test.c - counters, summaries and CloudWatch EMF lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/metrics.h"

static void test_get_prefers_plain_counter(void **state)
{
    (void)state;
    metrics_reset();
    metrics_add(NULL, NULL, "Exceptions", 5);
    metrics_add("reason", "UNDERPAID", "Exceptions", 2);
    metrics_add("reason", "OVERPAID", "Exceptions", 3);
    metrics_add("source", "bb", "FilesFetched", 2);
    metrics_add("source", "itau", "FilesFetched", 1);
    metrics_add("source", "bb", "FilesFetched", 4);
    assert_int_equal(metrics_get("Exceptions"), 5);   /* not 10 */
    assert_int_equal(metrics_get("FilesFetched"), 7); /* summed over sources */
    assert_int_equal(metrics_get("Nothing"), 0);
    char buf[256];
    metrics_format(buf, sizeof buf, 0);
    assert_string_equal(buf, "Exceptions=5 FilesFetched=7");
    metrics_format(buf, sizeof buf, 1);
    assert_string_equal(buf, "{\"Exceptions\":5,\"FilesFetched\":7}");
}

static void test_emf_lines(void **state)
{
    (void)state;
    metrics_reset();
    metrics_add(NULL, NULL, "Settled", 3);
    metrics_add("reason", "UNDERPAID", "Exceptions", 2);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    metrics_emit(f, "reconcile", 1500, 1, 1795929219508LL);
    fclose(f);
    char *second = strchr(out, '\n');
    assert_non_null(second);
    *second++ = '\0';
    assert_string_equal(out, "{\"_aws\":{\"Timestamp\":1795929219508,\"CloudWatchMetrics\":[{\"Namespace\":"
                             "\"Comex/Settlement\",\"Dimensions\":[[\"step\"]],\"Metrics\":[{\"Name\":"
                             "\"Duration\",\"Unit\":\"Milliseconds\"},{\"Name\":\"Success\",\"Unit\":\"Count\"},"
                             "{\"Name\":\"Settled\",\"Unit\":\"Count\"}]}]},\"step\":\"reconcile\","
                             "\"Duration\":1500,\"Success\":1,\"Settled\":3}");
    assert_string_equal(second, "{\"_aws\":{\"Timestamp\":1795929219508,\"CloudWatchMetrics\":[{\"Namespace\":"
                                "\"Comex/Settlement\",\"Dimensions\":[[\"step\",\"reason\"]],\"Metrics\":[{\"Name\":"
                                "\"Exceptions\",\"Unit\":\"Count\"}]}]},\"step\":\"reconcile\",\"reason\":"
                                "\"UNDERPAID\",\"Exceptions\":2}\n");
    free(out);
}

/* Bytes are Bytes; an amount is written in reais (integer arithmetic) on a
 * line of its own with currency=BRL, and in R$ in the summary. */
static void test_units_and_money(void **state)
{
    (void)state;
    metrics_reset();
    assert_string_equal(metrics_unit("BytesFetched"), "Bytes");
    assert_string_equal(metrics_unit("FilesFetched"), "Count");
    assert_string_equal(metrics_unit("FetchedBytes"), "Bytes");
    assert_string_equal(metrics_unit("SettledAmount"), "None");
    assert_string_equal(metrics_unit("WaitMilliseconds"), "Milliseconds");
    metrics_add("source", "bb", "DownloadedBytes", 2048);
    metrics_add(NULL, NULL, "SettledAmount", 47544972216LL);
    metrics_add("reason", "OVERPAID", "ExceptionAmount", -5);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    metrics_emit(f, "reconcile", 7, 0, 1);
    fclose(f);
    assert_non_null(strstr(out, "\"Dimensions\":[[\"step\",\"source\"]],\"Metrics\":[{\"Name\":\"DownloadedBytes\","
                                "\"Unit\":\"Bytes\"}]}]},\"step\":\"reconcile\",\"source\":\"bb\",\"DownloadedBytes\":2048}\n"));
    assert_non_null(strstr(out, "\"Dimensions\":[[\"step\",\"currency\"]],\"Metrics\":[{\"Name\":\"SettledAmount\","
                                "\"Unit\":\"None\"}]}]},\"step\":\"reconcile\",\"currency\":\"BRL\","
                                "\"SettledAmount\":475449722.16}\n"));
    assert_non_null(strstr(out, "\"Dimensions\":[[\"step\",\"reason\",\"currency\"]]"));
    assert_non_null(strstr(out, "\"reason\":\"OVERPAID\",\"currency\":\"BRL\",\"ExceptionAmount\":-0.05}\n"));
    /* the step line carries no amount in cents */
    assert_null(strstr(out, "47544972216"));
    assert_non_null(strstr(out, "\"Duration\":7,\"Success\":0}\n"));
    free(out);
    char buf[256];
    metrics_format(buf, sizeof buf, 0);
    assert_string_equal(buf, "DownloadedBytes=2048 SettledAmount=R$ 475.449.722,16 ExceptionAmount=R$ -0,05");
    metrics_format(buf, sizeof buf, 1);
    assert_string_equal(buf, "{\"DownloadedBytes\":2048,\"SettledAmount\":47544972216,\"ExceptionAmount\":-5}");
}

/* Counters past the buffer are counted, never cut in half: the JSON stays
 * a whole object (job_run_steps.counts is jsonb). */
static void test_format_small_buffer(void **state)
{
    (void)state;
    metrics_reset();
    for (int i = 0; i < 40; i++) {
        char name[32];
        snprintf(name, sizeof name, "Counter%02dBytes", i);
        metrics_add(NULL, NULL, name, i);
    }
    char buf[128];
    metrics_format(buf, sizeof buf, 1);
    assert_true(strlen(buf) < sizeof buf);
    assert_int_equal(buf[0], '{');
    assert_int_equal(buf[strlen(buf) - 1], '}');
    const char *more = strstr(buf, "\"MoreCounters\":");
    assert_non_null(more);
    int shown = 0;
    for (const char *p = buf; (p = strstr(p, "Bytes\":")); p++)
        shown++;
    assert_int_equal(shown + (int)strtol(more + 15, NULL, 10), 40);
    metrics_format(buf, sizeof buf, 0);
    assert_non_null(strstr(buf, " more"));
    assert_null(strstr(buf, "MoreCounters"));
    assert_true(strlen(buf) < sizeof buf);
    metrics_reset();
}

/* 128 was the old silent cap: 300 counters are all kept and all written. */
static void test_no_cap(void **state)
{
    (void)state;
    metrics_reset();
    for (int i = 0; i < 300; i++) {
        char v[16];
        snprintf(v, sizeof v, "s%03d", i);
        metrics_add("source", v, "FilesFetched", i);
    }
    assert_int_equal(metrics_get("FilesFetched"), 299 * 300 / 2);
    assert_int_equal(metrics_dropped(), 0);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    metrics_emit(f, "fetch", 1, 1, 1);
    fclose(f);
    int lines = 0;
    for (const char *p = out; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 301);
    assert_non_null(strstr(out, "\"source\":\"s299\",\"FilesFetched\":299}\n"));
    free(out);
}

static void test_run_line(void **state)
{
    (void)state;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    metrics_emit_run(f, 65, 123456, 0, 5);
    metrics_emit_run(f, 0, 10, 1, 6);
    fclose(f);
    assert_string_equal(out,
        "{\"_aws\":{\"Timestamp\":5,\"CloudWatchMetrics\":[{\"Namespace\":\"Comex/Settlement\",\"Dimensions\":"
        "[[\"step\"]],\"Metrics\":[{\"Name\":\"ExitCode\",\"Unit\":\"None\"},{\"Name\":\"Duration\",\"Unit\":"
        "\"Milliseconds\"},{\"Name\":\"Success\",\"Unit\":\"Count\"}]}]},\"step\":\"run\",\"ExitCode\":65,"
        "\"Duration\":123456,\"Success\":0}\n"
        "{\"_aws\":{\"Timestamp\":6,\"CloudWatchMetrics\":[{\"Namespace\":\"Comex/Settlement\",\"Dimensions\":"
        "[[\"step\"]],\"Metrics\":[{\"Name\":\"ExitCode\",\"Unit\":\"None\"},{\"Name\":\"Duration\",\"Unit\":"
        "\"Milliseconds\"},{\"Name\":\"Success\",\"Unit\":\"Count\"}]}]},\"step\":\"dry-run\",\"ExitCode\":0,"
        "\"Duration\":10,\"Success\":1}\n");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_prefers_plain_counter),
        cmocka_unit_test(test_emf_lines),
        cmocka_unit_test(test_units_and_money),
        cmocka_unit_test(test_no_cap),
        cmocka_unit_test(test_format_small_buffer),
        cmocka_unit_test(test_run_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
