#!/usr/bin/env bash
# package.sh - `make deb`'s package in a clean Debian root (scripts/debroot:
# mmdebstrap --variant=apt with packaging/debroot.packages, made once and
# cached under build/debroot/; `make check` starts making it in the
# background before lint, and this waits for it): dpkg -i, then what an operator relies on:
# settle --version and help, the settle user and its directories, the
# config's owner and mode, the units verified by systemd-analyze with the
# installed paths, cron and timer on São Paulo time and never both, bash
# completion, and what must NOT happen: others reading the config or
# writing the spool, data lost on remove, data kept on purge. Part 2 (its
# own comment below): docs/operations.md's "First deploy" as written, in a
# second root, to a real night against a TLS PostgreSQL and an sshd.
# Skips (a "# SKIP" line, no ok/not ok) only when no root can be made:
# not root, or no network to the Debian mirror the first time.
. "$(dirname "$0")/../lib.sh"
cd "$T_TOP"
t0=$(date +%s)

# Part 2 (below) deploys by docs/operations.md in a second root; its servers
# (PostgreSQL with TLS, sshd) and its step 2 (on the owner's machine, this
# host) are made here, in the background, while part 1 runs.
# The doc's blocks: NN-stepS.LANG, in order.
blocks=$T_TMP/blocks
mkdir -p "$blocks"
awk -v out="$blocks" '
  /^## First deploy/ { on = 1; next }
  on && !inb && /^## / { exit }
  !on { next }
  inb && /^ *```$/ { inb = 0; close(f); next }
  inb { sub(/^   /, ""); print > f; next }
  /^[0-9]+\. / { step = $1; sub(/\./, "", step) }
  /^ *```(sh|sql)$/ { lang = $0; sub(/^ *```/, "", lang); n++
                      f = sprintf("%s/%02d-step%s.%s", out, n, step, lang); inb = 1; printf "" > f }
' docs/operations.md
t_eq "First deploy: the blocks the test knows how to run (steps 1-5, 7-9; step 2 sh and sql)" \
  "01-step1.sh 02-step2.sh 03-step2.sql 04-step3.sh 05-step4.sh 06-step5.sh 07-step7.sh 08-step8.sh 09-step9.sh" \
  "$(cd "$blocks" && ls | tr '\n' ' ' | sed 's/ $//')"

version=$(sed -n 's/^#define SETTLE_VERSION "\(.*\)"$/\1/p' jobs/version.c)
password=$(openssl rand -hex 16)
free_port() {
  local p
  while :; do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
pgport=$(free_port)
for f in "$blocks"/*; do
  sed -i -e "s/VERSION/$version/g" -e "s/PASSWORD/$password/g" -e "s/:5432:/:$pgport:/g" "$f"
done
# (NEXT and SFTP are words of the comments, not placeholders.)
t_eq "no CAPITALS placeholder left unsubstituted in the sh blocks" "" \
  "$(cat "$blocks"/*.sh | sed 's/CA-BUNDLE\.pem//g' | grep -oE '\b[A-Z][A-Z0-9_]{3,}\b' | grep -vxE 'NEXT|SFTP' | sort -u | tr '\n' ' ')"

# The database server: its own cluster on 127.0.0.1, TLS with a certificate
# for payments-db.internal signed by CA-BUNDLE.pem, passwords (scram) over TCP.
chmod 755 "$T_TMP"
tls=$T_TMP/pgtls
mkdir -p "$tls"
{ (cd "$tls" &&
 openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -keyout ca.key -out ca.pem \
   -days 2 -subj /CN=settle-test-ca &&
 openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -keyout server.key -out server.csr \
   -subj /CN=payments-db.internal &&
 printf 'subjectAltName=DNS:payments-db.internal\n' >ext &&
 openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile ext) \
  >"$T_TMP/openssl.log" 2>&1 &&
  chown postgres: "$tls/server.key" "$tls/server.crt" && chmod 600 "$tls/server.key" && chmod 755 "$tls"; } ||
  { t_fail "make the test CA"; cat "$T_TMP/openssl.log"; t_done; }
export SETTLE_PG_DIR=$T_TMP/pg SETTLE_PG_PORT=$pgport
export SETTLE_PG_CONF="listen_addresses = '127.0.0.1'
ssl = on
ssl_cert_file = '$tls/server.crt'
ssl_key_file = '$tls/server.key'"
export SETTLE_PG_HBA="hostssl all all 127.0.0.1/32 scram-sha-256
host all all 127.0.0.1/32 reject"
export SETTLE_SSHD_DIR=$T_TMP/sshd
trap 'kill $prep_pid 2>/dev/null; wait $prep_pid 2>/dev/null
      scripts/sshd stop >/dev/null 2>&1; SETTLE_PG_DIR=$T_TMP/pg scripts/pg stop >/dev/null 2>&1; t_cleanup' EXIT
owner_conn="host=$T_TMP/pg/sock port=$pgport user=postgres dbname=payments"
mkdir -p "$T_TMP/owner" "$T_TMP/sftp/retorno/processados" "$T_TMP/sftp/inbox"
(umask 077; printf '[database]\nconninfo = %s\n' "$owner_conn" >"$T_TMP/owner/owner.conf")
{ (
  set -e
  echo "== PostgreSQL"
  scripts/pg start
  psql "${owner_conn% dbname=*} dbname=postgres" -qtAc "CREATE DATABASE payments"
  echo "== step 2: settle --config owner.conf migrate"
  (cd "$T_TMP/owner" && PATH=$(dirname "$SETTLE"):$PATH bash -e -o pipefail "$blocks/02-step2.sh")
  echo "== step 2: psql as the owner"
  printf '%s\n%s\n' "$password" "$password" | setsid -w psql "$owner_conn" -qX -v ON_ERROR_STOP=1 -f "$blocks/03-step2.sql"
  echo "== the payments service's pending payments; the bank's files on its server, an hour old"
  psql "$owner_conn" -qtAX -v ON_ERROR_STOP=1 -f scripts/demo-seed.sql >/dev/null
  scripts/demo-files "$owner_conn" "$T_TMP/bank" >/dev/null
  cp "$T_TMP"/bank/incoming/bb/* "$T_TMP/sftp/retorno/"
  touch -d '1 hour ago' "$T_TMP"/sftp/retorno/*
  echo "== sshd"
  scripts/sshd start "$T_TMP/sftp" >"$T_TMP/sshd.env"
) >"$T_TMP/prep.log" 2>&1; echo $? >"$T_TMP/prep.rc"; } &
prep_pid=$!


deb=$(BUILD=$T_TMP/build SETTLE=$SETTLE scripts/mkdeb 2>"$T_TMP/mkdeb.err" | tail -n 1)
t_check "make deb builds a package" test -s "$deb"
[ -s "$deb" ] || { cat "$T_TMP/mkdeb.err"; t_done; }
t_deb=$(date +%s)
files=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
for f in ./usr/bin/settle ./usr/lib/settle/settle-nightly ./etc/settle/settle.conf ./etc/cron.d/settle \
         ./lib/systemd/system/settle.service ./lib/systemd/system/settle.timer ./usr/lib/sysusers.d/settle.conf \
         ./usr/lib/tmpfiles.d/settle.conf ./usr/share/man/man1/settle.1.gz \
         ./usr/share/bash-completion/completions/settle ./usr/share/settle/sql/001_payments.sql \
         ./usr/share/doc/settle/copyright ./usr/share/doc/settle/changelog.gz; do
  t_contains "package ships $f" "$f" "$files"
done
t_eq "conffiles: the config and the cron file" "/etc/cron.d/settle /etc/settle/settle.conf " \
  "$(dpkg-deb -I "$deb" conffiles | sort | tr '\n' ' ')"
t_not_contains "no file under /usr/local" "/usr/local" "$files"
t_eq "copyright is machine-readable (DEP-5)" "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" \
  "$(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/share/doc/settle/copyright | head -1)"
t_contains "changelog.gz's top entry is this version" "settle ($(dpkg-deb -f "$deb" Version))" \
  "$(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/share/doc/settle/changelog.gz | gzip -dc | head -1)"

# The root (scripts/debroot) holds packaging/debroot.packages: every
# Depends of the .deb must be there, or dpkg -i below would fail less clearly.
deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/[[:space:]]//g' | grep .)
listed=$(sed 's/#.*//' packaging/debroot.packages | tr -s ' \t' '\n\n' | grep .)
t_eq "every Depends of the .deb is in packaging/debroot.packages" "" \
  "$(comm -23 <(echo "$deps" | sort -u) <(echo "$listed" | sort -u) | tr '\n' ' ')"
# Made here when missing (mmdebstrap, minutes); in `make check` it is being
# made in the background since before lint, and this waits for it.
tarball=$(scripts/debroot "$T_TOP/build/debroot" 2>"$T_TMP/debroot.err")
rc=$?
sed 's/^/# /' "$T_TMP/debroot.err"
if [ $rc -eq 77 ]; then
  echo "# SKIP package: $(grep SKIP "$T_TMP/debroot.err")"
  t_done
fi
t_eq "scripts/debroot makes (or finds) the clean root" 0 "$rc"
[ $rc -eq 0 ] || t_done
t_root=$(date +%s)
r=$T_TMP/root
mkdir -p "$r"
zstd -dc "$tarball" | tar -C "$r" --numeric-owner -xf -
mkdir -p "$r/run/lock" && chmod 1777 "$r/run/lock"
# A throwaway root: dpkg need not fsync every file it unpacks.
echo force-unsafe-io >"$r/etc/dpkg/dpkg.cfg.d/settle-test-unsafe-io"
# Run in the root, with its own /proc in a private mount namespace (gone
# when the command ends: nothing to unmount, even if the test is killed).
# Where mount namespaces are not allowed (some containers), plain chroot:
# the postinst then makes the directories itself (its no-systemd path).
if unshare --mount --propagation private -- sh -c 'mount -t proc proc "$0/proc"' "$r" 2>/dev/null; then
  in_root() {
    unshare --mount --propagation private -- sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' \
      "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
  }
else
  echo "# package: no mount namespace here: chroot without /proc"
  in_root() { chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
fi
t_check "the root has no settle user before" sh -c "! chroot '$r' getent passwd settle >/dev/null"
t1=$(date +%s)

cp "$deb" "$r/tmp/settle.deb"
t_run out in_root dpkg -i /tmp/settle.deb
t_eq "dpkg -i in the clean root" 0 "$out_rc"
[ "$out_rc" -eq 0 ] || { echo "$out" | sed 's/^/#   /'; t_done; }

t_run out in_root settle --version
t_eq "settle --version" 0 "$out_rc"
t_contains "settle --version names the package's version" "settle $(dpkg-deb -f "$deb" Version)" "$out"
t_run out in_root settle help
t_eq "settle help" 0 "$out_rc"
t_contains "settle help lists the commands" "  run        the nightly job" "$out"
t_check "man page installed" test -s "$r/usr/share/man/man1/settle.1.gz"

t_eq "the settle system user (sysusers.d)" "settle:/var/lib/settle:/usr/sbin/nologin" \
  "$(in_root getent passwd settle | awk -F: '{ print $1 ":" $6 ":" $7 }')"
t_check "settle's uid is a system uid" test "$(in_root id -u settle)" -lt 1000
for d in /var/lib/settle /var/spool/settle /var/log/settle; do
  t_eq "$d: settle's, 0750 (tmpfiles.d)" "settle settle 750" "$(in_root stat -c '%U %G %a' "$d")"
done
t_eq "/etc/settle/keys: settle's only" "settle settle 700" "$(in_root stat -c '%U %G %a' /etc/settle/keys)"
t_eq "config root:settle 0640 (dpkg-statoverride)" "root settle 640" "$(in_root stat -c '%U %G %a' /etc/settle/settle.conf)"

# The shipped config loads as the settle user (a CNAB file parsed with it).
cp tests/fixtures/cnab/brcobranca/CBR64310.RET "$r/tmp/CBR64310.RET"
chmod 644 "$r/tmp/CBR64310.RET"
t_run out in_root runuser -u settle -- settle --config /etc/settle/settle.conf parse --summary /tmp/CBR64310.RET
t_eq "the example config loads as the settle user (parse exits 0)" 0 "$out_rc"
t_not_contains "no config warning or error" "config" "$out"
t_run out in_root runuser -u nobody -- settle --config /etc/settle/settle.conf parse /tmp/CBR64310.RET
t_eq "another user may not read the config (78)" 78 "$out_rc"
t_check "another user may not write the spool" sh -c "! chroot '$r' runuser -u nobody -- touch /var/spool/settle/x 2>/dev/null"
t_check "another user may not list the spool" sh -c "! chroot '$r' runuser -u nobody -- ls /var/spool/settle >/dev/null 2>&1"

# The units name the installed paths and verify.
svc=$(cat "$r/lib/systemd/system/settle.service")
t_contains "service runs /usr/lib/settle/settle-nightly" "ExecStart=/usr/lib/settle/settle-nightly" "$svc"
t_contains "service names /usr/bin/settle" "Environment=SETTLE_BIN=/usr/bin/settle" "$svc"
t_eq "no placeholder left in the units, cron, sysusers.d, tmpfiles.d files" "" \
  "$(grep -lE '@[A-Z]+@' "$r/lib/systemd/system/settle."* "$r/etc/cron.d/settle" "$r/usr/lib/sysusers.d/settle.conf" \
     "$r/usr/lib/tmpfiles.d/settle.conf" || true)"
# The root's own systemd-analyze (--man=no: the root has no man-db to look
# up Documentation=man:settle(1); the man page is checked above).
t_run out in_root systemd-analyze verify --man=no /lib/systemd/system/settle.service /lib/systemd/system/settle.timer
t_eq "systemd-analyze verify the installed units: exit 0" 0 "$out_rc"
t_eq "systemd-analyze verify: no complaint" "" "$(echo "$out" | grep -v '^$' | grep -iv 'tmpfiles\|sysusers' || true)"
t_run out in_root systemd-analyze calendar --iterations=1 "$(sed -n 's/^OnCalendar=//p' "$r/lib/systemd/system/settle.timer")"
t_contains "the timer fires at 05:30 UTC (02:30 in São Paulo)" "05:30:00 UTC" "$out"

# cron: the same hour, whatever the host's zone, and not when the timer is enabled.
line=$(grep -E '^[0-9*]' "$r/etc/cron.d/settle")
t_eq "one cron line, as the settle user" "settle" "$(echo "$line" | awk '{ print $6 }')"
cmd=$(echo "$line" | cut -d' ' -f7- | sed 's/\\%/%/g')
t_contains "cron runs the installed wrapper" "/usr/lib/settle/settle-nightly" "$cmd"
mkdir -p "$r/tmp/fake"
cron_at() { # cron_at UTC-TIME: did the cron line start the wrapper at that time?
  printf '#!/bin/sh\nexec /bin/date -d "%s" "$@"\n' "$1" >"$r/tmp/fake/date"
  chmod 755 "$r/tmp/fake/date"
  rm -f "$r"/var/log/settle/settle-*.log
  in_root runuser -u settle -- /usr/bin/env PATH=/tmp/fake:/usr/bin:/bin TZ=UTC SETTLE_RUN_ARGS=--dry-run \
    /bin/sh -c "$cmd" >/dev/null 2>&1
  ls "$r"/var/log/settle/settle-*.log >/dev/null 2>&1 && echo ran || echo idle
}
t_eq "cron at 05:30 UTC (02:30 in São Paulo): runs" ran "$(cron_at '2026-12-01 05:30 UTC')"
t_eq "cron at 02:30 UTC (23:30 in São Paulo): idle" idle "$(cron_at '2026-12-01 02:30 UTC')"
t_eq "cron at 02:30 UTC-3 written as local time: runs" ran "$(cron_at '2026-12-01 02:30 -0300')"
mkdir -p "$r/etc/systemd/system/timers.target.wants"
ln -s /lib/systemd/system/settle.timer "$r/etc/systemd/system/timers.target.wants/settle.timer"
t_eq "cron with the timer enabled: idle (never both)" idle "$(cron_at '2026-12-01 05:30 UTC')"

# bash completion, installed where bash-completion looks.
t_eq "bash completion: commands" "reconcile report resolve" "$(in_root bash -c '
  source /usr/share/bash-completion/completions/settle
  COMP_WORDS=(settle re); COMP_CWORD=1; _settle; echo ${COMPREPLY[*]}' | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
t_eq "bash completion: the shipped config's sources" "bb psp psp-api" "$(in_root bash -c '
  source /usr/share/bash-completion/completions/settle
  COMP_WORDS=(settle fetch --source ""); COMP_CWORD=3; _settle; echo ${COMPREPLY[*]}' | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"

# remove keeps the data and the config; purge removes them.
mkdir -p "$r/var/spool/settle/archive/bb" && echo data >"$r/var/spool/settle/archive/bb/CB300101.RET"
echo "; edited by the operator" >>"$r/etc/settle/settle.conf"
t_run out in_root dpkg -r settle
t_eq "dpkg -r" 0 "$out_rc"
t_check "remove: the binary is gone" test ! -e "$r/usr/bin/settle"
t_check "remove: the timer is disabled" test ! -L "$r/etc/systemd/system/timers.target.wants/settle.timer"
t_check "remove: the spool is kept" test -s "$r/var/spool/settle/archive/bb/CB300101.RET"
t_contains "remove: the edited config is kept" "edited by the operator" "$(cat "$r/etc/settle/settle.conf" 2>/dev/null)"
t_run out in_root dpkg -i /tmp/settle.deb
t_eq "reinstall" 0 "$out_rc"
t_contains "reinstall keeps the edited config" "edited by the operator" "$(cat "$r/etc/settle/settle.conf")"
t_eq "reinstall keeps the config's owner and mode" "root settle 640" "$(in_root stat -c '%U %G %a' /etc/settle/settle.conf)"
t_run out in_root dpkg -P settle
t_eq "dpkg -P" 0 "$out_rc"
for d in /var/spool/settle /var/log/settle /var/lib/settle /etc/settle; do
  t_check "purge: $d is gone" test ! -e "$r$d"
done
t_eq "purge: no statoverride left" "" "$(in_root dpkg-statoverride --list | grep settle || true)"
t_eq "purge: dpkg forgets the package" "" "$(in_root dpkg-query -W -f='${Status}' settle 2>/dev/null || true)"
t2=$(date +%s)

# ---------------------------------------------------------------------------
# Part 2: docs/operations.md's "First deploy", as written, in a fresh root.
#
# The convention (also stated at the top of that section): every ```sh block
# of the section runs in order, as root, in a new root unpacked from the same
# tarball (cwd /root, where the .deb and CA-BUNDLE.pem are); step 2's blocks
# run on the owner's machine, this host (the built settle first on PATH, its
# ```sql block in psql as the owner, \password answered on stdin). Only
# these are substituted: VERSION, PASSWORD, the default ports 5432 and 22
# (`:5432:`, `-p 22 `); the example's host names resolve to 127.0.0.1 in the
# root's /etc/hosts, where this test's PostgreSQL (TLS, scram passwords,
# dbname payments) and sshd listen. Step 6's edits are made through
# sudoedit by the test's editor (SUDO_EDITOR), as step 3's pgpass line. No
# systemd runs in a chroot: a stand-in /usr/local/sbin/systemctl does what
# systemd would for start (settle.service: its ExecStart as its User= with
# its Environment=), status and list-timers, and passes the rest (enable)
# to the real systemctl. The night then runs for real: fetch over SFTP,
# ingest, reconcile against seeded payments, export and upload, report, purge.
phase() { echo "# package: first deploy: $1 from $(( $(date +%s) - t2 )) s"; }
r=$T_TMP/deploy
mkdir -p "$r"
zstd -dc "$tarball" | tar -C "$r" --numeric-owner -xf -
mkdir -p "$r/run/lock" && chmod 1777 "$r/run/lock"
echo force-unsafe-io >"$r/etc/dpkg/dpkg.cfg.d/settle-test-unsafe-io"
arch=$(dpkg-deb -f "$deb" Architecture)
t_eq "the package's version is jobs/version.c's (the doc's VERSION)" "$version" "$(dpkg-deb -f "$deb" Version)"
cp "$deb" "$r/root/settle_${version}_$arch.deb"
cp "$tls/ca.pem" "$r/root/CA-BUNDLE.pem"

# The root: the example's host names on loopback; the test's editor and
# systemctl stand-in.
echo "127.0.0.1 payments-db.internal sftp.bb.example sftp.invoicing.internal $(hostname)" >>"$r/etc/hosts"
mkdir -p "$r/root/edits" "$r/usr/local/sbin" "$r/usr/local/bin"
cat >"$r/usr/local/bin/deploy-editor" <<'EDITOR'
#!/bin/sh
# The test's $SUDO_EDITOR: sudoedit hands it a copy named after the file
# (pgpassXXXXXXXX, settleXXXXXXXX.conf); it applies /root/edits/<file>.
for f; do
  case $(basename "$f") in
    pgpass*) cat /root/edits/pgpass >"$f" ;;
    settle*.conf) awk -f /root/edits/settle.conf.awk "$f" >"$f.new" && cat "$f.new" >"$f" && rm -f "$f.new" ;;
    *) echo "deploy-editor: no edit for $f" >&2; exit 1 ;;
  esac
