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
    metrics_emit(f, "reconcile", 1.5, 1, 1795929219508LL);
    fclose(f);
    char *second = strchr(out, '\n');
    assert_non_null(second);
    *second++ = '\0';
    assert_string_equal(out, "{\"_aws\":{\"Timestamp\":1795929219508,\"CloudWatchMetrics\":[{\"Namespace\":"
                             "\"Comex/Settlement\",\"Dimensions\":[[\"step\"]],\"Metrics\":[{\"Name\":"
                             "\"DurationSeconds\",\"Unit\":\"Seconds\"},{\"Name\":\"Success\",\"Unit\":\"Count\"},"
                             "{\"Name\":\"Settled\",\"Unit\":\"Count\"}]}]},\"step\":\"reconcile\","
                             "\"DurationSeconds\":1.500,\"Success\":1,\"Settled\":3}");
    assert_string_equal(second, "{\"_aws\":{\"Timestamp\":1795929219508,\"CloudWatchMetrics\":[{\"Namespace\":"
                                "\"Comex/Settlement\",\"Dimensions\":[[\"step\",\"reason\"]],\"Metrics\":[{\"Name\":"
                                "\"Exceptions\",\"Unit\":\"Count\"}]}]},\"step\":\"reconcile\",\"reason\":"
                                "\"UNDERPAID\",\"Exceptions\":2}\n");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_prefers_plain_counter),
        cmocka_unit_test(test_emf_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
