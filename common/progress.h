/* progress.h - a live progress line on a terminal, nothing otherwise.
 *
 * progress_update() redraws one line on stderr ("\r...") at most four times
 * a second, only when stderr is a terminal; progress_done() clears it. Safe
 * to call from per-record loops: when disabled it costs one branch, and
 * when enabled one clock read per call. */
#ifndef SETTLE_PROGRESS_H
#define SETTLE_PROGRESS_H

#include <stddef.h>

void progress_update(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void progress_done(void);

/* Whether the line is shown at all (skip building its arguments when not). */
int progress_enabled(void);

/* Force on/off (tests); by default on when isatty(stderr). */
void progress_force(int on);

/* A long step's progress, n of N: on a terminal one line redrawn at most
 * four times a second ("reconcile bb/X.RET: 120000 of 400000 settlements
 * (30%), 45000/s, ETA 0:06"); otherwise (cron, a log file) one log event
 * "progress" at most every PROGRESS_LOG_SECONDS (or $SETTLE_PROGRESS_SECONDS),
 * with done, total, per_s and eta_s. A stage calls progress_begin() before its loop, progress_tick()
 * once per iteration and progress_end() after it. total 0 = unknown (no
 * percentage, no ETA). The task is the caller's; nothing to free.
 * A tick reads the clock only every `stride` ticks: the stride doubles (up
 * to PROGRESS_MAX_STRIDE) while that many ticks take under
 * PROGRESS_FAST_MS and falls back to 1 when they take longer than
 * PROGRESS_SLOW_MS, so a per-record loop pays a counter per record and a
 * slow loop (export's batches) still looks at the clock every time. */
#define PROGRESS_LOG_SECONDS 10
#define PROGRESS_MAX_STRIDE 1024
#define PROGRESS_FAST_MS 4
#define PROGRESS_SLOW_MS 50

#include <time.h>

typedef struct progress_task {
    char component[16];         /* log component: "reconcile" */
    char label[96];             /* what: "reconcile bb/X.RET" */
    const char *unit;           /* "settlements" (static) */
    long long total, done;
    struct timespec t0, last_log;
    struct timespec last_read;  /* when a tick last read the clock */
    unsigned stride, skip;      /* ticks between clock reads, ticks left before the next */
    long long clock_reads;      /* how many times ticks read the clock (tests) */
    int active;
} progress_task;

void progress_begin(progress_task *t, const char *component, const char *label, const char *unit, long long total);
void progress_tick(progress_task *t, long long n);
void progress_end(progress_task *t);

/* The text of the line for done of total after seconds, into buf:
 * "120000 of 400000 settlements (30%), 45000/s, ETA 0:06". Pure (tests). */
void progress_format(char *buf, size_t n, long long done, long long total, const char *unit, double seconds);

#endif