done
EDITOR
cat >"$r/usr/local/sbin/systemctl" <<'STANDIN'
#!/bin/sh
# package.sh's stand-in: no systemd runs in this test root. start, status and
# list-timers do what systemd would for settle's units; the rest (enable,
# disable) is the real systemctl, which works on the files in a chroot.
real=/usr/bin/systemctl
state=/run/systemctl-standin
verb=$1; shift
case $verb in
  enable|disable)
    args=; for a; do [ "$a" = --now ] || args="$args $a"; done
    # shellcheck disable=SC2086
    exec $real "$verb" $args ;;
  start)
    for u; do
      [ "$u" = settle.service ] || { echo "systemctl (stand-in): $u: nothing to start without systemd"; continue; }
      f=/lib/systemd/system/$u
      user=$(sed -n 's/^User=//p' "$f")
      # shellcheck disable=SC2046
      (umask "$(sed -n 's/^UMask=//p' "$f")"; cd / && exec runuser -u "$user" -- env -i \
         PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
         HOME="$(getent passwd "$user" | cut -d: -f6)" USER="$user" LOGNAME="$user" \
         $(sed -n 's/^Environment=//p' "$f") $(sed -n 's/^ExecStart=//p' "$f"))
      rc=$?
      mkdir -p "$state" && echo "$rc" >"$state/$u"
      [ "$rc" -eq 0 ] || { echo "Job for $u failed (exit $rc)." >&2; exit 1; }
    done ;;
  status)
    rc=$(cat "$state/$1" 2>/dev/null) || { echo "o $1 - inactive (dead), never started"; exit 3; }
    echo "o $1 - inactive (dead): ExecStart exited, status=$rc"
    [ "$rc" -eq 0 ] ;;
  list-timers)
    for u; do
      printf '%s %s: ' "$u" "$(test -L "/etc/systemd/system/timers.target.wants/$u" && echo enabled || echo disabled)"
      systemd-analyze calendar --iterations=1 "$(sed -n 's/^OnCalendar=//p' "/lib/systemd/system/$u")" | grep 'Next elapse'
    done ;;
  *) exec $real "$verb" "$@" ;;
