# tests/support/fetch-lib.sh - sourced by tests/integration/fetch*.sh after
# tests/lib.sh: a throwaway sshd per test script and [source] sections.
#
#   f_sshd_start ROOT     start scripts/sshd serving ROOT (state in $T_TMP/sshd),
#                         source its env (port, user, identity, known_hosts, ...)
#   f_source NAME DIR [KEY=VALUE...]
#                         print a [source NAME] section for the server, with
#                         remote_dir = DIR (relative to ROOT) and min_age_seconds = 0;
#                         each KEY=VALUE adds or replaces a key (KEY= drops it)
#   f_fetch VAR ARGS...   run settle --config $T_TMP/settle.conf fetch ARGS, capturing
#                         output in VAR and the exit code in VAR_rc
#   f_incoming SOURCE     the sorted file names in incoming/SOURCE
#   f_fetch_at_publickey SIG VAR ARGS...
#                         f_fetch VAR ARGS (under a 40 s `timeout`, a guard
#                         against a hang) with settle paused for
#                         $F_PAUSE_MS (2000) ms just before public key
#                         authentication (test hook sftp:before-publickey);
#                         meanwhile the server's sessions get SIG (STOP: the
#                         server freezes mid-login; KILL: it closes the
#                         connection). Frozen sessions are continued after.
export SETTLE_SSHD_DIR=$T_TMP/sshd
export SETTLE_FETCH_SETTLE_MS=${SETTLE_FETCH_SETTLE_MS:-50}
export SETTLE_SFTP_BACKOFF_MS=${SETTLE_SFTP_BACKOFF_MS:-50}

f_sshd_start() {
  "$T_TOP/scripts/sshd" start "$1" >/dev/null || { t_fail "sshd starts"; exit 1; }
  # shellcheck disable=SC1091
  . "$SETTLE_SSHD_DIR/env"
}

f_stop_all() {
  "$T_TOP/scripts/sshd" kill-sessions KILL 2>/dev/null
  "$T_TOP/scripts/sshd" stop 2>/dev/null
  t_cleanup
}
trap f_stop_all EXIT

f_source() {
  local name=$1 dir=$2; shift 2
  local -A kv=([host]=127.0.0.1 [port]=$port [user]=$user [identity]=$identity
               [known_hosts]=$known_hosts [remote_dir]=$dir [min_age_seconds]=0
               [timeout_seconds]=5 [retries]=0)
  local order=(host port user identity known_hosts remote_dir min_age_seconds timeout_seconds retries) a k
  for a in "$@"; do
    k=${a%%=*}
    [ -n "${kv[$k]+x}" ] || order+=("$k")
    kv[$k]=${a#*=}
  done
  echo "[source $name]"
  for k in "${order[@]}"; do [ -z "${kv[$k]}" ] || echo "$k = ${kv[$k]}"; done
}

f_fetch() {
  local v=$1; shift
  t_run "$v" "$SETTLE" --config "$T_TMP/settle.conf" fetch "$@"
}

f_incoming() { ls -1 "$T_TMP/spool/incoming/$1" 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//'; }

f_fetch_at_publickey() {
  local sig=$1 v=$2 mark=$T_TMP/at-publickey w; shift 2
  rm -f "$mark"
  ( t_wait_file "$mark" 20 && "$T_TOP/scripts/sshd" kill-sessions "$sig" ) &
  w=$!
  SETTLE_TEST_PAUSE_AT=sftp:before-publickey SETTLE_TEST_PAUSE_FILE=$mark SETTLE_TEST_PAUSE_MS=${F_PAUSE_MS:-2000} \
    t_run "$v" timeout 40 "$SETTLE" --config "$T_TMP/settle.conf" fetch "$@"
  kill "$w" 2>/dev/null; wait "$w" 2>/dev/null # when settle never reached the hook
  "$T_TOP/scripts/sshd" kill-sessions CONT
}
