#!/usr/bin/env bash
# scripts/bench/sftp.sh - `settle fetch` of one large file against OpenSSH's
# own `sftp` client, same file, same throwaway sshd, same run.
#
# A warm-up `settle fetch` plays the previous night: it leaves the source's
# listing in the spool (state/bench.listing), so each timed fetch takes the
# file on one listing, as on a real night for a file that was already
# there. Its time (with the 2 s second listing a new file costs, as it did
# on every source before) is printed apart.
# Then ROUNDS (5) alternating rounds, the order swapped every other round:
# `settle fetch` (registry emptied first, so it downloads; includes start,
# connect, listing, download, fsync, SHA-256, the registry row) and
# `sftp get` of the same file. Each round's throughput of both and its ratio
# settle / sftp; then medians and ranges, against the goal (issue 18:
# >= 0.8x OpenSSH's throughput on a 232 MB file over loopback).
# BENCH_MB (232) and ROUNDS may be set. The machine may be shared: the
# ratio of the same round is steadier than either figure.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
SETTLE=${SETTLE:-$top/bin/settle}
rounds=${ROUNDS:-5}
mb=${BENCH_MB:-232}
GOAL=${GOAL:-0.8}
bytes=$((mb * 1000000))
med() { awk -v col="$2" -f "$top/scripts/bench/median.awk" "$1"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/settle-bench-sftp.XXXXXX")
export SETTLE_SSHD_DIR=$work/sshd
unset SETTLE_FETCH_SETTLE_MS # the real default: only the warm-up may wait
base=$("$top/scripts/pg" start)
admin="${base% dbname=settle} dbname=postgres"
db=settle_bench_sftp_$$
cleanup() {
  "$top/scripts/sshd" stop >/dev/null 2>&1 || true
  psql "$admin" -qtAX -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/root/in" "$work/spool"
head -c "$bytes" /dev/urandom >"$work/root/in/BENCH.RET"
"$top/scripts/sshd" start "$work/root" >/dev/null
# shellcheck disable=SC1091
. "$SETTLE_SSHD_DIR/env"
psql "$admin" -qtAX -c "CREATE DATABASE $db" >/dev/null
cat >"$work/settle.conf" <<CONF
[database]
conninfo = ${base% dbname=settle} dbname=$db
[spool]
dir = $work/spool
[source bench]
host = 127.0.0.1
port = $port
user = $user
identity = $identity
known_hosts = $known_hosts
remote_dir = in
min_age_seconds = 0
CONF
"$SETTLE" --config "$work/settle.conf" migrate >/dev/null 2>&1
cat "$work/root/in/BENCH.RET" >/dev/null # hot cache on the server side

now() { date +%s%N; }
fresh() {
  psql "${base% dbname=settle} dbname=$db" -qtAX -c "DELETE FROM fetched_files" >/dev/null
  rm -rf "$work/spool/incoming/bench" "$work/spool/tmp/bench" "$work/sftp.out"
}
# settle_fetch: one timed fetch; appends "seconds cpu_s" to $work/settle
settle_fetch() {
  fresh
  local t0 t1
  t0=$(now)
  /usr/bin/time -o "$work/time" -f "%U %S" "$SETTLE" -q --config "$work/settle.conf" fetch
  t1=$(now)
  [ "$(stat -c %s "$work/spool/incoming/bench/BENCH.RET")" -eq "$bytes" ] || { echo "settle fetch: wrong size" >&2; exit 1; }
  awk -v ns=$((t1 - t0)) '{ printf "%.3f %.2f\n", ns / 1e9, $1 + $2 }' "$work/time" >>"$work/${1:-settle}"
}
sftp_get() {
  fresh
  local t0 t1
  t0=$(now)
  echo "get in/BENCH.RET $work/sftp.out" | /usr/bin/time -o "$work/time" -f "%U %S" \
    sftp -q -b - -i "$identity" -o UserKnownHostsFile="$known_hosts" \
    -o StrictHostKeyChecking=yes -o BatchMode=yes -P "$port" "$user@127.0.0.1" >/dev/null
  t1=$(now)
  [ "$(stat -c %s "$work/sftp.out")" -eq "$bytes" ] || { echo "sftp: wrong size" >&2; exit 1; }
  awk -v ns=$((t1 - t0)) '{ printf "%.3f %.2f\n", ns / 1e9, $1 + $2 }' "$work/time" >>"$work/sftp"
}

echo "file: $mb MB over loopback, $rounds alternating rounds; libssh2 $(pkg-config --modversion libssh2), $(ssh -V 2>&1 | cut -d, -f1)"
: >"$work/warmup" ; : >"$work/settle"; : >"$work/sftp"
settle_fetch warmup
read -r w_s _ <"$work/warmup"
printf 'first night (no previous listing: listed twice, 2 s apart): settle fetch %.2f s, %.1f MB/s\n' "$w_s" \
  "$(awk -v b="$bytes" -v s="$w_s" 'BEGIN { print b / 1e6 / s }')"
printf '%-6s %10s %10s %12s %10s %7s\n' round settle_s settle_MB/s settle_cpu_s sftp_MB/s ratio
for r in $(seq "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then settle_fetch; sftp_get; else sftp_get; settle_fetch; fi
  paste -d' ' <(tail -n 1 "$work/settle") <(tail -n 1 "$work/sftp") | awk -v r="$r" -v b="$bytes" '{
    printf "%-6s %10.2f %10.1f %12.2f %10.1f %6.2fx\n", r, $1, b / 1e6 / $1, $2, b / 1e6 / $3, $3 / $1 }'
done
paste -d' ' "$work/settle" "$work/sftp" | awk -v b="$bytes" '{ print b / 1e6 / $1, b / 1e6 / $3, $3 / $1, $2, $4 }' >"$work/rates"
read -r s_m s_lo s_hi < <(med "$work/rates" 1)
read -r o_m o_lo o_hi < <(med "$work/rates" 2)
read -r r_m r_lo r_hi < <(med "$work/rates" 3)
read -r sc_m _ _ < <(med "$work/rates" 4)
read -r oc_m _ _ < <(med "$work/rates" 5)
awk -v sm="$s_m" -v sl="$s_lo" -v sh="$s_hi" -v om="$o_m" -v ol="$o_lo" -v oh="$o_hi" \
    -v rm="$r_m" -v rl="$r_lo" -v rh="$r_hi" -v sc="$sc_m" -v oc="$oc_m" -v goal="$GOAL" 'BEGIN {
  printf "settle fetch: %.1f MB/s [%.1f-%.1f], client CPU %.2f s (start, connect, listing, download, fsync, SHA-256, registry)\n", sm, sl, sh, sc
  printf "OpenSSH sftp: %.1f MB/s [%.1f-%.1f], client CPU %.2f s\n", om, ol, oh, oc
  printf "ratio settle / sftp throughput: %.2fx [%.2f-%.2f] (goal >= %sx: %s)\n", rm, rl, rh, goal, (rm >= goal ? "met" : "NOT met")
}'
