#!/usr/bin/env bash
# scripts/bench/parse.sh - `settle parse` on a 480,000-title CNAB 240 return
# (~230 MB, made by tests/tools/gencnab240) against `wc -l` on the same file,
# hot cache, output to /dev/null, best of 3 each, in the same run.
# Goals (issue 3): parse <= 5x wc -l; peak RSS <= 64 MiB.
#
#   TITLES=480000 BENCH_DIR=/tmp scripts/bench/parse.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
SETTLE=${SETTLE:-$top/bin/settle}
TITLES=${TITLES:-480000}
dir=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/settle-bench-parse.XXXXXX")
trap 'rm -rf "$dir"' EXIT

make -s tools >/dev/null
f=$dir/bench.ret
build/tests/tools/gencnab240 --titles "$TITLES" --out "$f"
bytes=$(stat -c %s "$f")
cat "$f" >/dev/null # hot cache

# best_of CMD...: the best wall time of 3 runs, in seconds (ns clock)
best_of() {
  local best="" t0 t1 t
  for _ in 1 2 3; do
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    t=$((t1 - t0))
    if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
  done
  awk -v n="$best" 'BEGIN{printf "%.4f\n", n / 1e9}'
}

wc_s=$(best_of wc -l "$f")
parse_s=$(best_of "$SETTLE" parse "$f")
/usr/bin/time -o "$dir/time" -f %M "$SETTLE" parse "$f" >/dev/null
rss_kb=$(tail -n 1 "$dir/time")
rows=$("$SETTLE" parse "$f" | wc -l)

awk -v t="$TITLES" -v b="$bytes" -v w="$wc_s" -v p="$parse_s" -v r="$rss_kb" -v rows="$rows" 'BEGIN {
  printf "file: %d titles, %.1f MB, %d CSV rows out (header included)\n", t, b / 1e6, rows
  printf "wc -l:        %.3f s (best of 3)\n", w
  printf "settle parse: %.3f s (best of 3), %.0f MB/s, %.0f records/s\n", p, b / 1e6 / p, t / p
  printf "ratio parse / wc -l: %.1fx (goal <= 5x)\n", p / w
  printf "peak RSS: %.1f MiB (goal <= 64 MiB)\n", r / 1024
}'
