/* metrics.h - per-step counters, written as CloudWatch Embedded Metric
 * Format lines (one JSON object per line) for the CloudWatch agent.
 *
 * Steps add counters as they go (metrics_add); `settle run` resets them
 * before a step and emits them after it (metrics_emit), with dimensions
 * `step` and, where a counter was added with one, `source` or `reason`.
 * Namespace "Comex/Settlement". Counters are plain integers; the only
 * non-integer value is DurationSeconds. */
#ifndef SETTLE_METRICS_H
#define SETTLE_METRICS_H

#include <stdio.h>

/* Add v to counter name, under dimension dim=value (both NULL for none). */
void metrics_add(const char *dim, const char *value, const char *name, long long v);

/* Value of a counter for run summaries: the dimensionless counter when there
 * is one, else the sum over its dimension values. */
long long metrics_get(const char *name);

void metrics_reset(void);

/* Write the counters as EMF lines to out: one line per dimension group,
 * each carrying step, DurationSeconds and Success. ts_ms is the Timestamp. */
void metrics_emit(FILE *out, const char *step, double seconds, int success, long long ts_ms);

/* Print "name=value" pairs of all counters summed over dimensions, for the
 * run summary and job_run_steps.counts (as a JSON object when json). */
void metrics_format(char *buf, size_t n, int json);

#endif
