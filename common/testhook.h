/* testhook.h - named pause points for crash tests (tests/integration/crash.sh).
 *
 * When $SETTLE_TEST_PAUSE_AT equals the point's name (e.g.
 * "reconcile:before-commit"), testhook() creates the file named by
 * $SETTLE_TEST_PAUSE_FILE (when set) and sleeps until killed, or, when
 * $SETTLE_TEST_PAUSE_MS is set, for that many milliseconds and then returns
 * (tests/integration/faults_*.sh break something meanwhile). Unset in
 * production: a getenv per call, no other effect. */
#ifndef SETTLE_TESTHOOK_H
#define SETTLE_TESTHOOK_H

void testhook(const char *point);

#endif
