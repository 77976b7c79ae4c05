/* hash.h - SHA-256 through OpenSSL's libcrypto (EVP), as lowercase hex. */
#ifndef SETTLE_HASH_H
#define SETTLE_HASH_H

#include <stddef.h>

#include "common/error.h"

#define SHA256_HEX_LEN 64

/* hex must hold SHA256_HEX_LEN + 1 bytes. */
void sha256_hex(const void *data, size_t len, char *hex);

/* Hash a whole file. 0 on success, -1 with e set (EX_DATAERR when it
 * cannot be read). */
int sha256_file_hex(const char *path, char *hex, err_t *e);

#endif
