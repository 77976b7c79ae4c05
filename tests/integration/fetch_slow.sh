#!/usr/bin/env bash
# fetch_slow.sh - a slow SFTP server. timeout_seconds restarts on every
# read, so a server trickling data never timed out and held the night up.
# Now a download slower than min_bytes_per_second over a window of
# timeout_seconds is cut (its .part kept for resuming), a source has a
# wall-clock budget (max_source_seconds), and short stalls and short reads
# within a window do not fail a file. The server is slowed by freezing its
# session processes (SIGSTOP) and letting them run for a moment each second.
# The budget covers the login too: a server frozen during the handshake or
# authentication ends as "the source's time budget ... ran out while STEP"
# (or "timeout while STEP after Ns"), never as "refused authentication",
# which once made the budget check flaky (the login under the throttle
# outlasted the budget and a lost answer read as a refusal).
# test: serial (scripts/run-tests runs it alone: its checks race timers (SIGSTOP, timeouts) that a busy machine stretches)
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/support/fetch-lib.sh"

R=$T_TMP/root
mkdir -p "$R/slow"
head -c 67108864 /dev/urandom >"$R/slow/BIG.RET"
f_sshd_start "$R"
t_newdb
sshd() { "$T_TOP/scripts/sshd" "$@"; }

# logins: how many logins sshd has logged so far
logins() { grep -c 'Accepted publickey' "$SETTLE_SSHD_DIR/sshd.log"; }
# throttle SECONDS_STOPPED [LOGINS]: freeze the sessions, thaw them 2 ms a
# cycle; from the first packet, or once sshd has logged more than LOGINS
# logins. The sessions are looked up (scripts/sshd sessions: a few pgrep,
# slow on a loaded machine) while the known ones are frozen, so that the
# server runs only in the thaw: a lookup while they ran once let a busy
# machine's server run free long enough to finish check 2's download
# within its budget (exit 0; 1 run in 10 under load 7).
throttle() {
  local stopped=$1 after=${2:-} p="" q
  if [ -n "$after" ]; then
    while [ "$(logins)" -le "$after" ]; do sleep 0.01; done
  fi
  while :; do
    [ -z "$p" ] || kill -STOP $p 2>/dev/null
    q=$(sshd sessions)
    [ -z "$q" ] || kill -STOP $q 2>/dev/null
    p=$q
    if [ -n "$p" ]; then
      sleep "$stopped"; kill -CONT $p 2>/dev/null; sleep 0.002
    else
      sleep 0.02
    fi
  done
}
start_throttle() { throttle "$@" & thr=$!; }
stop_throttle() { kill "$thr" 2>/dev/null; wait "$thr" 2>/dev/null; sshd kill-sessions CONT; }
trap 'stop_throttle 2>/dev/null; kill -CONT "$pid" 2>/dev/null; f_stop_all' EXIT
# bounded_fetch VAR: f_fetch under a 40 s `timeout`, a guard against a hang
# only (exit 124). What is asserted is behaviour, never elapsed time (the
# house rule: a loaded machine must not fail a test): that the download was
# cut by the rule under test, with its message, and what was kept.
bounded_fetch() {
  t_run "$1" timeout 40 "$SETTLE" --config "$T_TMP/settle.conf" fetch
  # a connection the throttled server closed: show what sshd said (the
  # checks do not depend on it; it is retried where retries allow)
  if grep -q 'connection lost while' <<<"${!1}"; then
    grep -E 'connection lost while|connection failed, retrying' <<<"${!1}" | sed 's/^/# settle: /'
    tail -n 15 "$SETTLE_SSHD_DIR/sshd.log" | sed 's/^/# sshd: /'
  fi
}
part_size() { stat -c %s "$T_TMP/spool/tmp/slow/BIG.RET.part" 2>/dev/null || echo 0; }

# Tests 1 and 3 are about the download, with retries = 0: they slow the
# server only once sshd has logged the login. Under the throttle the server
# now and then closes the connection during the login (seen once in 17
# runs under load 5: "connection lost while asking for authentication
# methods"; before the fix a close during the public key read as "refused
# authentication"), which settle retries by design, and which would fail a
# check about the download for a reason it does not test. Test 2 throttles
# from the first packet, with retries.

# 1. Too slow: cut after a window of timeout_seconds, .part kept.
t_config "$T_TMP/settle.conf" "$(f_source slow slow timeout_seconds=2 retries=0 min_bytes_per_second=50000000 max_source_seconds=0)"
start_throttle 0.9 "$(logins)"
bounded_fetch out
stop_throttle
t_eq "a download slower than min_bytes_per_second fails the source: exit 69" 69 "$out_rc"
t_contains "the error says too slow" "too slow:" "$out"
t_contains "... and names the limit" "less than min_bytes_per_second = 50000000" "$out"
t_contains "... measured over a window of timeout_seconds" "bytes/s over the last " "$out"
t_check "cut before the end, not run to completion ($(part_size) bytes of 67108864)" test "$(part_size)" -lt 67108864
t_check "the partial download is kept for resuming" test -s "$T_TMP/spool/tmp/slow/BIG.RET.part"
t_eq "nothing placed in incoming/" "" "$(f_incoming slow)"

