#!/usr/bin/env bash
# scripts/bench/parse.sh - `settle parse` on a 480,000-title CNAB 240 return
# (~231 MB, made by tests/tools/gencnab240) against `wc -l` on the same
# file, hot cache, output to /dev/null.
#
# ROUNDS (7) alternating rounds (wc -l, parse; the order swapped every
# other round so that neither always runs first), each timed for wall
# (ns clock) and CPU (user + sys). Printed: every round, then the median
# and range of each, and the ratio parse / wc -l of each round given as its
# median and range, against the goal (issue 18: <= 4x wall, hot cache).
# Peak RSS of settle parse (goal: <= 64 MiB, "memory as today").
# The machine may be shared: the ratio of the same round is steadier than
# either figure, and the CPU ratio steadier than the wall one.
#
#   TITLES=480000 ROUNDS=7 BENCH_DIR=/tmp scripts/bench/parse.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
SETTLE=${SETTLE:-$top/bin/settle}
TITLES=${TITLES:-480000}
ROUNDS=${ROUNDS:-7}
GOAL=${GOAL:-4}
med() { awk -v col="$2" -f "$top/scripts/bench/median.awk" "$1"; }
dir=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/settle-bench-parse.XXXXXX")
trap 'rm -rf "$dir"' EXIT

make -s tools >/dev/null
f=$dir/bench.ret
build/tests/tools/gencnab240 --titles "$TITLES" --out "$f"
bytes=$(stat -c %s "$f")
cat "$f" >/dev/null # hot cache
rows=$("$SETTLE" parse "$f" | wc -l)

now() { date +%s%N; }
# run NAME CMD...: one timed run; appends "wall_s cpu_s" to $dir/NAME
run() {
  local name=$1 t0 t1; shift
  t0=$(now)
  /usr/bin/time -o "$dir/time" -f "%U %S %M" "$@" >/dev/null
  t1=$(now)
  awk -v ns=$((t1 - t0)) '{ printf "%.4f %.3f %d\n", ns / 1e9, $1 + $2, $3 }' "$dir/time" >>"$dir/$name"
}
: >"$dir/wc"
: >"$dir/parse"
printf '%-6s %10s %10s %10s %10s %8s %8s\n' round wc_wall_s wc_cpu_s parse_wall parse_cpu ratio cpu_ratio
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then
    run wc wc -l "$f"; run parse "$SETTLE" parse "$f"
  else
    run parse "$SETTLE" parse "$f"; run wc wc -l "$f"
  fi
  paste -d' ' <(tail -n 1 "$dir/wc") <(tail -n 1 "$dir/parse") | awk -v r="$r" '{
    printf "%-6s %10.3f %10.2f %10.3f %10.2f %7.1fx %7.1fx\n", r, $1, $2, $4, $5, $4 / $1, ($2 > 0 ? $5 / $2 : 0) }'
done
paste -d' ' "$dir/wc" "$dir/parse" | awk '{ print $4 / $1, ($2 > 0 ? $5 / $2 : 0) }' >"$dir/ratios"

read -r wc_m wc_lo wc_hi < <(med "$dir/wc" 1)
read -r wcc_m wcc_lo wcc_hi < <(med "$dir/wc" 2)
read -r p_m p_lo p_hi < <(med "$dir/parse" 1)
read -r pc_m pc_lo pc_hi < <(med "$dir/parse" 2)
read -r r_m r_lo r_hi < <(med "$dir/ratios" 1)
read -r rc_m rc_lo rc_hi < <(med "$dir/ratios" 2)
read -r rss_m _ rss_hi < <(med "$dir/parse" 3)
awk -v t="$TITLES" -v b="$bytes" -v rows="$rows" -v n="$ROUNDS" \
    -v wm="$wc_m" -v wl="$wc_lo" -v wh="$wc_hi" -v wcm="$wcc_m" \
    -v pm="$p_m" -v pl="$p_lo" -v ph="$p_hi" -v pcm="$pc_m" \
    -v rm="$r_m" -v rl="$r_lo" -v rh="$r_hi" -v rcm="$rc_m" -v rcl="$rc_lo" -v rch="$rc_hi" \
    -v rss="$rss_hi" -v goal="$GOAL" 'BEGIN {
  printf "file: %d titles, %.1f MB, %d CSV rows out (header included); %d alternating rounds, medians [ranges]\n", t, b / 1e6, rows, n
  printf "wc -l:        %.3f s wall [%.3f-%.3f], %.2f s CPU\n", wm, wl, wh, wcm
  printf "settle parse: %.3f s wall [%.3f-%.3f], %.2f s CPU, %.0f MB/s, %.0f records/s\n", pm, pl, ph, pcm, b / 1e6 / pm, t / pm
  printf "ratio parse / wc -l: %.2fx wall [%.2f-%.2f] (goal <= %sx: %s), %.2fx CPU [%.2f-%.2f]\n", rm, rl, rh, goal,
         (rm <= goal ? "met" : "NOT met"), rcm, rcl, rch
  printf "peak RSS of settle parse: %.1f MiB (goal <= 64 MiB: %s)\n", rss / 1024, (rss / 1024 <= 64 ? "met" : "NOT met")
}'
