/* sftp.h - an SFTP client over libssh2 for fetching from and uploading to
 * the banks' servers ([source NAME] and [destination NAME] in settle.conf).
 *
 * The session is non-blocking; every libssh2 call goes through one wait
 * helper that polls the socket in the directions libssh2 asks for, so a
 * stuck server ends in "timeout while <step> after Ns" (timeout_seconds).
 * The host key is checked before authentication (strict | accept-new |
 * fingerprint, see docs/fetch.md); secrets are read from files that must
 * not be readable by group or others and never appear in logs or messages.
 *
 * Errors fill an err_t with one of:
 *   EX_TEMPFAIL     the network failed (refused, reset, timeout): worth a
 *                   retry, which sftp_open() already did `retries` times
 *   EX_UNAVAILABLE  the server was reached but refused us (host key, auth):
 *                   retrying will not help. Only an answer from the server
 *                   is a refusal: a connection lost or a time limit
 *                   (timeout_seconds, max_source_seconds) reached while
 *                   waiting for it is EX_TEMPFAIL and says which
 *   EX_CONFIG       a local setting is wrong (secret file mode, missing
 *                   known_hosts or key file)
 *   EX_DATAERR      a remote file operation failed (no such file, denied)
 *   EX_IOERR        a local file could not be written or read
 *
 * Ownership: sftp_open() returns a connection the caller ends with
 * sftp_close(); sftp_list() returns an array freed with sftp_list_free(). */
#ifndef SETTLE_SFTP_H
#define SETTLE_SFTP_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/error.h"

typedef struct sftp_conn sftp_conn;

typedef enum { SFTP_REGULAR, SFTP_DIRECTORY, SFTP_OTHER } sftp_type;

typedef struct sftp_entry {
    char *name;        /* as the server sent it (may hold anything but NUL) */
    size_t name_len;   /* bytes the server sent; != strlen(name) when it held a NUL */
    uint64_t size;
    int64_t mtime;     /* seconds since the epoch, as the server reports */
    sftp_type type;
} sftp_entry;

/* Length of "SHA256:" + 43 base64 characters, without the NUL. */
#define SFTP_FINGERPRINT_LEN 50

/* Connect to ep (getaddrinfo: IPv4 and IPv6), handshake, verify the host
 * key, authenticate and start SFTP. Connection-level failures are retried
 * ep->retries times with exponential backoff and jitter (sftp_backoff_ms;
 * base delay from $SETTLE_SFTP_BACKOFF_MS, default 1000). Returns NULL with
 * e set on failure; nothing is read or written on the server before the
 * host key is accepted. */
sftp_conn *sftp_open(const sftp_endpoint *ep, err_t *e);

/* sftp_open() within a time budget of budget_ms milliseconds from now
 * (<= 0: none), the source's max_source_seconds: it covers the TCP
 * connect, the handshake, the host key check, authentication, the retries
 * and their backoff, and stays on the connection: every later wait on it
 * fails the same way once the budget is spent. The error is EX_TEMPFAIL
 * "the source's time budget (max_source_seconds) ran out while <step>",
 * never a refusal: a server that did not answer in time refused nothing. */
sftp_conn *sftp_open_within(const sftp_endpoint *ep, long long budget_ms, err_t *e);

/* Disconnect and free; NULL is fine. */
void sftp_close(sftp_conn *c);

/* The server's host key fingerprint ("SHA256:..."), valid while c lives. */
const char *sftp_host_fingerprint(const sftp_conn *c);

/* List dir: every entry but "." and "..". *out is an array of *n entries
 * the caller frees with sftp_list_free(). 0, or -1 with e set. */
int sftp_list(sftp_conn *c, const char *dir, sftp_entry **out, size_t *n, err_t *e);
void sftp_list_free(sftp_entry *v, size_t n);

/* Attributes of one path. 0, or -1 with e set (EX_DATAERR when absent). */
int sftp_stat(sftp_conn *c, const char *path, sftp_entry *out, err_t *e);

/* Download path into fd from byte offset (the fd is positioned by the
 * caller at offset; writes go to the current position). Reads are
 * pipelined (libssh2 keeps up to 8 MB of read requests in flight) and
 * written in blocks of SFTP_SINK_BLOCK. Fails with EX_DATAERR when
 * more than limit bytes in total (offset included) arrive; limit 0 = none.
 * *total receives offset + bytes written. fd is not fsynced. 0, or -1. */
int sftp_download(sftp_conn *c, const char *path, int fd, uint64_t offset, uint64_t limit, uint64_t *total,
                  err_t *e);

/* Where sftp_download_to() hands the bytes: n > 0 bytes at buf, in file
 * order, in blocks of about SFTP_SINK_BLOCK bytes (the last one shorter).
 * 0, or -1 with e set (the download stops with that error). */
typedef int (*sftp_sink)(void *arg, const char *buf, size_t n, err_t *e);
#define SFTP_SINK_BLOCK (1u << 20)

/* sftp_download() with the bytes given to sink instead of written to an
 * fd (fetch hashes and writes them in one pass). Bytes already received
 * are handed over before a failure is returned, so *total (offset + bytes
 * handed over) is what a resume may start from. A download also fails
 * (EX_TEMPFAIL) when a window of timeout_seconds brings fewer than
 * ep->min_bytes_per_second on average. 0, or -1 with e set. */
int sftp_download_to(sftp_conn *c, const char *path, uint64_t offset, uint64_t limit, uint64_t *total,
                     sftp_sink sink, void *arg, err_t *e);

/* Upload local_path to dir/name: write dir/name.part, check the size the
 * server reports equals the local size, then rename it to dir/name (an
 * existing dir/name is an error: nothing is overwritten). On failure the
 * .part is removed when possible. 0, or -1 with e set. */
int sftp_upload(sftp_conn *c, const char *local_path, const char *dir, const char *name, err_t *e);

/* Rename from -> to on the server (fails when to exists). 0, or -1. */
int sftp_rename(sftp_conn *c, const char *from, const char *to, err_t *e);

/* Remove a file on the server. 0, or -1. */
int sftp_remove(sftp_conn *c, const char *path, err_t *e);

/* ---- pure helpers (unit-tested) ---- */

/* "SHA256:" + base64 of the 32-byte digest without '=' padding, as
 * `ssh-keygen -lf` prints it. out holds SFTP_FINGERPRINT_LEN + 1 bytes. */
void sftp_fingerprint_format(const unsigned char sha256[32], char *out);

/* Delay before retry number attempt (0 = the first retry): base_ms * 2^attempt
 * capped at cap_ms, then "equal jitter": half fixed, half scaled by rnd
 * (0 .. UINT32_MAX). Never more than cap_ms. */
long sftp_backoff_ms(int attempt, long base_ms, long cap_ms, uint32_t rnd);

/* Read a secret (passphrase, password) from path into buf (NUL-terminated,
 * one trailing newline removed). Refused with EX_CONFIG when the file is
 * readable or writable by group or others, as ssh does; what names the
 * key in messages (e.g. "identity_passphrase_file"). The content never
 * appears in e. 0, or -1. */
int sftp_read_secret(const char *path, const char *what, char *buf, size_t n, err_t *e);

#endif