# 2. The source's wall-clock budget, retries included. The throttle freezes
# the session from its first packet, so the budget may run out during the
# login or during the download, depending on the machine's load: either
# way the error names the budget (4 s < timeout_seconds: no call can time
# out first) and the step, and nothing is called a refusal.
rm -rf "$T_TMP/spool/tmp/slow"
t_config "$T_TMP/settle.conf" "$(f_source slow slow timeout_seconds=5 retries=3 min_bytes_per_second=0 max_source_seconds=4)"
start_throttle 0.9
bounded_fetch out
stop_throttle
err=$(grep 'level=error component=fetch' <<<"$out" | grep -v 'source(s) failed' | sed -n 's/.* msg="\([^"]*\)".*/\1/p')
case "$err" in
  *"ran out while connecting"*|*"ran out while handshaking"*|*"ran out while asking for authentication methods"*|\
  *"ran out while authenticating"*|*"ran out while starting SFTP"*|*"runs out before another connection attempt"*)
    where="the login" ;;
  *"ran out while"*) where="the listing or the download" ;;
  *) where="between connections" ;;
esac
t_eq "a source over its max_source_seconds budget fails: exit 69" 69 "$out_rc"
t_contains "the error names the budget (it ran out during $where)" "time budget (max_source_seconds" "$err"
t_check "... and the step or the connection it ran out in: $err" \
  grep -qE "time budget \(max_source_seconds\) (ran out while [a-z]|runs out before another connection attempt)|time budget \(max_source_seconds = 4\) ran out; " <<<"$err"
t_not_contains "... no refusal" "refused" "$out"
t_not_contains "... no call timeout (the budget is shorter)" "timeout while" "$out"
t_check "cut before the end ($(part_size) bytes of 67108864)" test "$(part_size)" -lt 67108864
t_eq "... nothing placed in incoming/" "" "$(f_incoming slow)"

# 3. Short stalls (shorter than the window) and short reads do not fail a file.
t_config "$T_TMP/settle.conf" "$(f_source slow slow timeout_seconds=3 retries=0 min_bytes_per_second=1000 max_source_seconds=0)"
n=$(logins)
( for _ in $(seq 250); do p=$(sshd sessions); [ -n "$p" ] && [ "$(logins)" -gt "$n" ] && break; sleep 0.02; done
  [ -z "$p" ] || { sleep 0.2; kill -STOP $p; sleep 1.5; kill -CONT $p; } ) &
staller=$!
bounded_fetch out
wait "$staller" 2>/dev/null
t_eq "a stalled-then-fast download completes: exit 0" 0 "$out_rc"
t_check "byte-identical" cmp -s "$R/slow/BIG.RET" "$T_TMP/spool/incoming/slow/BIG.RET"

# 4. The budget runs out during authentication, on purpose: settle pauses
# just before the public key (test hook), the server's session is frozen
# meanwhile and never answers. Retries are allowed: the budget, not the
# retry count, ends the source.
mv "$R/slow/BIG.RET" "$R/slow/BIG2.RET"
t_config "$T_TMP/settle.conf" "$(f_source slow slow timeout_seconds=30 retries=3 min_bytes_per_second=0 max_source_seconds=4)"
f_fetch_at_publickey STOP out
t_eq "budget spent during authentication: exit 69" 69 "$out_rc"
t_contains "... the error names the budget and the step" \
  "msg=\"the source's time budget (max_source_seconds) ran out while authenticating with a public key\" source=slow" "$out"
t_not_contains "... not called a refusal" "refused" "$out"
t_not_contains "... not retried once the budget is spent" "connection failed, retrying" "$out"
t_eq "... BIG2.RET not placed in incoming/" "BIG.RET" "$(f_incoming slow)"

# 5. The same frozen server without a budget: the call's timeout_seconds.
t_config "$T_TMP/settle.conf" "$(f_source slow slow timeout_seconds=2 retries=0 min_bytes_per_second=0 max_source_seconds=0)"
f_fetch_at_publickey STOP out
t_eq "timeout during authentication: exit 69" 69 "$out_rc"
t_contains "... the error names the timeout and the step" \
  "msg=\"timeout while authenticating with a public key after 2s\" source=slow" "$out"
t_not_contains "... not called a refusal" "refused" "$out"

# 6. Frozen from the first packet (the listener itself stopped: the
# connection waits in its backlog, no banner comes) with a short budget.
kill -STOP "$pid"
t_config "$T_TMP/settle.conf" "$(f_source slow slow timeout_seconds=30 retries=3 min_bytes_per_second=0 max_source_seconds=2)"
bounded_fetch out
kill -CONT "$pid"
t_eq "budget spent during the handshake: exit 69" 69 "$out_rc"
t_contains "... the error names the budget and the step" \
  "msg=\"the source's time budget (max_source_seconds) ran out while handshaking\" source=slow" "$out"
t_not_contains "... not called a refusal" "refused" "$out"
t_done
