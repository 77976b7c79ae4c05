#!/usr/bin/env bash
# install.sh - make install honours PREFIX and DESTDIR and installs every piece.
. "$(dirname "$0")/../lib.sh"
cd "$T_TOP"
t_run out make --no-print-directory install DESTDIR="$T_TMP/root" PREFIX=/opt/settle
t_eq "make install exits 0" 0 "$out_rc"
for f in bin/settle lib/settle/settle-nightly share/settle/sql/001_payments.sql share/settle/cron/settle.cron \
         share/settle/systemd/settle.service share/settle/systemd/settle.timer share/man/man1/settle.1 \
         share/doc/settle/settle.conf.example share/doc/settle/configuration.md; do
  t_check "installed $f" test -f "$T_TMP/root/opt/settle/$f"
done
t_check "installed binary runs" "$T_TMP/root/opt/settle/bin/settle" version
t_eq "installed sql matches the built-in migrations" "$(ls sql/[0-9]*.sql | wc -l)" "$(ls "$T_TMP/root/opt/settle/share/settle/sql" | wc -l)"
for c in $("$SETTLE" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}'); do
  t_check "man page documents $c" grep -q "^\.B $c" docs/settle.1
done
t_done
