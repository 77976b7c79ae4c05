/* progress.h - a live progress line on a terminal, nothing otherwise.
 *
 * progress_update() redraws one line on stderr ("\r...") at most four times
 * a second, only when stderr is a terminal; progress_done() clears it. Safe
 * to call from per-record loops: when disabled it costs one branch, and
 * when enabled one clock read per call. */
#ifndef SETTLE_PROGRESS_H
#define SETTLE_PROGRESS_H

void progress_update(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void progress_done(void);

/* Seconds since *t0 (CLOCK_MONOTONIC), never 0: for "records/s" rates. */
struct timespec;
double progress_seconds_since(const struct timespec *t0);

/* Whether the line is shown at all (skip building its arguments when not). */
int progress_enabled(void);

/* Force on/off (tests); by default on when isatty(stderr). */
void progress_force(int on);

#endif
