/* listing_fuzz.c - libFuzzer target: any bytes as a source's previous
 * listing (<spool>/state/SOURCE.listing, fetch/listing.c), written to a
 * file and loaded; every entry it yields is looked up as the stable-file
 * check does, and the listing saved again and reloaded (the same entries
 * must come back). The sanitizers judge the rest. Seeds:
 * tests/fuzz/seeds/listing/. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch/fetch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64], again[80];
    if (!*path) {
        snprintf(path, sizeof path, "/tmp/settle-listing-fuzz.%d", (int)getpid());
        snprintf(again, sizeof again, "%s.again", path);
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    fetch_listing l;
    fetch_listing_load(path, &l);
    for (size_t i = 0; i < l.n; i++) {
        if (strlen(l.v[i].name) != l.v[i].name_len)
            abort(); /* no NUL inside a name: the lookups compare name_len bytes */
        (void)fetch_stable(&l.v[i], &l, l.at_ms + 2000, 2000, 60); /* at_ms is checked when loaded */
    }
    err_t e = { 0 };
    if (l.n && fetch_listing_save(again, l.at_ms, l.v, l.n, &e) == 0) {
        fetch_listing r;
        fetch_listing_load(again, &r);
        if (r.at_ms != l.at_ms || r.n != l.n)
            abort(); /* what was loaded is written back whole */
        fetch_listing_free(&r);
    }
    fetch_listing_free(&l);
    unlink(path);
    unlink(again);
    return 0;
}
