#!/usr/bin/env bash
# fetch_stable.sh - the stable-file check without a fixed wait on every
# source (fetch/listing.c, docs/fetch.md "How a file is chosen"): a file
# unchanged since the source's previous listing, or older than
# min_age_seconds, is taken on one listing; only a new or changed file
# younger than that makes fetch list the source again after the settle
# interval; --dry-run writes no listing. The settle interval is set to ten
# minutes where no second listing may happen, under a 60 s `timeout`: a
# wait would show as exit 124.
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/support/fetch-lib.sh"

R=$T_TMP/root
mkdir -p "$R/prev" "$R/aged" "$R/new"
printf 'unchanged since last night\n' >"$R/prev/P.RET"
printf 'written two hours ago\n' >"$R/aged/A.RET"
touch -d '2 hours ago' "$R/aged/A.RET"
printf 'just arrived\n' >"$R/new/N.RET"
f_sshd_start "$R"

t_newdb
t_config "$T_TMP/settle.conf" \
  "$(f_source prev prev)" \
  "$(f_source aged aged min_age_seconds=60)" \
  "$(f_source new new)"
"$SETTLE" --config "$T_TMP/settle.conf" migrate >/dev/null 2>&1
state=$T_TMP/spool/state
again="listing again after the settle interval\""
fetch_v() { # fetch_v VAR SETTLE_MS ARGS...: settle -v fetch under a 60 s timeout
  local v=$1 ms=$2; shift 2
  t_run "$v" env SETTLE_FETCH_SETTLE_MS="$ms" timeout 60 "$SETTLE" -v --config "$T_TMP/settle.conf" fetch "$@"
}

# --dry-run: lists, writes no listing.
fetch_v out 0 --dry-run
t_eq "dry-run exits 0" 0 "$out_rc"
t_check "dry-run writes no listing" test ! -e "$state/prev.listing"

# Older than min_age_seconds: taken on one listing, no previous listing needed.
fetch_v out 600000 --source aged
t_eq "older than min_age_seconds: fetched at once (exit 0, not 124)" 0 "$out_rc"
t_not_contains "... without listing again" "$again" "$out"
t_eq "... A.RET fetched" "A.RET" "$(f_incoming aged)"
t_eq "... its listing kept, private like the rest of the spool" "700 600" \
  "$(stat -c %a "$state" "$state/aged.listing" | tr '\n' ' ' | sed 's/ $//')"

# Last night's listing of [source prev] (a day old) shows P.RET as it is now.
day_ago=$(( ($(date +%s) - 86400) * 1000 ))
printf 'settle-listing 1 %s\n%s %s P.RET\n' "$day_ago" "$(stat -c %s "$R/prev/P.RET")" "$(stat -c %Y "$R/prev/P.RET")" \
  >"$state/prev.listing"
fetch_v out 600000 --source prev
t_eq "unchanged since the previous listing: fetched at once (exit 0, not 124)" 0 "$out_rc"
t_not_contains "... without listing again" "$again" "$out"
t_eq "... P.RET fetched" "P.RET" "$(f_incoming prev)"
t_contains "the listing is kept for the next run" "P.RET" "$(cat "$state/prev.listing")"

# New since the previous listing and min_age_seconds = 0: listed again.
fetch_v out 100 --source new
t_eq "a new file: exit 0" 0 "$out_rc"
t_contains "... is listed again after the settle interval" "$again source=new files=1 settle_ms=100" "$out"
t_eq "... and fetched once stable" "N.RET" "$(f_incoming new)"

# Changed since the previous listing: listed again, the new version fetched.
printf 'a second version, longer\n' >"$R/prev/P.RET"
fetch_v out 100 --source prev
t_contains "a file changed since the previous listing is listed again" "$again source=prev files=1" "$out"
t_eq "... and its new version fetched beside the old" "P.RET P.RET.1" "$(f_incoming prev)"

# Nothing new: no second listing, nothing fetched twice.
fetch_v out 600000
t_eq "nothing new: exit 0 at once (not 124)" 0 "$out_rc"
t_not_contains "... no source listed again" "$again" "$out"
t_eq "every version fetched once" "4|4" "$(t_sql "SELECT count(*), count(DISTINCT (source, remote_name, size_bytes)) FROM fetched_files")"

# A damaged listing is no listing: the file is listed again, never taken blind.
printf 'settle-listing 1 garbage\n' >"$state/new.listing"
printf 'another new file\n' >"$R/new/N2.RET"
fetch_v out 100 --source new
t_contains "a damaged listing: listed again" "$again source=new files=1" "$out"
t_eq "... N2.RET fetched" "N.RET N2.RET" "$(f_incoming new)"
t_done
