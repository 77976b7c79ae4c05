#!/usr/bin/env bash
# sshd.sh - the throwaway SFTP server starts, serves a directory to the
# OpenSSH sftp client with strict host key checking, and stops.
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

"$T_TOP/scripts/sshd" stop
t_run out sh -c "echo 'ls' | sftp ${sftp_opts[*]} -o ConnectTimeout=3 $user@127.0.0.1"
t_check "stopped server refuses connections" test "$out_rc" -ne 0
t_done
