/* oom_stage.c - one stage engine run with the Nth allocation refused
 * (tests/integration/faults_alloc_stages.sh). Built with --wrap and
 * tests/support/failalloc.h, so every malloc/calloc/realloc/strdup/strndup
 * of libsettle.a goes through the wrappers (libpq's own do not).
 *
 * usage: oom_stage CONFIG ingest|reconcile|export N
 * Prints "allocs=A refused=R rc=RC" and exits 0 (the test judges). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/log.h"
#include "export/export.h"
#include "ingest/ingest.h"
#include "reconcile/engine.h"
#include "tests/support/failalloc.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: oom_stage CONFIG ingest|reconcile|export N\n");
        return 64;
    }
    err_t e = { 0 };
    config *cfg = config_load(argv[1], 1, &e);
    if (!cfg) {
        fprintf(stderr, "%s\n", e.msg);
        return 78;
    }
    log_setup(LOG_WARN, 0, stderr);
    long n = strtol(argv[3], NULL, 10);
    int rc;
    failalloc_arm(n, 0);
    if (!strcmp(argv[2], "ingest"))
        rc = ingest_run(cfg, NULL);
    else if (!strcmp(argv[2], "reconcile"))
        rc = reconcile_run(cfg, NULL);
    else if (!strcmp(argv[2], "export"))
        rc = export_run(cfg, NULL);
    else
        rc = 64;
    long allocs = failalloc_count(), refused = failalloc_failed();
    failalloc_arm(0, 0);
    printf("allocs=%ld refused=%ld rc=%d\n", allocs, refused, rc);
    config_free(cfg);
    return 0;
}
