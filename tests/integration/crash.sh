#!/usr/bin/env bash
# crash.sh - a few trials of the crash harness (tests/crash/crash.sh) in
# `make check`: `settle run` SIGKILLed at random moments, re-run, invariants
# and final state checked. `make check-crash` runs 30 (its CRASH_TRIALS,
# passed here as CRASH_TRIALS_CHECK); CRASH_SEED replays a schedule.
# In `make check`: 3 trials of at most 2 kills over the demo set plus 600
# payments (a full run takes ~2 s; the fixed costs - SSH sessions, fsyncs -
# dominate), to stay near a minute on a loaded 2-core machine.
# test: slow (scripts/run-tests starts it first, so it does not end the run alone)
if [ -n "${CRASH_TRIALS_CHECK:-}" ]; then
  exec env CRASH_TRIALS="$CRASH_TRIALS_CHECK" bash "$(dirname "$0")/../crash/crash.sh"
fi
exec env CRASH_TRIALS=3 CRASH_EXTRA="${CRASH_EXTRA:-600}" CRASH_MAX_KILLS="${CRASH_MAX_KILLS:-2}" bash "$(dirname "$0")/../crash/crash.sh"
