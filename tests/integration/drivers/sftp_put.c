/* sftp_put.c - test driver for common/sftp.h's upload path (used by
 * tests/integration/sftp_upload.sh; built there against build/libsettle.a).
 *
 *   sftp_put CONFIG DESTINATION LOCAL_FILE NAME
 *
 * Opens [destination DESTINATION], uploads LOCAL_FILE to remote_dir/NAME
 * with sftp_upload() and prints "uploaded" or the error; exit code is the
 * error's sysexits code. This is how the export job is expected to call it. */
#include <stdio.h>

#include "common/config.h"
#include "common/log.h"
#include "common/sftp.h"

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: sftp_put CONFIG DESTINATION LOCAL_FILE NAME\n");
        return 64;
    }
    log_setup(LOG_INFO, 0, stderr);
    err_t e = { 0 };
    config *cfg = config_load(argv[1], 1, &e);
    if (!cfg) {
        fprintf(stderr, "%s\n", e.msg);
        return e.code;
    }
    const destination_cfg *d = config_destination(cfg, argv[2]);
    if (!d) {
        fprintf(stderr, "no [destination %s]\n", argv[2]);
        config_free(cfg);
        return 64;
    }
    int rc = 0;
    sftp_conn *c = sftp_open(&d->ep, &e);
    if (!c || sftp_upload(c, argv[3], d->ep.remote_dir, argv[4], &e) < 0) {
        fprintf(stderr, "%s\n", e.msg);
        rc = e.code;
    } else {
        printf("uploaded\n");
    }
    sftp_close(c);
    config_free(cfg);
    return rc;
}
