/* hash.h - SHA-256 through OpenSSL's libcrypto (EVP), as lowercase hex. */
#ifndef SETTLE_HASH_H
#define SETTLE_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define SHA256_HEX_LEN 64

/* hex must hold SHA256_HEX_LEN + 1 bytes. */
void sha256_hex(const void *data, size_t len, char *hex);

/* Hash a whole file. 0 on success, -1 with e set (EX_DATAERR when it
 * cannot be read). */
int sha256_file_hex(const char *path, char *hex, err_t *e);

/* Streaming SHA-256, for content hashed while it is written (fetch hashes
 * a download as it arrives instead of reading the file again). NULL with e
 * set when libcrypto cannot start one. */
typedef struct sha256_stream sha256_stream;
sha256_stream *sha256_stream_new(err_t *e);
void sha256_stream_update(sha256_stream *s, const void *data, size_t len);
/* Hash the first len bytes of path (a partial download being resumed).
 * 0, or -1 with e set (EX_IOERR: it cannot be read or is shorter). */
int sha256_stream_file_prefix(sha256_stream *s, const char *path, uint64_t len, err_t *e);
/* The digest as hex (SHA256_HEX_LEN + 1 bytes), and s is freed. */
void sha256_stream_final(sha256_stream *s, char *hex);
/* Free without a digest; NULL is fine. */
void sha256_stream_free(sha256_stream *s);

#endif
