/* progress.c - the terminal progress line behind progress.h. */
#include "common/progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int g_state = -1; /* -1 unknown, 0 off, 1 on */
static int g_shown;
static struct timespec g_last;

void progress_force(int on)
{
    g_state = on ? 1 : 0;
}

double progress_seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double s = (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
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
