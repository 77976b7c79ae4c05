#!/usr/bin/env bash
# fetch_resume.sh - a transfer cut in the middle: the sshd session frozen
# (SIGSTOP, so the client times out) or killed; the .part stays out of
# incoming/, a re-run (or a reconnect within the run) resumes it, and the
# result is byte-identical and recorded once. A .part left by a crash for
# a remote file that has since changed is restarted, not resumed.
# test: serial (scripts/run-tests runs it alone: its checks race timers (SIGSTOP, timeouts) that a busy machine stretches)
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/support/fetch-lib.sh"

R=$T_TMP/root
mkdir -p "$R/in" "$R/in2"
head -c 100000000 /dev/urandom >"$R/in/BIG.RET"
head -c 100000000 /dev/urandom >"$R/in2/BIG2.RET"
size=100000000
f_sshd_start "$R"
t_newdb
t_config "$T_TMP/settle.conf" "$(f_source r in timeout_seconds=2)" "$(f_source r2 in2 retries=2)"
"$SETTLE" --config "$T_TMP/settle.conf" migrate >/dev/null 2>&1
part=$T_TMP/spool/tmp/r/BIG.RET.part
inc=$T_TMP/spool/incoming

# Wait (up to 20 s) until FILE exists with more than 1 MB; 0 when it did.
wait_part() {
  local i s
  for i in $(seq 2000); do
    s=$(stat -c %s "$1" 2>/dev/null || echo 0)
    [ "$s" -gt 1000000 ] && return 0
    sleep 0.01
  done
  return 1
}

# Record any file in incoming/ that is not complete while DIR's fetch runs.
watch_incoming() {
  while kill -0 "$1" 2>/dev/null; do
    for f in "$inc"/*/*; do
      [ -f "$f" ] || continue
      [ "$(stat -c %s "$f")" -eq $size ] || echo "partial: $f $(stat -c %s "$f")"
    done
    sleep 0.01
  done
}

# 1. Freeze the session mid-transfer: the client times out, exit 69.
"$SETTLE" --config "$T_TMP/settle.conf" fetch --source r >"$T_TMP/run1.log" 2>&1 &
fetch=$!
watch_incoming $fetch >"$T_TMP/watch1.log" &
watcher=$!
if wait_part "$part"; then
  "$T_TOP/scripts/sshd" kill-sessions STOP
  t_check "the fetch was still running when the session froze" kill -0 $fetch
else
  t_fail "a .part appeared"
fi
wait $fetch
rc=$?
wait $watcher
"$T_TOP/scripts/sshd" kill-sessions KILL
out=$(cat "$T_TMP/run1.log")
t_eq "frozen session: exit 69" 69 "$rc"
t_contains "frozen session: timeout message" "timeout while reading in/BIG.RET after 2s" "$out"
t_contains "frozen session: source named" "1 source(s) failed: r" "$out"
psize=$(stat -c %s "$part" 2>/dev/null || echo 0)
t_check "a partial .part is kept in tmp/ ($psize bytes)" test "$psize" -gt 0 -a "$psize" -lt $size
t_eq "nothing in incoming/" "" "$(f_incoming r)"
t_eq "nothing recorded" 0 "$(t_sql 'SELECT count(*) FROM fetched_files')"

# 2. The re-run resumes from the .part.
f_fetch out --source r
t_eq "re-run: exit 0" 0 "$out_rc"
t_contains "re-run resumes" "msg=\"resuming a partial download\" source=r file=BIG.RET offset=$psize" "$out"
t_contains "re-run fetches only the rest" "bytes=$((size - psize)) failed=0" "$out"
t_check "resumed file is byte-identical" cmp -s "$R/in/BIG.RET" "$inc/r/BIG.RET"
t_eq "incoming holds it once" "BIG.RET" "$(f_incoming r)"
t_eq "recorded once" 1 "$(t_sql "SELECT count(*) FROM fetched_files WHERE source = 'r'")"
t_eq "tmp/ is empty" "" "$(ls -A "$T_TMP/spool/tmp/r")"
f_fetch out --source r
t_contains "third run fetches nothing" "msg=\"source done\" source=r fetched=0" "$out"

# 3. Kill the session mid-transfer: with retries the same run reconnects and resumes.
"$SETTLE" --config "$T_TMP/settle.conf" fetch --source r2 >"$T_TMP/run3.log" 2>&1 &
fetch=$!
watch_incoming $fetch >"$T_TMP/watch3.log" &
watcher=$!
wait_part "$T_TMP/spool/tmp/r2/BIG2.RET.part" && "$T_TOP/scripts/sshd" kill-sessions KILL
wait $fetch
rc=$?
wait $watcher
out=$(cat "$T_TMP/run3.log")
t_eq "killed session with retries: exit 0" 0 "$rc"
t_contains "killed session: reconnects" "msg=\"connection broke, reconnecting\" source=r2" "$out"
t_contains "killed session: resumes" "msg=\"resuming a partial download\" source=r2 file=BIG2.RET" "$out"
t_check "killed session: byte-identical" cmp -s "$R/in2/BIG2.RET" "$inc/r2/BIG2.RET"
t_eq "killed session: recorded once" 1 "$(t_sql "SELECT count(*) FROM fetched_files WHERE source = 'r2'")"
t_eq "no partial file was ever visible in incoming/" "" "$(cat "$T_TMP/watch1.log" "$T_TMP/watch3.log")"

# 4. A .part left by a crash for a version that changed since is restarted.
printf 'current content\n' >"$R/in/NEW.RET"
printf 'stale bytes from an older version' >"$T_TMP/spool/tmp/r/NEW.RET.part"
printf '33 1000 NEW.RET\n' >"$T_TMP/spool/tmp/r/NEW.RET.part.meta"
f_fetch out --source r
t_eq "stale .part: exit 0" 0 "$out_rc"
t_contains "stale .part restarted" "msg=\"restarting a partial download: the remote file changed since it began\" source=r file=NEW.RET" "$out"
t_eq "stale .part: content is the current one" "current content" "$(cat "$inc/r/NEW.RET")"
t_done