esac
STANDIN
chmod 755 "$r/usr/local/bin/deploy-editor" "$r/usr/local/sbin/systemctl"
in_deploy() {
  if [ -n "$with_proc" ]; then
    # (/dev/pts too: apt logs the maintainer scripts' output through a pty)
    unshare --mount --propagation private -- sh -c \
      'mount -t proc proc "$0/proc" && { mount --bind /dev/pts "$0/dev/pts" 2>/dev/null || true; } && exec chroot "$0" "$@"' \
      "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
      HOME=/root TERM=dumb SUDO_EDITOR=/usr/local/bin/deploy-editor "$@"
  else
    chroot "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
      HOME=/root TERM=dumb SUDO_EDITOR=/usr/local/bin/deploy-editor "$@"
  fi
}
with_proc=
unshare --mount --propagation private -- sh -c 'mount -t proc proc "$0/proc"' "$r" 2>/dev/null && with_proc=1
# run_block FILE: one of the doc's sh blocks in the root, as typed (bash -e:
# the first failing command fails the block); its output in $out.
run_block() {
  cp "$1" "$r/root/block.sh"
  t_run out in_deploy sh -c 'cd /root && exec bash -e -o pipefail block.sh'
  echo "$out" | sed "s/^/#   $(basename "$1"): /"
}

