#!/usr/bin/env bash
# install.sh - make install honours PREFIX and DESTDIR in every file it
# writes (the cron, systemd, sysusers.d and tmpfiles.d files name the
# installed paths), and make uninstall removes exactly that, config aside.
. "$(dirname "$0")/../lib.sh"
cd "$T_TOP"
r=$T_TMP/root
t_run out make --no-print-directory install DESTDIR="$r" PREFIX=/opt/settle
t_eq "make install exits 0" 0 "$out_rc"
for f in bin/settle lib/settle/settle-nightly share/settle/sql/001_payments.sql share/settle/cron/settle.cron \
         lib/systemd/system/settle.service lib/systemd/system/settle.timer lib/sysusers.d/settle.conf \
         lib/tmpfiles.d/settle.conf share/man/man1/settle.1 share/bash-completion/completions/settle \
         share/doc/settle/settle.conf.example share/doc/settle/configuration.md; do
  t_check "installed $f" test -f "$r/opt/settle/$f"
done
t_check "config installed in /etc/settle (SYSCONFDIR), outside PREFIX" test -f "$r/etc/settle/settle.conf"
t_check "installed binary runs" "$r/opt/settle/bin/settle" version
t_eq "installed sql matches the built-in migrations" "$(ls sql/[0-9]*.sql | wc -l)" "$(ls "$r/opt/settle/share/settle/sql" | wc -l)"

svc=$(cat "$r/opt/settle/lib/systemd/system/settle.service")
cron=$(cat "$r/opt/settle/share/settle/cron/settle.cron")
t_contains "service runs the installed wrapper" "ExecStart=/opt/settle/lib/settle/settle-nightly" "$svc"
t_contains "service names the installed binary" "Environment=SETTLE_BIN=/opt/settle/bin/settle" "$svc"
t_contains "cron runs the installed wrapper" "/usr/bin/flock -n /run/lock/settle-nightly.lock /opt/settle/lib/settle/settle-nightly" "$cron"
t_contains "cron's PATH has the installed bin" "PATH=/opt/settle/bin:" "$cron"
t_contains "cron on São Paulo time" "CRON_TZ=America/Sao_Paulo" "$cron"
t_eq "no placeholder left in any written file" "" \
  "$(grep -rl '@[A-Z]*DIR@' "$r" 2>/dev/null | sed "s|^$r||" | tr '\n' ' ')"
t_eq "nothing written names /usr/local (PREFIX is /opt/settle)" "" \
  "$(grep -rlI '/usr/local' "$r/opt/settle/lib" "$r/opt/settle/share/settle" 2>/dev/null | tr '\n' ' ')"
t_eq "nothing written outside DESTDIR's /opt/settle and /etc/settle" "etc opt" "$(ls "$r" | tr '\n' ' ' | sed 's/ $//')"

# A second install keeps an edited config.
echo "; edited" >>"$r/etc/settle/settle.conf"
make --no-print-directory install DESTDIR="$r" PREFIX=/opt/settle >/dev/null 2>&1
t_contains "make install never overwrites the config" "; edited" "$(cat "$r/etc/settle/settle.conf")"

t_run out make --no-print-directory uninstall DESTDIR="$r" PREFIX=/opt/settle
t_eq "make uninstall exits 0" 0 "$out_rc"
t_eq "make uninstall leaves no file under PREFIX" "" "$(find "$r/opt/settle" -type f | sed "s|^$r||" | tr '\n' ' ')"
t_check "make uninstall keeps the config" test -f "$r/etc/settle/settle.conf"

for c in $("$SETTLE" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}'); do
  t_check "man page documents $c" grep -q "^\.B $c" docs/settle.1
done
t_done
