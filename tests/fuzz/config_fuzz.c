/* config_fuzz.c - libFuzzer target for the settle.conf reader: the input is
 * a whole config file read with config_load_mem(). Seeds:
 * tests/fuzz/seeds/config/ (docs/settle.conf.example, the test configs). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    err_t e = { 0 };
    config *c = config_load_mem((const char *)data, size, "fuzz.conf", &e);
    if (!c) {
        if (e.code != EX_CONFIG || !e.msg[0])
            abort();
        return 0;
    }
    /* every profile and source resolves, as the jobs will ask */
    for (int i = 0; i < c->n_sources; i++)
        if (config_source(c, c->sources[i].ep.name) != &c->sources[i])
            abort();
    for (int i = 0; i < c->n_profiles; i++)
        if (!config_profile(c, c->profiles[i].name))
            abort();
    config_free(c);
    return 0;
}
