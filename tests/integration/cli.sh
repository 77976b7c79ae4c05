#!/usr/bin/env bash
# cli.sh - the command line: help, usage errors, config errors and exit codes.
. "$(dirname "$0")/../lib.sh"

t_run out "$SETTLE" --help
t_eq "--help exits 0" 0 "$out_rc"
t_contains "--help lists migrate" "migrate " "$out"
t_run out "$SETTLE"
t_eq "no command exits 64" 64 "$out_rc"
t_run out "$SETTLE" frobnicate
t_eq "unknown command exits 64" 64 "$out_rc"
t_contains "unknown command named" "unknown command 'frobnicate'" "$out"
for c in $("$SETTLE" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}'); do
  t_run out "$SETTLE" "$c" --help
  t_eq "$c --help exits 0" 0 "$out_rc"
  t_contains "$c --help shows usage" "usage: settle $c" "$out"
done
t_run out "$SETTLE" migrate --bogus
t_eq "unknown option exits 64" 64 "$out_rc"
t_run out "$SETTLE" --log-format=xml version
t_eq "bad --log-format exits 64" 64 "$out_rc"
t_run out "$SETTLE" version
t_contains "version prints libraries" "libpq" "$out"

# Configuration errors: file:line, the key, what is allowed; exit 78.
printf '[database]\nconninfo = dbname=x\n\n[spool]\ndri = /tmp\n' >"$T_TMP/bad.conf"
t_run out "$SETTLE" --config "$T_TMP/bad.conf" migrate
t_eq "misspelt key exits 78" 78 "$out_rc"
t_contains "misspelt key names file:line and allowed keys" "$T_TMP/bad.conf:5: unknown key 'dri' in [spool]; expected one of: dir" "$out"
SETTLE_CONFIG=$T_TMP/bad.conf t_run out "$SETTLE" migrate
t_eq "SETTLE_CONFIG is read" 78 "$out_rc"
t_run out "$SETTLE" --config "$T_TMP/missing.conf" migrate
t_eq "missing explicit config exits 78" 78 "$out_rc"
t_contains "missing config message" "cannot open config file $T_TMP/missing.conf" "$out"
t_run out "$SETTLE" --log-format=json --config "$T_TMP/bad.conf" migrate
t_contains "json log line" '"level":"error","component":"config"' "$out"

# The example config in docs/ is valid as shipped.
t_run out "$SETTLE" --config "$T_TOP/docs/settle.conf.example" migrate --status --dir /nonexistent
t_not_contains "example config parses" "settle.conf.example:" "$out"

# docs/configuration.md documents every key the code knows.
missing=""
while IFS=$'\t' read -r sect key def choices; do
  grep -q "\`$key\`" "$T_TOP/docs/configuration.md" || missing="$missing [$sect] $key"
done < <("$SETTLE" help config-keys 2>/dev/null || true)
t_eq "every config key documented" "" "$missing"

# One table of exit codes (common/error.c): --help, the README's table and
# the man page's EXIT STATUS list exactly its codes.
codes=$("$SETTLE" help exit-codes | cut -f1 | sort -n | tr '\n' ' ')
t_eq "the exit codes settle uses" "0 64 65 69 70 74 75 77 78 " "$codes"
t_eq "README's exit code table lists them" "$codes" \
  "$(grep -oE '^\| [0-9]+ \|' "$T_TOP/README.md" | tr -dc '0-9\n' | sort -n | tr '\n' ' ')"
t_eq "the man page's EXIT STATUS lists them" "$codes" \
  "$(sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$T_TOP/docs/settle.1" | grep -oE '(^|[ ;])[0-9]+ ' | tr -dc '0-9 ' |
     tr ' ' '\n' | grep -v '^$' | sort -n | uniq | tr '\n' ' ')"
help_codes=$("$SETTLE" --help | sed -n '/^Exit codes/,$p' | grep -oE '(: | |, )[0-9]+ [a-z]' | tr -dc '0-9\n' | sort -n |
             tr '\n' ' ')
t_eq "--help lists them" "$codes" "$help_codes"

# One vocabulary of exception reasons: reconcile's (settle help reasons), the
# database's CHECK after every migration, and docs/reconciliation.md's table.
# (The report's texts are checked against the same list by
# tests/unit/report/reasons_test.c.)
reasons=$("$SETTLE" help reasons | sort | tr '\n' ' ')
t_check "reasons listed" test -n "$reasons"
t_newdb
t_eq "the database accepts exactly reconcile's reasons" "$reasons" \
  "$(t_sql "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'exceptions_reason_check'" |
     grep -oE "'[A-Z_]+'" | tr -d "'" | sort | tr '\n' ' ')"
t_eq "docs/reconciliation.md describes exactly those" "$reasons" \
  "$(sed -n '/^## Exception reasons/,/^## [^E]/p' "$T_TOP/docs/reconciliation.md" | grep -oE '^\| `[A-Z_]+` \|' |
     tr -dc 'A-Z_\n' | sort -u | tr '\n' ' ')"

# One table of commands (jobs/commands.c): `settle --help`, each command's
# --help and the man page's COMMANDS list agree: the same commands, and every
# long option a command's usage names is in its man page entry.
cmds=$("$SETTLE" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}' | sort | tr '\n' ' ')
man_cmds=$(sed -n '/^\.SH COMMANDS/,/^\.SH /p' "$T_TOP/docs/settle.1" | awk 'prev == ".TP" && /^\.B /{print $2} {prev = $1}' |
           sort | tr '\n' ' ')
t_eq "the man page's COMMANDS list the commands of settle --help" "$cmds" "$man_cmds"
for c in $cmds; do
  entry=$(sed -n '/^\.SH COMMANDS/,/^\.SH /p' "$T_TOP/docs/settle.1" | awk -v c="$c" 'prev == ".TP" && $1 == ".B" {on = ($2 == c)} on {print} {prev = $1}' |
          sed 's/\\-/-/g')
  opts=$("$SETTLE" "$c" --help | sed -n '1,/^$/p' | grep -oE -- '--[a-z][a-z-]*' | sort -u)
  miss=""
  for o in $opts; do
    case $o in --help) continue ;; esac
    grep -q -- "$o" <<<"$entry" || miss="$miss $o"
  done
  t_eq "settle $c: every option of its usage line is in the man page" "" "$miss"
done

t_done

