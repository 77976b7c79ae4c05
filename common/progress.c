/* progress.c - the terminal progress line behind progress.h. */
#include "common/progress.h"

#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int g_state = -1; /* -1 unknown, 0 off, 1 on */
static int g_shown;
static struct timespec g_last;

void progress_force(int on)
{
    g_state = on ? 1 : 0;
}

/* Seconds from *t0 to *t1, never 0. */
static double seconds_between(const struct timespec *t0, const struct timespec *t1)
{
    double s = (double)(t1->tv_sec - t0->tv_sec) + (double)(t1->tv_nsec - t0->tv_nsec) / 1e9;
    return s > 1e-6 ? s : 1e-6;
}

int progress_enabled(void)
{
    if (g_state < 0)
        g_state = isatty(STDERR_FILENO) ? 1 : 0;
    return g_state;
}

static int enabled(void)
{
    if (g_state < 0)
        g_state = isatty(STDERR_FILENO) ? 1 : 0;
    return g_state;
}

void progress_update(const char *fmt, ...)
{
    if (!enabled())
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (now.tv_sec - g_last.tv_sec) * 1000 + (now.tv_nsec - g_last.tv_nsec) / 1000000;
    if (g_shown && ms < 250)
        return;
    g_last = now;
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    g_shown = 1;
}

void progress_done(void)
{
    if (g_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        g_shown = 0;
    }
}

void progress_format(char *buf, size_t n, long long done, long long total, const char *unit, double seconds)
{
    double rate = seconds > 1e-6 ? (double)done / seconds : 0;
    if (total > 0) {
        long long pct = done >= total ? 100 : done * 100 / total;
        long long eta = rate > 0 && done < total ? (long long)((double)(total - done) / rate + 0.5) : 0;
        snprintf(buf, n, "%lld of %lld %s (%lld%%), %.0f/s, ETA %lld:%02lld", done, total, unit, pct, rate, eta / 60,
                 eta % 60);
    } else {
        snprintf(buf, n, "%lld %s, %.0f/s", done, unit, rate);
    }
}

void progress_begin(progress_task *t, const char *component, const char *label, const char *unit, long long total)
{
    snprintf(t->component, sizeof t->component, "%s", component);
    snprintf(t->label, sizeof t->label, "%s", label);
    t->unit = unit;
    t->total = total;
    t->done = 0;
    clock_gettime(CLOCK_MONOTONIC, &t->t0);
    t->last_log = t->last_read = t->t0;
    t->stride = t->skip = 1;
    t->clock_reads = 0;
    t->active = 1;
}

/* Whether this tick reads the clock: every t->stride ticks, the stride
 * adapted to how long the last stride took (progress.h), and always for
 * the last tick of a known total (the terminal line's final draw). */
static int clock_due(progress_task *t)
{
    if (--t->skip > 0 && t->done != t->total)
        return 0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    t->clock_reads++;
    long ms = (now.tv_sec - t->last_read.tv_sec) * 1000 + (now.tv_nsec - t->last_read.tv_nsec) / 1000000;
    t->last_read = now;
    if (ms < PROGRESS_FAST_MS && t->stride < PROGRESS_MAX_STRIDE)
        t->stride *= 2;
    else if (ms > PROGRESS_SLOW_MS)
        t->stride = 1;
    t->skip = t->stride;
    return 1;
}

void progress_tick(progress_task *t, long long n)
{
    if (!t->active)
        return;
    t->done += n;
    if (!clock_due(t))
        return;
    if (enabled()) {
        char line[128];
        /* progress_update() limits the redraws; build the text only when due */
        struct timespec now = t->last_read;
        long ms = (now.tv_sec - g_last.tv_sec) * 1000 + (now.tv_nsec - g_last.tv_nsec) / 1000000;
        if (g_shown && ms < 250 && t->done != t->total)
            return;
        if (t->done == t->total)
            g_shown = 0; /* always draw the last one */
        progress_format(line, sizeof line, t->done, t->total, t->unit, seconds_between(&t->t0, &now));
        progress_update("%s: %s", t->label, line);
        return;
    }
    static double every = -1;
    if (every < 0) {
        /* SETTLE_PROGRESS_SECONDS: tests shorten the interval */
        const char *v = getenv("SETTLE_PROGRESS_SECONDS");
        char *end = NULL;
        every = v && *v ? strtod(v, &end) : PROGRESS_LOG_SECONDS;
        if (!v || !*v || *end || every < 0)
            every = PROGRESS_LOG_SECONDS;
    }
    if (seconds_between(&t->last_log, &t->last_read) < every)
        return;
    t->last_log = t->last_read;
    double s = seconds_between(&t->t0, &t->last_read);
    long long rate = (long long)((double)t->done / s);
    long long eta = rate > 0 && t->total > t->done ? (t->total - t->done) / rate : -1;
    log_msg(LOG_INFO, t->component,
            KV(KV_S("what", t->label), KV_I("done", t->done), KV_I("total", t->total), KV_S("unit", t->unit),
               KV_I("per_s", rate), KV_I("eta_s", eta)),
            "progress");
}

void progress_end(progress_task *t)
{
    if (t->active)
        progress_done();
    t->active = 0;
}
