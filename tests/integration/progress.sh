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

# The long steps: reconcile shows n of N settlements, rate and ETA on a
# terminal; off a terminal one "progress" event per interval (10 s; the
# test shortens it with SETTLE_PROGRESS_SECONDS), never a redrawn line.
t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf
mkdir -p "$T_TMP/spool/incoming/bank"
cp "$T_TMP/big.ret" "$T_TMP/spool/incoming/bank/big.ret"
SETTLE_PROGRESS_SECONDS=0 "$SETTLE" ingest >/dev/null 2>"$T_TMP/err"
t_contains "ingest off a terminal: progress events" "level=info component=ingest msg=progress what=bank/big.ret done=" "$(cat "$T_TMP/err")"
t_not_contains "ingest off a terminal: no redrawn line" $'\r' "$(cat "$T_TMP/err")"
# A big file refreshes the planner's statistics of settlements, as
# settle_job (t_config's login) through settle_analyze_settlements(): a
# plain ANALYZE needs the owner, and only printed a WARNING (sql/024).
t_not_contains "ingest as settle_job: no server warning" "WARNING" "$(cat "$T_TMP/err")"
analyzed() {
  local _
  for _ in $(seq 40); do
    [ "$(t_sql "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'settlements'")" = t ] && break
    sleep 0.05
  done
  t_sql "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'settlements'"
}
t_eq "ingest as settle_job: the statistics of settlements refreshed" t "$(analyzed)"
records=$(t_sql "SELECT records FROM return_files WHERE name = 'big.ret'")
script -qefc "'$SETTLE' reconcile >/dev/null" /dev/null >"$T_TMP/tty" 2>&1
t_eq "reconcile on a terminal: exit 0" 0 "$?"
t_contains "reconcile: n of N settlements, rate and ETA" "reconcile big.ret: " "$(cat "$T_TMP/tty")"
t_contains "reconcile: N is the file's records" " of $records settlements (" "$(cat "$T_TMP/tty")"
t_contains "reconcile: ETA" "/s, ETA " "$(cat "$T_TMP/tty")"
t_done
