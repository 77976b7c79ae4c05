/* version.c - `settle version`: this build and the libraries it runs with. */
#include <libpq-fe.h>
#include <libssh2.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <zlib.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "jobs/jobs.h"

#ifndef SETTLE_VERSION
#define SETTLE_VERSION "0.1.0"
#endif

const char usage_version[] = "usage: settle version\n\nPrint settle's version and the versions of the libraries it uses.\n";

int cmd_version(settle_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argv;
    if (argc > 1)
        return job_usage_error("version", "takes no arguments");
    char pcre[64] = "";
    pcre2_config(PCRE2_CONFIG_VERSION, pcre);
    int pq = PQlibVersion();
    printf("settle %s\n", SETTLE_VERSION);
    printf("libpq %d.%d, libssh2 %s, %s, zlib %s, pcre2 %s\n", pq / 10000, pq % 10000,
           libssh2_version(0), OpenSSL_version(OPENSSL_VERSION), zlibVersion(), pcre);
    return 0;
}
