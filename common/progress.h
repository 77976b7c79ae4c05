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

/* Force on/off (tests); by default on when isatty(stderr). */
void progress_force(int on);

#endif
