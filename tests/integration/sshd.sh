#!/usr/bin/env bash
# sshd.sh - the throwaway SFTP server starts, serves a directory to the
# OpenSSH sftp client with strict host key checking, and stops.
# test: serial (scripts/run-tests runs it alone: its checks race timers (SIGSTOP, timeouts) that a busy machine stretches)
. "$(dirname "$0")/../lib.sh"

export SETTLE_SSHD_DIR=$T_TMP/sshd
mkdir -p "$T_TMP/root/sub"
printf 'x' >"$T_TMP/root/RET001.RET"
printf 'y' >"$T_TMP/root/sub/inner.txt"
t_run out "$T_TOP/scripts/sshd" start "$T_TMP/root"
t_eq "sshd starts" 0 "$out_rc"
. "$SETTLE_SSHD_DIR/env"
t_contains "prints a fingerprint" "host_key_sha256=SHA256:" "$out"
t_eq "fingerprint matches the key it serves" "$host_key_sha256" \
  "$(ssh-keygen -lf "$SETTLE_SSHD_DIR/host_ed25519.pub" | awk '{print $2}')"

sftp_opts=(-b - -i "$identity" -o UserKnownHostsFile="$known_hosts" -o StrictHostKeyChecking=yes -o BatchMode=yes -P "$port")
t_run out sh -c "echo 'ls -1' | sftp ${sftp_opts[*]} $user@127.0.0.1"
t_eq "sftp ls exits 0" 0 "$out_rc"
t_contains "lists the file" "RET001.RET" "$out"
t_contains "lists the subdirectory" "sub" "$out"
t_run out sh -c "echo 'get sub/inner.txt $T_TMP/got.txt' | sftp ${sftp_opts[*]} $user@127.0.0.1"
t_eq "sftp get works" "y" "$(cat "$T_TMP/got.txt" 2>/dev/null)"

# With an empty known_hosts the OpenSSH client refuses: the key is really checked.
: >"$T_TMP/empty_known_hosts"
t_run out sh -c "echo 'ls' | sftp -b - -i $identity -o UserKnownHostsFile=$T_TMP/empty_known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes -P $port $user@127.0.0.1"
t_check "unknown host key refused by strict client" test "$out_rc" -ne 0

# A session still open (and frozen, as the fault tests do) when the server
# is stopped: `stop` ends it too, not only the listener.
mkfifo "$T_TMP/sftp-in"
sftp -q -i "$identity" -o UserKnownHostsFile="$known_hosts" -o BatchMode=yes -P "$port" "$user@127.0.0.1" \
  <"$T_TMP/sftp-in" >/dev/null 2>&1 &
client=$!
exec 9>"$T_TMP/sftp-in"   # the client's stdin stays open until fd 9 closes
for _ in $(seq 100); do [ "$("$T_TOP/scripts/sshd" sessions | wc -l)" -ge 2 ] && break; sleep 0.05; done
session_pids=$("$T_TOP/scripts/sshd" sessions)
t_check "an open session has its processes" test -n "$session_pids"
"$T_TOP/scripts/sshd" kill-sessions STOP
"$T_TOP/scripts/sshd" stop
left=""
for p in $session_pids; do kill -0 "$p" 2>/dev/null && left+="$p "; done
t_eq "stop ends the listener's sessions too (none left: sshd: USER@notty, internal-sftp)" "" "$left"
for p in $left; do kill -KILL "$p" 2>/dev/null; done
exec 9>&-
kill "$client" 2>/dev/null; wait "$client" 2>/dev/null
t_run out sh -c "echo 'ls' | sftp ${sftp_opts[*]} -o ConnectTimeout=3 $user@127.0.0.1"
t_check "stopped server refuses connections" test "$out_rc" -ne 0

# The test runner's tests/tools/reap fails a test that leaves an sshd process
# behind (and kills it); other leftovers are only noted and killed.
reap=${BUILD:-$T_TOP/build}/tests/tools/reap
if [ -x "$reap" ]; then
  t_run out env REAP_GRACE_MS=100 "$reap" bash -c '(exec -a "sshd: test@notty" sleep 60) & (exec -a leftover-job sleep 60) & exit 0'
  t_eq "reap: a test leaving an sshd process behind fails" 1 "$out_rc"
  t_contains "reap: it is named" "not ok - left a process behind: " "$out"
  t_contains "reap: by its command line" "sshd: test@notty" "$out"
  t_contains "reap: other leftovers are noted" "# killed leftover process" "$out"
  t_eq "reap: and nothing of it is left" "" "$(pgrep -f 'sshd: test@notty|^leftover-job' || true)"
  t_run out "$reap" bash -c 'exit 3'
  t_eq "reap: a clean test keeps its exit code" 3 "$out_rc"
else
  t_fail "tests/tools/reap is built (make tools)"
fi
t_done
