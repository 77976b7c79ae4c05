/* sftp_int.h - what the parts of the SFTP client share (common/sftp.c
 * connection, sftp_hostkey.c host key, sftp_auth.c authentication,
 * sftp_xfer.c file transfer); not for use outside them. sftp.h is the
 * contract.
 *
 * Every libssh2 call runs non-blocking and loops on LIBSSH2_ERROR_EAGAIN
 * through sftp_conn_wait(), the one place that waits: it polls the socket
 * in the directions libssh2_session_block_directions() reports, and gives
 * up with "timeout while <step> after Ns" once timeout_seconds pass
 * without the call completing. */
#ifndef SETTLE_SFTP_INT_H
#define SETTLE_SFTP_INT_H

#include <libssh2.h>
#include <libssh2_sftp.h>

#include "common/sftp.h"

struct sftp_conn {
    const sftp_endpoint *ep;
    int sock;
    LIBSSH2_SESSION *ssh;
    LIBSSH2_SFTP *sftp;
    long timeout_ms;
    long long deadline_ms; /* CLOCK_MONOTONIC ms after which every wait fails; 0 = none */
    int broken;      /* a network failure happened: no polite goodbye */
    char fingerprint[SFTP_FINGERPRINT_LEN + 1];
};

/* After a network failure: shut the socket down so that every later
 * libssh2 call fails at once instead of waiting on a dead or frozen peer. */
void sftp_conn_break(sftp_conn *c);

/* The source's time budget (max_source_seconds) has run out: deadline_ms
 * set and passed. */
int sftp_budget_spent(const sftp_conn *c);
/* It ran out while step: break the connection, EX_TEMPFAIL naming the
 * budget and the step. Always -1. */
int sftp_budget_fail(sftp_conn *c, const char *step, err_t *e);

/* CLOCK_MONOTONIC in milliseconds. */
long long sftp_now_ms(void);

/* Wait until the socket is ready in the directions libssh2 is blocked on.
 * *deadline is 0 on the first wait of a call and set here. 0 to try the
 * call again, -1 with e set (EX_TEMPFAIL) on timeout. */
int sftp_conn_wait(sftp_conn *c, long long *deadline, const char *step, err_t *e);

/* Fill e from the session's last error for a failed step; always -1. */
int sftp_ssh_fail(sftp_conn *c, const char *step, int rc, err_t *e);

/* Whether the connection is still up: the socket is neither at its end
 * (the server closed it) nor failed nor shut down here. libssh2 reports
 * an answer it never got (the connection lost while waiting for it) with
 * the same code as a refusal (LIBSSH2_ERROR_AUTHENTICATION_FAILED,
 * LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED), so a refusal is believed only while
 * the connection that carried it is still up. */
int sftp_conn_alive(sftp_conn *c);

/* A step ended without the server's answer (the connection lost, libssh2's
 * own LIBSSH2_ERROR_TIMEOUT): EX_TEMPFAIL naming the source's time budget
 * when it has run out, the timeout, or the lost connection; always -1. */
int sftp_no_answer(sftp_conn *c, const char *step, int rc, err_t *e);

/* Whether rc says the answer did not come: LIBSSH2_ERROR_TIMEOUT or one of
 * LIBSSH2_ERROR_SOCKET_* (none, send, recv, disconnect, timeout). */
int sftp_rc_no_answer(int rc);

/* Run a libssh2 call returning int until it is not EAGAIN. */
#define SSH_CALL(c, rc, step, e, expr)                                 \
    do {                                                               \
        long long dl_ = 0;                                             \
        while (((rc) = (expr)) == LIBSSH2_ERROR_EAGAIN)                \
            if (sftp_conn_wait((c), &dl_, (step), (e)) < 0)                 \
                break;                                                 \
    } while (0)

/* Run a libssh2 call returning a pointer until it is not NULL-with-EAGAIN.
 * On failure ptr is NULL and rc holds the session's error. */
#define SSH_PCALL(c, ptr, rc, step, e, expr)                                           \
    do {                                                                               \
        long long dl_ = 0;                                                             \
        (rc) = 0;                                                                      \
        while (!((ptr) = (expr))) {                                                    \
            (rc) = libssh2_session_last_errno((c)->ssh);                               \
            if ((rc) != LIBSSH2_ERROR_EAGAIN || sftp_conn_wait((c), &dl_, (step), (e)) < 0) \
                break;                                                                 \
        }                                                                              \
    } while (0)


/* Host key (sftp_hostkey.c): set the preferred host key algorithms from
 * known_hosts before the handshake; check the offered key after it (fills
 * c->fingerprint). 0, or -1 with e set. */
void sftp_prefer_known_algs(sftp_conn *c);
int sftp_check_host_key(sftp_conn *c, err_t *e);

/* Authentication (sftp_auth.c): public key, then password. 0, or -1. */
int sftp_authenticate(sftp_conn *c, err_t *e);

#endif
