#!/usr/bin/env bash
# demo_sftp.sh - scripts/demo-sftp serves a directory of bank files and
# prints a [source demo] section with which `settle fetch` gets them all.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$T_TMP/files" "$T_TMP/run"
n=3
for i in 1 2 3; do printf 'demo return file %s\n' "$i" >"$T_TMP/files/CB0${i}1126.RET"; done
export SETTLE_SSHD_DIR=$T_TMP/run/sshd
trap '"$T_TOP/scripts/sshd" stop >/dev/null 2>&1; t_cleanup' EXIT
t_run section "$T_TOP/scripts/demo-sftp" "$T_TMP/files" "$T_TMP/run/spool"
t_eq "demo-sftp exits 0" 0 "$section_rc"
t_contains "prints a [source demo] section" "[source demo]" "$section"
t_contains "with min_age_seconds = 0" "min_age_seconds = 0" "$section"
t_contains "with the served directory" "remote_dir = $T_TMP/files" "$section"
t_newdb
{
  echo "[database]"; echo "conninfo = $T_JOB_CONN"; echo "[spool]"; echo "dir = $T_TMP/run/spool"
  printf '%s\n' "$section"
} >"$T_TMP/settle.conf"
"$SETTLE" --config "$T_TMP/settle.conf" migrate >/dev/null 2>&1
t_run out env SETTLE_FETCH_SETTLE_MS=0 "$SETTLE" --config "$T_TMP/settle.conf" fetch
t_eq "fetch from the demo server exits 0" 0 "$out_rc"
t_eq "every file recorded" "$n" "$(psql "$T_CONN" -qtAX -c "SELECT count(*) FROM fetched_files WHERE source = 'demo'")"
t_check "the files arrived" diff -r "$T_TMP/files" "$T_TMP/run/spool/incoming/demo"
t_done