phase 'step 1'
run_block "$blocks/01-step1.sh"
t_eq "First deploy 1: apt install ./settle_${version}_$arch.deb" 0 "$out_rc"
t_eq "First deploy 1: settle installed by apt" "install ok installed" "$(in_deploy dpkg-query -W -f='${Status}' settle)"

wait "$prep_pid"
phase "servers ready"
t_eq "First deploy: the test's PostgreSQL (TLS) and sshd, and step 2 on the owner's machine" 0 "$(cat "$T_TMP/prep.rc")"
[ "$(cat "$T_TMP/prep.rc")" = 0 ] || { sed 's/^/#   /' "$T_TMP/prep.log"; t_done; }
sed -n '/^== step 2/,/^== /p' "$T_TMP/prep.log" | sed 's/^/#   /'
t_eq "First deploy 2: settle_nightly logs in, as a member of settle_job, with a password" "t|t|t" \
  "$(psql "$owner_conn" -qtAXc "SELECT r.rolcanlogin, pg_has_role('settle_nightly', 'settle_job', 'member'), s.passwd IS NOT NULL
     FROM pg_roles r JOIN pg_shadow s ON s.usename = r.rolname WHERE r.rolname = 'settle_nightly'")"
nbank=$(ls "$T_TMP/sftp/retorno" | grep -c '\.ret$')
t_check "First deploy: the bank's files wait on its server" test "$nbank" -gt 0
phase 'step 3'
sed -n 's/.*# one line: //p' "$blocks/04-step3.sh" >"$r/root/edits/pgpass"
t_contains "First deploy 3: the pgpass line names the host, port, database and login" \
  "payments-db.internal:$pgport:payments:settle_nightly:" "$(cat "$r/root/edits/pgpass")"
