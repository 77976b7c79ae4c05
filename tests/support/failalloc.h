/* failalloc.h - a test allocator that fails the Nth allocation.
 *
 * For the allocation-failure tests (tests/unit/.../oom_test.c, docs/testing.md
 * "Crash and fault tests"). Include it in exactly ONE test file of a binary
 * linked with
 *   -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc
 *   -Wl,--wrap=strdup -Wl,--wrap=strndup
 * (the Makefile's OOM_TESTS): every call to those functions from the test
 * and from libsettle.a goes through the wrappers below (allocations made
 * inside shared libraries - zlib, PCRE2, libpq - do not; libcsv's go through
 * our realloc callback and so do). Not a .c file on purpose: the support
 * objects are linked into every unit test, and these wrappers need --wrap.
 *
 * failalloc_arm(n, sticky): count allocations from now; the nth (1-based)
 * returns NULL, and with sticky every one after it too. n = 0 never fails.
 * failalloc_count(): allocations counted since arming. failalloc_failed():
 * how many were refused. */
#ifndef SETTLE_TEST_FAILALLOC_H
#define SETTLE_TEST_FAILALLOC_H

#include <stddef.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static long fa_fail_at, fa_count, fa_failed;
static int fa_sticky;

static void failalloc_arm(long n, int sticky)
{
    fa_fail_at = n;
    fa_sticky = sticky;
    fa_count = fa_failed = 0;
}

static long failalloc_count(void) { return fa_count; }
static long failalloc_failed(void) { return fa_failed; }

/* 1 when this allocation must fail. */
static int fa_refuse(void)
{
    if (!fa_fail_at)
        return 0;
    fa_count++;
    if (fa_count == fa_fail_at || (fa_sticky && fa_count > fa_fail_at)) {
        fa_failed++;
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t n) { return fa_refuse() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t k, size_t n) { return fa_refuse() ? NULL : __real_calloc(k, n); }
void *__wrap_realloc(void *p, size_t n) { return fa_refuse() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return fa_refuse() ? NULL : __real_strdup(s); }
char *__wrap_strndup(const char *s, size_t n) { return fa_refuse() ? NULL : __real_strndup(s, n); }

#endif
