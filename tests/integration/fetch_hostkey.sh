#!/usr/bin/env bash
# fetch_hostkey.sh - host keys and authentication for `settle fetch`
# against the real throwaway sshd: unknown host under strict, missing
# known_hosts, accept-new, a changed key, a pinned fingerprint, a wrong
# client key, a connection lost during authentication (not a refusal),
# passphrase-protected keys, secret files others can read, a stuck server
# (timeout), and sources failing independently. Nothing is
# ever downloaded from a server whose key was refused, and no secret
# appears in any output.
# test: serial (scripts/run-tests runs it alone: its checks race timers (SIGSTOP, timeouts) that a busy machine stretches)
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/support/fetch-lib.sh"

R=$T_TMP/root
mkdir -p "$R/in" "$T_TMP/keys"
chmod 700 "$T_TMP/keys"
printf 'return file\n' >"$R/in/A.RET"
PASS='Corr3ct-Horse-Battery-Staple-91'
ssh-keygen -q -t ed25519 -N "$PASS" -C pass-key -f "$T_TMP/keys/pass_ed25519"
ssh-keygen -q -t rsa -b 2048 -N '' -C rsa-key -f "$T_TMP/keys/rsa"
ssh-keygen -q -t ed25519 -N '' -C stranger -f "$T_TMP/keys/stranger"
cat "$T_TMP/keys/pass_ed25519.pub" "$T_TMP/keys/rsa.pub" >"$T_TMP/keys/extra"
printf '%s\n' "$PASS" >"$T_TMP/keys/passphrase"
chmod 600 "$T_TMP/keys/passphrase"
printf 'Sup3r-Secret-Password-77\n' >"$T_TMP/keys/password"
chmod 600 "$T_TMP/keys/password"
SETTLE_SSHD_EXTRA_KEYS=$T_TMP/keys/extra f_sshd_start "$R"
t_newdb
all=""   # every output, checked for secrets at the end
conf() { t_config "$T_TMP/settle.conf" "$@"; }
run() { f_fetch out "$@"; all+="$out"$'\n'; }
hk=$T_TMP/known_hosts
hostport="[127.0.0.1]:$port"
fp_old=$host_key_sha256
conf "$(f_source s in)"
"$SETTLE" --config "$T_TMP/settle.conf" migrate >/dev/null 2>&1

# strict, host not in known_hosts.
: >"$hk"
conf "$(f_source s in known_hosts="$hk")"
run
t_eq "unknown host under strict: exit 69" 69 "$out_rc"
t_contains "unknown host under strict: message" \
  "host key of $hostport is not in $hk: the server offered $fp_old (ssh-ed25519)\" source=s hint=\"nothing was downloaded; confirm the fingerprint with the server's operator, then add the key (ssh-keyscan -p $port 127.0.0.1 >> $hk) or set host_key_sha256 with host_key_check = fingerprint" "$out"
t_eq "unknown host: nothing downloaded" "" "$(f_incoming s)"
t_eq "unknown host: nothing recorded" 0 "$(t_sql 'SELECT count(*) FROM fetched_files')"
t_eq "unknown host: known_hosts untouched" 0 "$(stat -c %s "$hk")"

# strict, known_hosts missing.
rm -f "$hk"
run
t_eq "missing known_hosts: exit 69" 69 "$out_rc"
t_contains "missing known_hosts: message" \
  "cannot open known_hosts $hk: No such file or directory\" source=s hint=\"a missing known_hosts file is an error under host_key_check = strict" "$out"
t_check "missing known_hosts: not created" test ! -e "$hk"

# accept-new records an unknown host, then trusts it.
conf "$(f_source s in known_hosts="$hk" host_key_check=accept-new)"
run
t_eq "accept-new: exit 0" 0 "$out_rc"
t_contains "accept-new: logs the recorded key" \
  "msg=\"unknown host key recorded (host_key_check = accept-new)\" host=$hostport fingerprint=$fp_old known_hosts=$hk" "$out"
t_eq "accept-new: known_hosts holds the server's key" "$known_hosts_line" "$(cat "$hk")"
t_eq "accept-new: known_hosts is 0600" 600 "$(stat -c %a "$hk")"
t_eq "accept-new: file fetched" "A.RET" "$(f_incoming s)"
run
t_not_contains "accept-new: a known host is not recorded again" "recorded" "$out"
t_eq "accept-new: one line only" 1 "$(wc -l <"$hk")"

