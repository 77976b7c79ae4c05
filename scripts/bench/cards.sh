#!/usr/bin/env bash
# scripts/bench/cards.sh - `settle parse` on large card acquirer files: a
# Cielo file 04 of PAYOUTS D records each with its E (the reader keeps one
# entry per payout to join its E records), and a Rede EEVC of as many sales,
# both built with tests/fixtures/cards/mkcielo.py / mkrede.py's record
# builders. Best of ROUNDS, output to /dev/null, hot cache; peak RSS.
#
#   PAYOUTS=100000 ROUNDS=3 BENCH_DIR=/tmp scripts/bench/cards.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
SETTLE=${SETTLE:-$top/bin/settle}
PAYOUTS=${PAYOUTS:-100000}
ROUNDS=${ROUNDS:-3}
dir=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/settle-bench-cards.XXXXXX")
trap 'rm -rf "$dir"' EXIT

python3 - "$PAYOUTS" "$dir" <<'PY'
import sys
sys.path.insert(0, "tests/fixtures/cards")
import mkcielo as c
import mkrede as r
n, d = int(sys.argv[1]), sys.argv[2]
with open(d + "/cielo04.txt", "wb") as f:
    f.write(c.header("04") + b"\r\n")
    net = gross = 0
    for i in range(n):
        key = "01027058000191 36033801000109 2026-03-31 001 %010d" % i
        f.write(c.d_rec("001", "02", "04", 17170, -426, 16744, 1, key, "31032026", "31032026") + b"\r\n")
        f.write(c.e_rec("001", "02", 0, 0, "885618", key, "%06d" % (i % 1000000), "TID%017d" % i, "PED-%d" % i,
                        17170, 17170, 16744, -426, "01032026", "31032026") + b"\r\n")
        net += 16744
        gross += 17170
    f.write(c.trailer(2 * n, net, n, gross) + b"\r\n")
with open(d + "/eevc.txt", "wb") as f:
    f.write(r.eevc_header() + b"\r\n")
    f.write(r.rv("006", "000001001", 15000 * n, 375 * n, 14625 * n, "30032026", "3", n) + b"\r\n")
    for i in range(n):
        f.write(r.cv_rot("000001001", "%012d" % i, 15000, 375, "A1B2C3") + b"\r\n")
        f.write(r.ecom("034", "000001001", "%012d" % i, 15000, "A1B2C3", "TID%017d" % i, "PED-%d" % i) + b"\r\n")
    f.write(r.eevc_trailer(2 * n + 3, 15000 * n, 375 * n, 14625 * n, n) + b"\r\n")
PY

for f in cielo04.txt eevc.txt; do
  path=$dir/$f
  cat "$path" >/dev/null
  best=""
  for _ in $(seq "$ROUNDS"); do
    t0=$(date +%s%N)
    "$SETTLE" parse "$path" >/dev/null
    t=$(( $(date +%s%N) - t0 ))
    { [ -z "$best" ] || [ "$t" -lt "$best" ]; } && best=$t
  done
  /usr/bin/time -o "$dir/time" -f %M "$SETTLE" parse "$path" >/dev/null
  rss=$(tail -n 1 "$dir/time")
  rows=$(( $("$SETTLE" parse "$path" | wc -l) - 1 ))
  awk -v f="$f" -v b="$(stat -c %s "$path")" -v t="$best" -v r="$rss" -v rows="$rows" -v n="$ROUNDS" 'BEGIN {
    printf "%s: %.1f MB, %d records: %.3f s (best of %d), %.0f MB/s, %.0f records/s, peak RSS %.1f MiB\n",
      f, b / 1e6, rows, t / 1e9, n, b / 1e6 / (t / 1e9), rows / (t / 1e9), r / 1024 }'
done
