#!/usr/bin/env bash
# scripts/bench/parse.sh - `settle parse` on a 480,000-title CNAB 240 return
# (~230 MB, made by tests/tools/gencnab240) against `wc -l` on the same file,
# hot cache, output to /dev/null, best of 5 interleaved rounds, same run.
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

# Interleaved rounds (wc, parse, wc, parse, ...) so that load from other
# processes on a shared machine hits both alike; best wall time of ROUNDS
# each (ns clock), and best CPU time (user+sys) as a steadier second view.
ROUNDS=${ROUNDS:-5}
now() { date +%s%N; }
wc_best="" parse_best="" wc_cpu="" parse_cpu=""
for _ in $(seq "$ROUNDS"); do
  for which in wc parse; do
    if [ $which = wc ]; then cmd=(wc -l "$f"); else cmd=("$SETTLE" parse "$f"); fi
    t0=$(now)
    /usr/bin/time -o "$dir/time" -f "%U %S" "${cmd[@]}" >/dev/null
    t=$(( $(now) - t0 ))
    c=$(awk '{printf "%d", ($1 + $2) * 1000}' "$dir/time")
    if [ $which = wc ]; then
      { [ -z "$wc_best" ] || [ "$t" -lt "$wc_best" ]; } && wc_best=$t
      { [ -z "$wc_cpu" ] || [ "$c" -lt "$wc_cpu" ]; } && wc_cpu=$c
    else
      { [ -z "$parse_best" ] || [ "$t" -lt "$parse_best" ]; } && parse_best=$t
      { [ -z "$parse_cpu" ] || [ "$c" -lt "$parse_cpu" ]; } && parse_cpu=$c
    fi
  done
done
wc_s=$(awk -v n="$wc_best" 'BEGIN{printf "%.4f", n / 1e9}')
parse_s=$(awk -v n="$parse_best" 'BEGIN{printf "%.4f", n / 1e9}')
/usr/bin/time -o "$dir/time" -f %M "$SETTLE" parse "$f" >/dev/null
rss_kb=$(tail -n 1 "$dir/time")
rows=$("$SETTLE" parse "$f" | wc -l)

awk -v t="$TITLES" -v b="$bytes" -v w="$wc_s" -v p="$parse_s" -v r="$rss_kb" -v rows="$rows" \
    -v wc_cpu="$wc_cpu" -v parse_cpu="$parse_cpu" -v rounds="$ROUNDS" 'BEGIN {
  printf "file: %d titles, %.1f MB, %d CSV rows out (header included)\n", t, b / 1e6, rows
  printf "wc -l:        %.3f s wall, %.2f s CPU (best of %d, interleaved)\n", w, wc_cpu / 1000, rounds
  printf "settle parse: %.3f s wall, %.2f s CPU (best of %d), %.0f MB/s, %.0f records/s\n", p, parse_cpu / 1000, rounds, b / 1e6 / p, t / p
  printf "ratio parse / wc -l: %.1fx wall (goal <= 5x)", p / w
  if (wc_cpu > 0) printf ", %.1fx CPU", parse_cpu / wc_cpu
  printf "\n"
  printf "peak RSS: %.1f MiB (goal <= 64 MiB)\n", r / 1024
}'