# The key changes: refused under strict and accept-new, nothing downloaded.
"$T_TOP/scripts/sshd" rekey >/dev/null
. "$SETTLE_SSHD_DIR/env"
fp_new=$host_key_sha256
t_check "rekey gives a new fingerprint on the same port" test "$fp_new" != "$fp_old" -a "$hostport" = "[127.0.0.1]:$port"
printf 'new file\n' >"$R/in/B.RET"
changed="host key of $hostport has changed: $hk holds $fp_old, the server offered $fp_new (ssh-ed25519)\" source=s hint=\"nothing was downloaded; this may be an attack. If the server's key really changed, confirm the new fingerprint with its operator, then replace the line for $hostport in $hk"
run
t_eq "changed key under accept-new: exit 69" 69 "$out_rc"
t_contains "changed key under accept-new: message" "$changed" "$out"
conf "$(f_source s in known_hosts="$hk")"
run
t_eq "changed key under strict: exit 69" 69 "$out_rc"
t_contains "changed key under strict: message" "$changed" "$out"
t_eq "changed key: nothing downloaded" "A.RET" "$(f_incoming s)"
t_eq "changed key: known_hosts unchanged" 1 "$(wc -l <"$hk")"
t_eq "changed key: no .part either" "" "$(ls -A "$T_TMP/spool/tmp/s")"

# Fingerprint pin.
conf "$(f_source s in known_hosts= host_key_check=fingerprint host_key_sha256="$fp_old")"
run
t_eq "pin mismatch: exit 69" 69 "$out_rc"
t_contains "pin mismatch: message" \
  "host key of $hostport does not match host_key_sha256: expected $fp_old, offered $fp_new (ssh-ed25519)\" source=s hint=\"nothing was downloaded" "$out"
t_eq "pin mismatch: nothing downloaded" "A.RET" "$(f_incoming s)"
conf "$(f_source s in known_hosts= host_key_check=fingerprint host_key_sha256="$fp_new")"
run
t_eq "pin accepted: exit 0" 0 "$out_rc"
t_eq "pin accepted: file fetched" "A.RET B.RET" "$(f_incoming s)"
t_eq "fingerprint format equals ssh-keygen -lf" "$fp_new" "$(ssh-keygen -lf "$SETTLE_SSHD_DIR/host_ed25519.pub" | awk '{print $2}')"

cp "$SETTLE_SSHD_DIR/known_hosts" "$hk"
printf 'C\n' >"$R/in/C.RET"

# A client key the server does not know.
conf "$(f_source s in known_hosts="$hk" identity="$T_TMP/keys/stranger")"
run
t_eq "wrong client key: exit 69" 69 "$out_rc"
t_contains "wrong client key: message" \
  "127.0.0.1:$port refused authentication as $user with public key $T_TMP/keys/stranger\" source=s hint=\"check that the public key is in the server's authorized_keys for this user" "$out"

# The right key, but the connection is lost before the server answers
# (its session killed while settle pauses just before the public key):
# libssh2 reports the unanswered attempt with a refusal's code; it is not a
# refusal, and, being a broken connection, it is retried.
conf "$(f_source s in known_hosts="$hk")"
f_fetch_at_publickey KILL out; all+="$out"$'\n'
t_eq "connection lost during authentication: exit 69" 69 "$out_rc"
t_contains "connection lost during authentication: message" \
  "msg=\"connection lost while authenticating with a public key: the server closed it before answering\" source=s" "$out"
t_not_contains "connection lost during authentication: not called a refusal" "refused" "$out"
conf "$(f_source s in known_hosts="$hk" retries=1)"
f_fetch_at_publickey KILL out; all+="$out"$'\n'
t_eq "connection lost during authentication, retries = 1: exit 0" 0 "$out_rc"
t_contains "... retried" "msg=\"connection failed, retrying\" endpoint=s error=\"connection lost while authenticating with a public key" "$out"
t_contains "... then fetched" "msg=\"source done\" source=s fetched=1" "$out"

# An RSA key: libssh2 1.10 (Debian 12) signs with SHA-1, which this
# OpenSSH refuses unless told otherwise; the message says so. A server
# accepting ssh-rsa takes it.
conf "$(f_source s in known_hosts="$hk" identity="$T_TMP/keys/rsa")"
run
if [ "$(pkg-config --modversion libssh2)" \< "1.11" ]; then
  t_eq "RSA key, SHA-1 refused by the server: exit 69" 69 "$out_rc"
  t_contains "RSA key, SHA-1 refused: hint" "libssh2 before 1.11 signs RSA keys with SHA-1 (ssh-rsa), which OpenSSH 8.8 and later refuse by default: prefer an ed25519 key" "$out"
  "$T_TOP/scripts/sshd" stop
  SETTLE_SSHD_ALLOW_SSH_RSA=1 SETTLE_SSHD_EXTRA_KEYS=$T_TMP/keys/extra "$T_TOP/scripts/sshd" start "$R" >/dev/null
  . "$SETTLE_SSHD_DIR/env"
  hostport="[127.0.0.1]:$port"
  cp "$SETTLE_SSHD_DIR/known_hosts" "$hk"
  conf "$(f_source s in known_hosts="$hk" identity="$T_TMP/keys/rsa")"
  run
