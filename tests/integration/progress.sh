#!/usr/bin/env bash
# progress.sh - the live progress line: shown on a terminal, never when
# stderr is a file or a pipe (cron, the nightly log).
. "$(dirname "$0")/../lib.sh"
gen=${BUILD:-$T_TOP/build}/tests/tools/gencnab240
"$gen" --titles 140000 --out "$T_TMP/big.ret" >/dev/null

"$SETTLE" parse "$T_TMP/big.ret" >/dev/null 2>"$T_TMP/err"
t_eq "parse to a pipe: exit 0" 0 "$?"
t_not_contains "no progress line when stderr is not a terminal" "records/s" "$(cat "$T_TMP/err")"

# script(1) gives the command a pseudo-terminal, as an operator's shell would.
script -qefc "'$SETTLE' parse '$T_TMP/big.ret' >/dev/null" /dev/null >"$T_TMP/tty" 2>&1
t_eq "parse on a terminal: exit 0" 0 "$?"
t_contains "progress line on a terminal" "parse $T_TMP/big.ret: 65536 records," "$(cat "$T_TMP/tty")"
t_contains "progress line cleared at the end" $'\r\033[K' "$(cat "$T_TMP/tty")"
t_done
