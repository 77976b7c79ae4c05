#!/usr/bin/env bash
# sftp_upload.sh - common/sftp.h's upload to a [destination NAME] against
# the real throwaway sshd: writes NAME.part, checks the size, renames; an
# existing NAME is never overwritten; a refused host key uploads nothing.
# Driven by tests/integration/drivers/sftp_put.c, built here.
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/support/fetch-lib.sh"

BUILD=${BUILD:-$T_TOP/build}
put=$T_TMP/sftp_put
san=""
case "$BUILD" in *asan*) san="-fsanitize=address,undefined" ;; esac
cc $san -std=gnu11 -D_GNU_SOURCE -I"$T_TOP" $(pkg-config --cflags libssh2) -o "$put" \
  "$T_TOP/tests/integration/drivers/sftp_put.c" "$BUILD/libsettle.a" \
  $(pkg-config --libs libpq libpcre2-8 libssh2 zlib libcrypto inih libcurl json-c) -lcsv $san
t_check "driver builds" test -x "$put"

R=$T_TMP/root
mkdir -p "$R/inbox"
f_sshd_start "$R"
dest() {
  echo "[destination inv]"
  echo "host = 127.0.0.1"; echo "port = $port"; echo "user = $user"; echo "identity = $identity"
  echo "remote_dir = inbox"; echo "timeout_seconds = 5"; echo "retries = 0"
  local a; for a in "$@"; do echo "$a"; done
}
T_CONN="dbname=unused"
t_config "$T_TMP/settle.conf" "$(dest "known_hosts = $known_hosts")"
head -c 5000000 /dev/urandom >"$T_TMP/batch.csv"

t_run out "$put" "$T_TMP/settle.conf" inv "$T_TMP/batch.csv" batch-0001.csv
t_eq "upload: exit 0" 0 "$out_rc"
t_check "upload: byte-identical on the server" cmp -s "$T_TMP/batch.csv" "$R/inbox/batch-0001.csv"
t_eq "upload: no .part left" "batch-0001.csv" "$(ls -A "$R/inbox" | tr '\n' ' ' | sed 's/ $//')"

printf 'other\n' >"$T_TMP/other.csv"
t_run out "$put" "$T_TMP/settle.conf" inv "$T_TMP/other.csv" batch-0001.csv
t_check "existing name: refused" test "$out_rc" -ne 0
t_contains "existing name: message" "renaming inbox/batch-0001.csv.part to inbox/batch-0001.csv: failure" "$out"
t_check "existing name: not overwritten" cmp -s "$T_TMP/batch.csv" "$R/inbox/batch-0001.csv"
t_eq "existing name: .part removed" "batch-0001.csv" "$(ls -A "$R/inbox" | tr '\n' ' ' | sed 's/ $//')"

: >"$T_TMP/empty_kh"
t_config "$T_TMP/settle.conf" "$(dest "known_hosts = $T_TMP/empty_kh")"
t_run out "$put" "$T_TMP/settle.conf" inv "$T_TMP/other.csv" batch-0002.csv
t_eq "unknown host: exit 69" 69 "$out_rc"
t_contains "unknown host: message" "host key of [127.0.0.1]:$port is not in $T_TMP/empty_kh" "$out"
t_check "unknown host: nothing uploaded" test ! -e "$R/inbox/batch-0002.csv" -a ! -e "$R/inbox/batch-0002.csv.part"
t_done
