/* clock.h - the clocks settle reads: a monotonic one for durations,
 * budgets and rates, and the wall clock for timestamps people read. */
#ifndef SETTLE_CLOCK_H
#define SETTLE_CLOCK_H

#include <stdint.h>

int64_t clock_mono_ms(void);  /* CLOCK_MONOTONIC in milliseconds */
double clock_mono_s(void);    /* CLOCK_MONOTONIC in seconds */
int64_t clock_wall_ms(void);  /* CLOCK_REALTIME: milliseconds since the epoch */

#endif
