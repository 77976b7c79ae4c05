#!/usr/bin/env bash
# faults_spool.sh - exit codes and messages when the spool's disk fails:
# ENOSPC while downloading (was 69 "source unavailable", now 74), a
# read-only spool (was 70 "internal error", now 74), and a rejection on a
# full disk (left an empty .error: now the file stays in incoming/, no
# .error, exit 74). Each spool part is a small tmpfs; needs root and mount.
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/support/fetch-lib.sh"

mkdir -p "$T_TMP/probe"
if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=64k settle-test-probe "$T_TMP/probe" 2>/dev/null; then
  echo "# SKIP: needs root and mount -t tmpfs"
  t_done
fi
umount "$T_TMP/probe"
mounts=()
cleanup_mounts() { local m; for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done; f_stop_all; }
trap cleanup_mounts EXIT
small_fs() { mkdir -p "$1"; mount -t tmpfs -o "size=${2:-64k},mode=0700" settle-test-spool "$1" && mounts+=("$1"); }

gen=$T_TOP/tests/tools/cnab240-gen
titles() { awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++)
  printf "06|1234567%010d|PED-%d|%d|%d|0|0|0|27112026\n", i, i, 1000 + i, 1000 + i }'; }
t_newdb

# --- ENOSPC while downloading ---------------------------------------------
R=$T_TMP/root
mkdir -p "$R/in"
head -c 300000 /dev/urandom >"$R/in/BIG.RET"
f_sshd_start "$R"
t_config "$T_TMP/settle.conf" "$(f_source bank in)"
small_fs "$T_TMP/spool/tmp"          # downloads are written to spool/tmp/SOURCE/NAME.part
f_fetch out --source bank
t_eq "disk full while downloading: exit 74, not 69" 74 "$out_rc"
t_contains "the error says why" "No space left on device" "$out"
t_not_contains "and does not blame the source as unavailable" "result: failed (exit 69)" "$out"
umount "$T_TMP/spool/tmp"

# --- a read-only spool ----------------------------------------------------
S2=$T_TMP/ro
small_fs "$S2" 1m
printf '[database]\nconninfo = %s\n[spool]\ndir = %s\n[ingest]\nmin_age_seconds = 0\n' "$T_JOB_CONN" "$S2" >"$T_TMP/ro.conf"
mkdir -p "$S2/incoming/bb"
titles 1 2 | "$gen" 001 >"$S2/incoming/bb/A.RET"
mount -o remount,ro "$S2"
t_run out "$SETTLE" --config "$T_TMP/ro.conf" report
t_eq "report into a read-only spool: exit 74, not 70" 74 "$out_rc"
t_contains "naming the cause" "Read-only file system" "$out"
t_run out "$SETTLE" --config "$T_TMP/ro.conf" run
t_eq "settle run on a read-only spool: exit 74" 74 "$out_rc"
t_contains "its summary says a local file could not be written" "result: failed (exit 74): a local file could not be written" "$out"
mount -o remount,rw "$S2"

# --- a rejection on a full disk ---------------------------------------------
S3=$T_TMP/full
small_fs "$S3" 64k
printf '[database]\nconninfo = %s\n[spool]\ndir = %s\n[ingest]\nmin_age_seconds = 0\n' "$T_JOB_CONN" "$S3" >"$T_TMP/full.conf"
mkdir -p "$S3/incoming/bb" "$S3/rejected/bb"
titles 3 4 | "$gen" 001 | head -n 4 >"$S3/incoming/bb/CUT.RET"
dd if=/dev/zero of="$S3/filler" bs=4k 2>/dev/null   # until the disk is full
t_run out "$SETTLE" --config "$T_TMP/full.conf" ingest
t_eq "a rejection that cannot write its .error: exit 74" 74 "$out_rc"
t_eq "no empty .error left behind" "" "$(find "$S3/rejected" -name '*.error' -size 0)"
t_check "the file stays in incoming/ for the next run" test -e "$S3/incoming/bb/CUT.RET"
t_contains "the error names the .error file and the cause" "No space left on device" "$(grep 'level=error' <<<"$out")"
rm -f "$S3/filler"
t_run out "$SETTLE" --config "$T_TMP/full.conf" ingest
t_eq "with room again it is rejected properly: exit 65" 65 "$out_rc"
t_contains "its .error says why" "bb/CUT.RET:" "$(cat "$S3/rejected/bb/CUT.RET.error" 2>&1)"
t_eq "one rejected row for it" "1" "$(t_sql "SELECT count(*) FROM return_files WHERE name = 'CUT.RET'")"
t_done
