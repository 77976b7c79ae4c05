#!/usr/bin/env bash
# fetch_clock.sh - a remote file whose mtime is in the future was skipped
# every night as "younger than min_age_seconds", silently. Beyond 300 s of
# clock skew it is now a failure of that file (an error naming it; the
# source fails, exit 69, as for max_file_bytes);
# within the skew it is skipped as young, as before.
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/support/fetch-lib.sh"

R=$T_TMP/root
mkdir -p "$R/future" "$R/skew"
printf 'from the future\n' >"$R/future/F.RET"
touch -d '+2 hours' "$R/future/F.RET"
printf 'a minute ahead\n' >"$R/skew/S.RET"
touch -d '+60 seconds' "$R/skew/S.RET"
f_sshd_start "$R"

t_newdb
t_config "$T_TMP/settle.conf" "$(f_source future future)" "$(f_source skew skew)"

f_fetch out --source future
t_eq "an mtime 2 hours ahead fails the file (like max_file_bytes): exit 69" 69 "$out_rc"
t_contains "the source is named as failed" "1 source(s) failed: future" "$out"
t_contains "the error names the file and the skew" "refused: modification time" "$out"
t_contains "... for F.RET" "file=F.RET" "$out"
t_contains "... in the future" "in the future (more than 300s of clock skew)" "$out"
t_eq "not fetched" "" "$(f_incoming future)"

f_fetch out --source skew
t_eq "an mtime a minute ahead (clock skew) is skipped as young: exit 0" 0 "$out_rc"
t_contains "skipped as young" "younger than min_age_seconds" "$out"
t_eq "not fetched yet" "" "$(f_incoming skew)"

touch -d '-1 minute' "$R/future/F.RET"
f_fetch out --source future
t_eq "once its mtime is in the past it is fetched" "0 F.RET" "$out_rc $(f_incoming future)"

# A file settle fetch placed is complete (.part, fsync, rename): ingest takes
# it at once even though its local mtime is seconds old and [ingest]
# min_age_seconds is 60 (the fetch registry vouches for it).
T_INGEST_MIN_AGE=60 t_config "$T_TMP/age.conf" "$(f_source future future)"
t_run out "$SETTLE" --config "$T_TMP/age.conf" ingest
t_not_contains "a just-fetched file is not held back as still being written" "may still be being written" "$out"
t_eq "it was taken (recorded; rejected: not a return file)" "future F.RET rejected" \
  "$(t_sql "SELECT source || ' ' || name || ' ' || status FROM return_files")"
t_done
