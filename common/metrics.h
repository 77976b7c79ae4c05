/* metrics.h - per-step counters, written as CloudWatch Embedded Metric
 * Format lines (one JSON object per line) for the CloudWatch agent.
 *
 * Steps add counters as they go (metrics_add); `settle run` resets them
 * before a step and emits them after it (metrics_emit), with dimensions
 * `step` and, where a counter was added with one, `source`, `reason` or
 * `what`; at the end it emits one run-level line (metrics_emit_run).
 * Namespace "Comex/Settlement". The unit comes from the name
 * (metrics_unit): Bytes... and ...Bytes in Bytes, ...Milliseconds and Duration in
 * Milliseconds, ...Amount (kept in cents) written in reais on a line of its
 * own with the extra dimension currency=BRL, anything else a Count. The
 * table grows as needed: no counter is ever dropped silently. */
#ifndef SETTLE_METRICS_H
#define SETTLE_METRICS_H

#include <stdio.h>

/* Add v to counter name, under dimension dim=value (both NULL for none). */
void metrics_add(const char *dim, const char *value, const char *name, long long v);

/* Value of a counter for run summaries: the dimensionless counter when there
 * is one, else the sum over its dimension values. */
long long metrics_get(const char *name);

void metrics_reset(void);

/* Write the counters as EMF lines to out: one line per dimension group (the
 * step-only one carrying Duration in ms and Success), amounts on lines of
 * their own. ts_ms is the Timestamp. */
void metrics_emit(FILE *out, const char *step, long long ms, int success, long long ts_ms);

/* The run-level line: step "run" (or "dry-run"), ExitCode, Duration (ms)
 * and Success (1 when exit_code is 0). */
void metrics_emit_run(FILE *out, int exit_code, long long ms, int dry_run, long long ts_ms);

/* The CloudWatch unit of a counter name: Bytes, Milliseconds, None (an
 * amount, reais) or Count. Static string. */
const char *metrics_unit(const char *name);

/* Counters lost since metrics_reset() because memory ran out (metrics_emit
 * logs a warning when any were). */
long long metrics_dropped(void);

/* Print "name=value" pairs of all counters summed over dimensions, for the
 * run summary ("SettledAmount=R$ 1.234,56") and job_run_steps.counts (as a
 * JSON object when json, amounts in cents). What does not fit in n bytes is
 * counted, never cut: " +N more" (JSON: "MoreCounters":N), and the JSON is
 * always a whole object. */
void metrics_format(char *buf, size_t n, int json);

#endif
