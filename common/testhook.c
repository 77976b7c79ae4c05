/* testhook.c - pause at a named point when a crash test asks for it. */
#include "common/testhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void testhook(const char *point)
{
    const char *at = getenv("SETTLE_TEST_PAUSE_AT");
    if (!at || strcmp(at, point))
        return;
    const char *mark = getenv("SETTLE_TEST_PAUSE_FILE");
    if (mark) {
        FILE *f = fopen(mark, "w");
        if (f)
            fclose(f);
    }
    const char *ms = getenv("SETTLE_TEST_PAUSE_MS");
    char *end = NULL;
    long pause_ms = ms ? strtol(ms, &end, 10) : 0;
    if (ms && end != ms && pause_ms > 0) {   /* pause that long, then go on (fault tests) */
        struct timespec t = { pause_ms / 1000, (pause_ms % 1000) * 1000000L };
        while (nanosleep(&t, &t) != 0)
            ;
        return;
    }
    for (;;)
        pause();
}