fi
t_eq "RSA key: exit 0" 0 "$out_rc"
t_eq "RSA key: fetched" "A.RET B.RET C.RET" "$(f_incoming s)"

# A passphrase-protected key.
printf 'D\n' >"$R/in/D.RET"
conf "$(f_source s in known_hosts="$hk" identity="$T_TMP/keys/pass_ed25519" identity_passphrase_file="$T_TMP/keys/passphrase")"
run
t_eq "passphrase key: exit 0" 0 "$out_rc"
t_eq "passphrase key: fetched" "A.RET B.RET C.RET D.RET" "$(f_incoming s)"
printf 'wrong\n' >"$T_TMP/keys/passphrase"
run
t_eq "wrong passphrase: exit 69" 69 "$out_rc"
t_contains "wrong passphrase: message" \
  "cannot load private key $T_TMP/keys/pass_ed25519: wrong or missing passphrase, or a format libssh2 cannot read" "$out"
printf '%s\n' "$PASS" >"$T_TMP/keys/passphrase"
chmod 644 "$T_TMP/keys/passphrase"
run
t_eq "passphrase file 0644: exit 69" 69 "$out_rc"
t_contains "passphrase file 0644: message" \
  "identity_passphrase_file $T_TMP/keys/passphrase is accessible by group or others (mode 0644); refusing to use it\" source=s hint=\"chmod 600 $T_TMP/keys/passphrase" "$out"
chmod 600 "$T_TMP/keys/passphrase"
chmod 640 "$T_TMP/keys/pass_ed25519"
run
t_contains "identity 0640: message" \
  "identity $T_TMP/keys/pass_ed25519 is accessible by group or others (mode 0640); refusing to use it" "$out"
chmod 600 "$T_TMP/keys/pass_ed25519"
chmod 644 "$T_TMP/keys/password"
conf "$(f_source s in known_hosts="$hk" password_file="$T_TMP/keys/password")"
run
t_eq "password file 0644: exit 69" 69 "$out_rc"
t_contains "password file 0644: message" \
  "password_file $T_TMP/keys/password is accessible by group or others (mode 0644); refusing to use it" "$out"
chmod 600 "$T_TMP/keys/password"
conf "$(f_source s in known_hosts="$hk" identity= password_file="$T_TMP/keys/password")"
run
t_eq "password only, server without password auth: exit 69" 69 "$out_rc"
t_contains "password only: message" \
  "127.0.0.1:$port offers no authentication method we are configured for (server offers: publickey)" "$out"

# A server that accepts the connection but never answers: timeout.
kill -STOP "$pid"
conf "$(f_source s in known_hosts="$hk" timeout_seconds=1)"
run
kill -CONT "$pid"
t_eq "stuck server: exit 69" 69 "$out_rc"
t_contains "stuck server: timeout message" "timeout while handshaking after 1s" "$out"

# Sources are independent: two fail, the third is fetched, the exit code and
# the last line name the failures.
printf 'E\n' >"$R/in/E.RET"
"$T_TOP/scripts/sshd" stop >/dev/null 2>&1 # free the port for "down"
down_port=$port
SETTLE_SSHD_EXTRA_KEYS=$T_TMP/keys/extra f_sshd_start "$R"
cp "$SETTLE_SSHD_DIR/known_hosts" "$hk"
: >"$T_TMP/empty_kh"
conf "$(f_source badkey in known_hosts="$T_TMP/empty_kh")" \
     "$(f_source down in port="$down_port" retries=2)" \
     "$(f_source good in known_hosts="$hk")"
run
t_eq "independent sources: exit 69" 69 "$out_rc"
t_contains "independent sources: good one fetched" "msg=\"source done\" source=good fetched=5" "$out"
t_contains "down source retried with backoff" "msg=\"connection failed, retrying\" endpoint=down" "$out"
t_contains "down source: message" "source=down" "$(grep "cannot connect to 127.0.0.1:$down_port: Connection refused" <<<"$out")"
t_contains "independent sources: failures listed" "2 source(s) failed: badkey, down" "$out"

# No secret anywhere.
t_not_contains "no passphrase in any output" "$PASS" "$all"
t_not_contains "no password in any output" "Sup3r-Secret-Password-77" "$all"
t_not_contains "no passphrase in the sshd log" "$PASS" "$(cat "$SETTLE_SSHD_DIR/sshd.log")"
t_done
