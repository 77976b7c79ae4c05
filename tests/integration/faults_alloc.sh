#!/usr/bin/env bash
# faults_alloc.sh - allocation failures: the readers over every corpus file
# and the reconcile decision code, with the Nth allocation failing for every
# N (tests/unit/parsers/oom_test.c, tests/unit/reconcile/oom_test.c,
# tests/unit/jobs/migrate_oom_test.c: all migrations or none), run
# under valgrind memcheck (under LeakSanitizer when `make asan` built them):
# a clean error or the clean result, never a crash, never an invalid access,
# never a leak (definite, indirect or possible).
. "$(dirname "$0")/../lib.sh"
BUILD=${BUILD:-$T_TOP/build}
cd "$T_TOP"
for t in parsers/oom_test reconcile/oom_test jobs/migrate_oom_test; do
  bin=$BUILD/tests/unit/$t
  t_check "$t is built" test -x "$bin"
  if ldd "$bin" 2>/dev/null | grep -q libasan; then
    # `make asan`: valgrind cannot run an ASan binary; LeakSanitizer checks instead
    t_run out env ASAN_OPTIONS=detect_leaks=1 "$bin"
    t_eq "$t under ASan/LSan: passes, no memory error, no leak" 0 "$out_rc"
    t_not_contains "$t: no sanitizer report" "ERROR: " "$out"
  else
    command -v valgrind >/dev/null || { t_fail "valgrind is installed (scripts/bootstrap)"; continue; }
    t_run out valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
      --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 "$bin"
    t_eq "$t under valgrind: passes, no memory error, no leak" 0 "$out_rc"
    t_not_contains "$t: no valgrind report" "==" "$(printf '%s\n' "$out" | grep '^==[0-9]*==')"
  fi
  [ "$out_rc" = 0 ] || printf '%s\n' "$out" | tail -n 30 | sed 's/^/#   /'
done
t_done
