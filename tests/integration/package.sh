#!/usr/bin/env bash
# package.sh - `make deb`'s package in a clean Debian root (scripts/debroot:
# debootstrap --variant=minbase with the package's Depends, made once and
# cached under build/debroot/): dpkg -i, then what an operator relies on:
# settle --version and help, the settle user and its directories, the
# config's owner and mode, the units verified by systemd-analyze with the
# installed paths, cron and timer on São Paulo time and never both, bash
# completion, and what must NOT happen: others reading the config or
# writing the spool, data lost on remove, data kept on purge.
# Skips (a "# SKIP" line, no ok/not ok) only when no root can be made:
# not root, or no network to the Debian mirror for the first debootstrap.
. "$(dirname "$0")/../lib.sh"
cd "$T_TOP"
t0=$(date +%s)

deb=$(BUILD=$T_TMP/build SETTLE=$SETTLE scripts/mkdeb 2>"$T_TMP/mkdeb.err" | tail -n 1)
t_check "make deb builds a package" test -s "$deb"
[ -s "$deb" ] || { cat "$T_TMP/mkdeb.err"; t_done; }
t_deb=$(date +%s)
files=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
for f in ./usr/bin/settle ./usr/lib/settle/settle-nightly ./etc/settle/settle.conf ./etc/cron.d/settle \
         ./lib/systemd/system/settle.service ./lib/systemd/system/settle.timer ./usr/lib/sysusers.d/settle.conf \
         ./usr/lib/tmpfiles.d/settle.conf ./usr/share/man/man1/settle.1.gz \
         ./usr/share/bash-completion/completions/settle ./usr/share/settle/sql/001_payments.sql; do
  t_contains "package ships $f" "$f" "$files"
done
t_eq "conffiles: the config and the cron file" "/etc/cron.d/settle /etc/settle/settle.conf " \
  "$(dpkg-deb -I "$deb" conffiles | sort | tr '\n' ' ')"
t_not_contains "no file under /usr/local" "/usr/local" "$files"

deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/[[:space:]]//g' | grep .)
# `make check` installs into a cached clean root only (SETTLE_DEBROOT_NO_BUILD,
# unless SETTLE_TEST_PACKAGE_ROOT=1 as `make check-package` sets): making the
# root downloads ~50 MB and takes minutes, past the suite's time budget.
nobuild=1; [ "${SETTLE_TEST_PACKAGE_ROOT:-0}" = 1 ] && nobuild=0
tarball=$(SETTLE_DEBROOT_NO_BUILD=$nobuild scripts/debroot "$T_TOP/build/debroot" $deps 2>"$T_TMP/debroot.err")
rc=$?
if [ $rc -eq 77 ]; then
  echo "# SKIP package: $(cat "$T_TMP/debroot.err")"
  t_done
fi
t_eq "scripts/debroot makes (or finds) the clean root" 0 "$rc"
[ $rc -eq 0 ] || { cat "$T_TMP/debroot.err"; t_done; }
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
echo "# package: $(( $(date +%s) - t0 )) s: make deb $(( t_deb - t0 )) s, debroot $(( t_root - t_deb )) s, unpacking the root $(( t1 - t_root )) s, dpkg and checks $(( $(date +%s) - t1 )) s"
t_done
