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
