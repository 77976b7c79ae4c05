#!/usr/bin/env bash
# scripts/bench/sftp.sh - download throughput of `settle fetch` against
# OpenSSH's own sftp client, same 200 MB file, same throwaway sshd, same run.
#
# Each round: `settle fetch` (fresh registry, so it downloads; includes
# connect, the two listings, fsync and SHA-256 of the file) then
# `sftp get` of the same file. Prints each round, the best MB/s of each
# and the ratio settle/sftp (goal >= 0.7). ROUNDS (3) and BENCH_MB (200)
# may be set. The machine may be shared: figures are noisy.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
SETTLE=${SETTLE:-$top/bin/settle}
rounds=${ROUNDS:-3}
mb=${BENCH_MB:-200}
bytes=$((mb * 1000000))
work=$(mktemp -d "${TMPDIR:-/tmp}/settle-bench-sftp.XXXXXX")
export SETTLE_SSHD_DIR=$work/sshd SETTLE_FETCH_SETTLE_MS=0
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

now() { date +%s%N; }
rate() { awk -v b="$bytes" -v ns="$1" 'BEGIN { printf "%.1f", b / 1e6 / (ns / 1e9) }'; }
best_settle=0 best_sftp=0
echo "file: $mb MB over loopback, $rounds rounds; libssh2 $(pkg-config --modversion libssh2), $(ssh -V 2>&1 | cut -d, -f1)"
for r in $(seq "$rounds"); do
  psql "${base% dbname=settle} dbname=$db" -qtAX -c "DELETE FROM fetched_files" >/dev/null
  rm -f "$work/spool/incoming/bench/"*
  t0=$(now)
  "$SETTLE" -q --config "$work/settle.conf" fetch
  t1=$(now)
  [ "$(stat -c %s "$work/spool/incoming/bench/BENCH.RET")" -eq "$bytes" ] || { echo "settle fetch: wrong size" >&2; exit 1; }
  s=$(rate $((t1 - t0)))

  rm -f "$work/sftp.out"
  t0=$(now)
  echo "get in/BENCH.RET $work/sftp.out" | sftp -q -b - -i "$identity" -o UserKnownHostsFile="$known_hosts" \
    -o StrictHostKeyChecking=yes -o BatchMode=yes -P "$port" "$user@127.0.0.1" >/dev/null
  t1=$(now)
  [ "$(stat -c %s "$work/sftp.out")" -eq "$bytes" ] || { echo "sftp: wrong size" >&2; exit 1; }
  o=$(rate $((t1 - t0)))
  echo "round $r: settle fetch $s MB/s, sftp $o MB/s"
  best_settle=$(awk -v a="$best_settle" -v b="$s" 'BEGIN { print (b > a ? b : a) }')
  best_sftp=$(awk -v a="$best_sftp" -v b="$o" 'BEGIN { print (b > a ? b : a) }')
done
ratio=$(awk -v a="$best_settle" -v b="$best_sftp" 'BEGIN { printf "%.2f", a / b }')
echo "best: settle fetch $best_settle MB/s, OpenSSH sftp $best_sftp MB/s, ratio ${ratio}x (goal >= 0.7x)"