run_block "$blocks/04-step3.sh"
t_eq "First deploy 3: the password file and the CA" 0 "$out_rc"
t_eq "First deploy 3: /etc/settle/pgpass is settle's, 0600" "settle settle 600" "$(in_deploy stat -c '%U %G %a' /etc/settle/pgpass)"

phase 'step 4'
run_block "$blocks/05-step4.sh"
t_eq "First deploy 4: SFTP keys made as settle" 0 "$out_rc"
t_eq "First deploy 4: the private keys are settle's, 0600" "settle 600 settle 600" \
  "$(in_deploy stat -c '%U %a' /etc/settle/keys/bb_ed25519 /etc/settle/keys/invoicing_ed25519 | tr '\n' ' ' | sed 's/ $//')"
# The bank and the invoicing team install the public keys: one sshd serves both.
cat "$r"/etc/settle/keys/*.pub >"$T_TMP/client-keys"
# The bank and the invoicing team install the public keys (one sshd serves
# both; it reads its authorized_keys at each login).
cat "$r"/etc/settle/keys/*.pub >>"$SETTLE_SSHD_DIR/authorized_keys"
sshport=$(sed -n 's/^port=//p' "$T_TMP/sshd.env")
fpr=$(sed -n 's/^host_key_sha256=//p' "$T_TMP/sshd.env")
sshuser=$(sed -n 's/^user=//p' "$T_TMP/sshd.env")
sed -i "s/-p 22 /-p $sshport /g" "$blocks/06-step5.sh"
phase 'step 5'
run_block "$blocks/06-step5.sh"
t_eq "First deploy 5: host keys scanned into /etc/settle/known_hosts" 0 "$out_rc"
t_eq "First deploy 5: each scanned fingerprint is the server's (the out-of-band check)" "$fpr $fpr" \
  "$(echo "$out" | grep -oE 'SHA256:[A-Za-z0-9+/]+' | tr '\n' ' ' | sed 's/ $//')"
t_eq "First deploy 5: known_hosts root's, 0644, a line per host" "root 644 2" \
  "$(in_deploy stat -c '%U %a' /etc/settle/known_hosts) $(grep -c ssh-ed25519 "$r/etc/settle/known_hosts")"

phase 'step 6'
# Step 6: the edits it lists, and nothing else.
cat >"$r/root/edits/settle.conf.awk" <<AWK
/^\[/ { sect = \$0; drop = (sect ~ /^\[(source psp|source psp-api|profile psp)\]\$/) }
drop { next }
sect == "[database]" && /^conninfo = / { print \$0 " port=$pgport"; next }
(sect == "[source bb]" || sect == "[destination invoices]") && /^host = / { print; print "port = $sshport"; next }
(sect == "[source bb]" || sect == "[destination invoices]") && /^user = / { print "user = $sshuser"; next }
sect == "[source bb]" && /^remote_dir = / { print "remote_dir = $T_TMP/sftp/retorno"; next }
sect == "[destination invoices]" && /^remote_dir = / { print "remote_dir = $T_TMP/sftp/inbox"; next }
{ print }
AWK
cp "$r/etc/settle/settle.conf" "$T_TMP/settle.conf.shipped"
t_run out in_deploy sh -c 'cd /root && sudoedit /etc/settle/settle.conf'
t_eq "First deploy 6: sudoedit /etc/settle/settle.conf" 0 "$out_rc"
[ "$out_rc" -eq 0 ] || echo "$out" | sed 's/^/#   /'
t_eq "First deploy 6: the edit touched only the lines step 6 names" \
  "conninfo port= | port x2 | user x2 | remote_dir x2 | psp, psp-api and profile psp deleted" \
  "$(diff "$T_TMP/settle.conf.shipped" "$r/etc/settle/settle.conf" | grep '^>' | sed 's/^> //' | awk '
      /^conninfo = .* port=[0-9]+$/ { c++ } /^port = / { p++ } /^user = / { u++ } /^remote_dir = / { d++ }
      END { printf "%s | port x%d | user x%d | remote_dir x%d | ", (c == 1 ? "conninfo port=" : "conninfo?"), p, u, d }')$(
     grep -qE '^\[(source psp|source psp-api|profile psp)\]' "$r/etc/settle/settle.conf" && echo "psp kept" ||
     echo "psp, psp-api and profile psp deleted")"
t_eq "First deploy 6: the config is still root:settle 0640" "root settle 640" "$(in_deploy stat -c '%U %G %a' /etc/settle/settle.conf)"

phase 'step 7'
run_block "$blocks/07-step7.sh"
t_eq "First deploy 7: status, fetch --dry-run and run --dry-run as settle" 0 "$out_rc"
t_contains "First deploy 7: fetch --dry-run lists the bank's file" "$(ls "$T_TMP/sftp/retorno" | grep '\.ret$' | head -1)" "$out"
t_eq "First deploy 7: the dry runs fetched nothing" "$nbank" "$(ls "$T_TMP/sftp/retorno" | grep -c '\.ret$')"

phase 'step 8'
run_block "$blocks/08-step8.sh"
t_eq "First deploy 8: the timer enabled" 0 "$out_rc"
t_check "First deploy 8: settle.timer is wanted by timers.target" test -L "$r/etc/systemd/system/timers.target.wants/settle.timer"
t_contains "First deploy 8: next elapse 05:30 UTC (02:30 in São Paulo)" "05:30:00 UTC" "$out"

phase 'step 9'
run_block "$blocks/09-step9.sh"
t_eq "First deploy 9: the first night (settle.service) and its log" 0 "$out_rc"
day=$(date -u +%Y%m%d)
log=$r/var/log/settle/settle-$day.log
t_contains "First deploy 9: the night finished with exit 0" '"msg":"nightly wrapper finished","exit":0' "$(cat "$log" 2>/dev/null)"
t_contains "First deploy 9: the summary says clean" "result: succeeded (exit 0)" "$(cat "$r/var/log/settle/settle-$day.summary" 2>/dev/null)"
# (From the root the server is reachable only over TCP, where pg_hba.conf
# takes hostssl with a scram password, and settle_nightly is the only login
# with one: the night logged in as the doc says or not at all.)
t_eq "First deploy 9: the run (as settle_nightly, over TLS) recorded succeeded" "succeeded" \
  "$(psql "$owner_conn" -qtAXc "SELECT status FROM job_runs WHERE NOT dry_run ORDER BY id DESC LIMIT 1")"
t_eq "First deploy 9: every bank file fetched and ingested" "$nbank" \
  "$(psql "$owner_conn" -qtAXc "SELECT count(*) FROM return_files WHERE source = 'bb' AND status = 'reconciled'")"
t_eq "First deploy 9: the bank's files moved to processados (after_fetch)" "$nbank" "$(ls "$T_TMP/sftp/retorno/processados" | grep -c '\.ret$')"
t_check "First deploy 9: payments made paid" test "$(psql "$owner_conn" -qtAXc "SELECT count(*) FROM payments p JOIN settlements s ON s.id = p.paid_by_settlement")" -gt 0
t_check "First deploy 9: an invoice batch uploaded to the invoicing server" sh -c "ls '$T_TMP'/sftp/inbox/invoice-requests-*.csv.gz >/dev/null"
t_check "First deploy 9: the report written in the spool" sh -c "ls '$r'/var/spool/settle/reports/exceptions-*.html >/dev/null"
t_contains "First deploy 9: settle status shows the night" "succeeded" "$out"

phase 'what must not work'
# What must not work: the password file others may read; a wrong password.
chmod 644 "$r/etc/settle/pgpass"
t_run out in_deploy sudo -u settle settle status
t_eq "a pgpass others may read is ignored by libpq: the login is refused (77)" 77 "$out_rc"
t_contains "libpq says why, naming the file" 'password file "/etc/settle/pgpass" has group or world access' "$out"
chmod 600 "$r/etc/settle/pgpass"
sed -i 's/:[^:]*$/:wrong/' "$r/etc/settle/pgpass"
t_run out in_deploy sudo -u settle settle status
t_eq "a wrong password: 77" 77 "$out_rc"
t_contains "and the HINT names the password file" "current password in the password file /etc/settle/pgpass" "$out"

echo "# package: $(( $(date +%s) - t0 )) s: make deb $(( t_deb - t0 )) s, debroot $(( t_root - t_deb )) s, unpacking the root $(( t1 - t_root )) s, dpkg and checks $(( t2 - t1 )) s, first deploy $(( $(date +%s) - t2 )) s"
t_done
