#!/usr/bin/env bash
# crash.sh - a few trials of the crash harness (tests/crash/crash.sh) in
# `make check`: `settle run` SIGKILLed at random moments, re-run, invariants
# and final state checked. `make check-crash` runs 30 (its CRASH_TRIALS,
# passed here as CRASH_TRIALS_CHECK); CRASH_SEED replays a schedule.
exec env CRASH_TRIALS="${CRASH_TRIALS_CHECK:-3}" bash "$(dirname "$0")/../crash/crash.sh"
