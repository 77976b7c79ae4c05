/* listing.c - the stable-file check of the SFTP fetch without a fixed wait
 * on every source (docs/fetch.md, "How a file is chosen").
 *
 * A file is taken on one listing when it is unchanged (size and mtime)
 * since the source's previous listing, taken at least the settle interval
 * ago (the previous run's, kept in <spool>/state/SOURCE.listing), or when
 * its mtime is older than both min_age_seconds (when set) and the settle
 * interval. Only a file for which neither holds may still be growing: for
 * it, and only then, the source is listed a second time after the settle
 * interval. After every download the remote size and mtime are read again
 * (fetch.c), so a file written under an old mtime is not taken either.
 *
 * The SOURCE.listing file: a first line "settle-listing 1 AT_MS" (wall-clock
 * milliseconds of the listing), then one "SIZE MTIME NAME" line per file.
 * Only names fetch accepts (no control characters, so no newline) are
 * written. A missing or unreadable file is an empty listing: the only cost
 * is one wait. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch/fetch.h"

static int cmp_name(const void *a, const void *b)
{
    const sftp_entry *x = a, *y = b;
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, n);
    return c ? c : (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

int fetch_stable(const sftp_entry *x, const fetch_listing *prev, long long now_ms, long long settle_ms,
                 long long min_age_seconds)
{
    if (prev && prev->n && prev->at_ms <= now_ms && now_ms - prev->at_ms >= settle_ms) {
        const sftp_entry *y = bsearch(x, prev->v, prev->n, sizeof *prev->v, cmp_name);
        if (y && y->size == x->size && y->mtime == x->mtime)
            return FETCH_STABLE_PREVIOUS;
    }
    long long age_ms = now_ms - (long long)x->mtime * 1000;
    if (min_age_seconds > 0 && age_ms >= min_age_seconds * 1000 && age_ms >= settle_ms)
        return FETCH_STABLE_AGE;
    return 0;
}

void fetch_listing_free(fetch_listing *l)
{
    if (!l)
        return;
    sftp_list_free(l->v, l->n);
    l->v = NULL;
    l->n = 0;
}

/* The longest .listing read: far more than any bank directory needs. */
#define LISTING_MAX (16u << 20)
/* Times beyond this (ms, the year 2286) are not ours: the file is damaged. */
#define LISTING_AT_MAX 9999999999999LL

/* Decimal digits at s up to the byte end, a value <= max (no sign, no
 * overflow): the byte after end, or NULL. */
static const char *read_number(const char *s, char end, long long max, long long *v)
{
    long long x = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (x > (max - (*p - '0')) / 10)
            return NULL;
        x = x * 10 + (*p - '0');
    }
    if (p == s || *p != end)
        return NULL;
    *v = x;
    return p + 1;
}

void fetch_listing_load(const char *path, fetch_listing *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0, cnt = 0, room = 0, bytes = 0;
    ssize_t len;
    long long at = 0;
    int ok = getline(&line, &cap, f) > 0 && !strncmp(line, "settle-listing 1 ", 17) &&
             read_number(line + 17, '\n', LISTING_AT_MAX, &at) && at > 0;
    sftp_entry *v = NULL;
    while (ok && (len = getline(&line, &cap, f)) > 0) {
        bytes += (size_t)len;
        long long size, mtime;
        const char *p = line;
        if (bytes > LISTING_MAX || line[len - 1] != '\n' || !(p = read_number(p, ' ', INT64_MAX, &size)) ||
            !(p = read_number(p, ' ', LISTING_AT_MAX / 1000, &mtime)) || p >= line + len - 1) {
            ok = 0;
            break;
        }
        int used = (int)(p - line) - 1; /* the space before the name */
        if (cnt == room) {
            size_t nroom = room ? room * 2 : 64;
            sftp_entry *g = realloc(v, nroom * sizeof *v);
            if (!g) {
                ok = 0;
                break;
            }
            v = g;
            room = nroom;
        }
        sftp_entry *x = &v[cnt];
        used++; /* the space before the name, which may itself start with spaces */
        size_t name_len = (size_t)(len - 1 - used);
        if (fetch_name_problem(line + used, name_len)) { /* a NUL or a name fetch never writes */
            ok = 0;
            break;
        }
        x->name_len = name_len;
        x->name = strndup(line + used, x->name_len);
        if (!x->name) {
            ok = 0;
            break;
        }
        x->size = (uint64_t)size;
        x->mtime = mtime;
        x->type = SFTP_REGULAR;
        cnt++;
    }
    free(line);
    fclose(f);
    if (!ok) {
        sftp_list_free(v, cnt);
        return;
    }
    if (cnt > 1)
        qsort(v, cnt, sizeof *v, cmp_name);
    out->v = v;
    out->n = cnt;
    out->at_ms = at;
}

int fetch_listing_save(const char *path, long long at_ms, const sftp_entry *v, size_t n, err_t *e)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return err_fail(e, err_local_write(errno), "cannot write %s: %s", tmp, strerror(errno));
    fprintf(f, "settle-listing 1 %lld\n", at_ms);
    for (size_t i = 0; i < n; i++)
        if (v[i].type == SFTP_REGULAR && !fetch_name_problem(v[i].name, v[i].name_len))
            fprintf(f, "%" PRIu64 " %" PRId64 " %s\n", v[i].size, v[i].mtime, v[i].name);
    /* not fsynced: a listing lost in a crash only costs one wait */
    if (fclose(f) != 0) {
        int saved = errno;
        unlink(tmp);
        return err_fail(e, err_local_write(saved), "cannot write %s: %s", tmp, strerror(saved));
    }
    if (rename(tmp, path) < 0) {
        int saved = errno;
        unlink(tmp);
        return err_fail(e, err_local_write(saved), "cannot rename %s: %s", tmp, strerror(saved));
    }
    return 0;
}
