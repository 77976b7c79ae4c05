#!/usr/bin/env bash
# fetch_known_hosts.sh - marker lines in known_hosts. libssh2 skips them, so
# a host key listed @revoked was still accepted when also listed plainly.
# settle honours @revoked (the key is refused, nothing downloaded) and
# refuses a known_hosts with markers it cannot honour (@cert-authority).
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/support/fetch-lib.sh"

R=$T_TMP/root
mkdir -p "$R/in"
printf 'return file\n' >"$R/in/A.RET"
f_sshd_start "$R"
t_newdb
hk=$T_TMP/known_hosts
t_config "$T_TMP/settle.conf" "$(f_source s in known_hosts="$hk")"
key_b64=$(cut -d' ' -f2 "$SETTLE_SSHD_DIR/host_ed25519.pub")
ssh-keygen -q -t ed25519 -N '' -C other -f "$T_TMP/other"

# The server's key, listed, and also revoked.
printf '%s\n@revoked * ssh-ed25519 %s\n' "$known_hosts_line" "$key_b64" >"$hk"
f_fetch out
t_eq "a revoked host key is refused: exit 69" 69 "$out_rc"
t_contains "the error says revoked and where" "is revoked: $hk:2 marks the key the server offered, $host_key_sha256" "$out"
t_eq "nothing downloaded" "" "$(f_incoming s)"

# Another key revoked: the server's own key is still fine.
printf '@revoked [127.0.0.1]:%s ssh-ed25519 %s\n%s\n' "$port" "$(cut -d' ' -f2 "$T_TMP/other.pub")" "$known_hosts_line" >"$hk"
f_fetch out
t_eq "a different revoked key does not stop the server's own: exit 0" 0 "$out_rc"
t_eq "fetched" "A.RET" "$(f_incoming s)"

# A marker that cannot be honoured refuses the whole file.
printf '@cert-authority *.bank.example ssh-ed25519 %s\n%s\n' "$(cut -d' ' -f2 "$T_TMP/other.pub")" "$known_hosts_line" >"$hk"
printf 'second\n' >"$R/in/B.RET"
f_fetch out
t_check "known_hosts with @cert-authority refused: non-zero exit" test "$out_rc" -ne 0
t_contains "the error names the line and the marker" "known_hosts $hk:1: '@cert-authority' lines cannot be honoured" "$out"
t_eq "nothing more downloaded" "A.RET" "$(f_incoming s)"
t_done
