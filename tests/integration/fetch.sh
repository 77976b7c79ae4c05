#!/usr/bin/env bash
# fetch.sh - `settle fetch` against the real throwaway sshd and PostgreSQL:
# several files, a second run fetching nothing, --dry-run, pattern
# filtering, hostile names, a file still being written, min_age_seconds,
# new versions and duplicate content, after_fetch move: and delete,
# max_file_bytes.
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/support/fetch-lib.sh"

R=$T_TMP/root
mkdir -p "$R/in/sub.RET" "$R/grow" "$R/young" "$R/mv/done" "$R/del" "$R/small"
printf 'first file\n' >"$R/in/RET001.RET"
head -c 300000 /dev/urandom >"$R/in/RET002.RET"
printf 'not a return\n' >"$R/in/notes.txt"
for n in .hidden.RET $'new\nline.RET' a..b.RET $'ctl\x01.RET' $'del\x7f.RET' $'csi\x9b2J.RET' $'nel\xc2\x85.RET'; do printf 'x' >"$R/in/$n"; done
printf 'y\n' >"$R/young/Y.RET"
printf 'move me\n' >"$R/mv/M.RET"
printf 'delete me\n' >"$R/del/D.RET"
printf 'more than ten bytes\n' >"$R/small/BIG.RET"
f_sshd_start "$R"

t_newdb
t_config "$T_TMP/settle.conf" \
  "$(f_source bank1 in 'pattern=\.RET$')" \
  "$(f_source grow grow)" \
  "$(f_source young young min_age_seconds=3600)" \
  "$(f_source mover mv after_fetch=move:done)" \
  "$(f_source deleter del after_fetch=delete)" \
  "$(f_source small small max_file_bytes=10)"
"$SETTLE" --config "$T_TMP/settle.conf" migrate >/dev/null 2>&1
inc=$T_TMP/spool/incoming

# --dry-run lists and changes nothing.
f_fetch out --source bank1 --dry-run
t_eq "dry-run exits 0" 0 "$out_rc"
t_contains "dry-run lists RET001.RET" "$(printf 'bank1\tRET001.RET\t11')" "$out"
t_contains "dry-run lists RET002.RET" "$(printf 'bank1\tRET002.RET\t300000')" "$out"
t_not_contains "dry-run does not list notes.txt" "notes.txt" "$out"
t_not_contains "dry-run does not list a name with a Latin-1 C1 control (CSI)" "csi" "$(grep -v 'hostile' <<<"$out")"
t_not_contains "dry-run does not list a name with a UTF-8 C1 control (NEL)" "nel" "$(grep -v 'hostile' <<<"$out")"
t_eq "no C1 control byte in the dry-run's output or log" "0" "$(LC_ALL=C grep -caP '\x9b|\xc2[\x80-\x9f]' <<<"$out")"
t_check "dry-run creates no spool directories" test ! -e "$T_TMP/spool/incoming"
t_eq "dry-run records nothing" 0 "$(t_sql 'SELECT count(*) FROM fetched_files')"

# Happy path.
f_fetch out --source bank1
t_eq "fetch exits 0" 0 "$out_rc"
t_eq "incoming holds the two matching files" "RET001.RET RET002.RET" "$(f_incoming bank1)"
t_check "RET001.RET is byte-identical" cmp -s "$R/in/RET001.RET" "$inc/bank1/RET001.RET"
t_check "RET002.RET is byte-identical" cmp -s "$R/in/RET002.RET" "$inc/bank1/RET002.RET"
t_eq "fetched files are 0600" "600 600" "$(stat -c %a "$inc/bank1/RET001.RET" "$inc/bank1/RET002.RET" | tr '\n' ' ' | sed 's/ $//')"
t_eq "spool directories are 0700" "700 700 700" "$(stat -c %a "$inc" "$inc/bank1" "$T_TMP/spool/tmp/bank1" | tr '\n' ' ' | sed 's/ $//')"
t_eq "nothing left in tmp/" "" "$(ls -A "$T_TMP/spool/tmp/bank1")"
t_eq "registry rows with the content's sha256" \
  "RET001.RET|11|$(sha256sum <"$R/in/RET001.RET" | cut -c1-64)|RET001.RET|t
RET002.RET|300000|$(sha256sum <"$R/in/RET002.RET" | cut -c1-64)|RET002.RET|t" \
  "$(t_sql "SELECT remote_name, size_bytes, sha256, local_name, after_fetch_done FROM fetched_files ORDER BY remote_name")"
t_eq "remote mtime recorded" "$(stat -c %Y "$R/in/RET001.RET")" \
  "$(t_sql "SELECT remote_mtime FROM fetched_files WHERE remote_name = 'RET001.RET'")"
t_contains "logs each fetch" "component=fetch msg=fetched source=bank1 file=RET002.RET local=RET002.RET bytes=300000" "$out"
t_contains "logs the source summary" "component=fetch msg=\"source done\" source=bank1 fetched=2 skipped=7" "$out"
t_contains "hostile: leading dot" 'msg="skipped a hostile file name" source=bank1 file=.hidden.RET reason="name starts with a dot"' "$out"
t_contains "hostile: newline" 'msg="skipped a hostile file name" source=bank1 file="new\nline.RET" reason="name contains a control character"' "$out"
t_contains "hostile: control byte" 'file="ctl\u0001.RET" reason="name contains a control character"' "$out"
t_contains "hostile: DEL" 'reason="name contains a control character"' "$(grep -a 'del' <<<"$out")"
t_contains "hostile: Latin-1 CSI, escaped in the log" 'file="csi\\x9b2J.RET" reason="name contains a control character"' "$out"
t_contains "hostile: UTF-8 NEL, escaped in the log" 'file="nel\u0085.RET" reason="name contains a control character"' "$out"
t_eq "no C1 control byte in the fetch log" "0" "$(LC_ALL=C grep -caP '\x9b|\xc2[\x80-\x9f]' <<<"$out")"
t_contains "hostile: dot-dot" 'msg="skipped a hostile file name" source=bank1 file=a..b.RET reason="name contains '"'..'"'"' "$out"
t_not_contains "a directory matching the pattern is not fetched" "sub.RET" "$(f_incoming bank1)"

# A second run downloads nothing.
f_fetch out --source bank1
t_eq "second fetch exits 0" 0 "$out_rc"
t_contains "second fetch fetches nothing" "msg=\"source done\" source=bank1 fetched=0" "$out"
t_eq "still two registry rows" 2 "$(t_sql 'SELECT count(*) FROM fetched_files')"
t_eq "incoming unchanged" "RET001.RET RET002.RET" "$(f_incoming bank1)"

# A new version of a name is fetched again and never overwrites the old one;
# the same content under another name is recorded, not placed twice.
printf 'first file, corrected\n' >"$R/in/RET001.RET"
touch -d '1 minute ago' "$R/in/RET001.RET"
cp "$R/in/RET002.RET" "$R/in/RET002-COPY.RET"
f_fetch out --source bank1
t_eq "third fetch exits 0" 0 "$out_rc"
t_eq "the new version lands beside the old" "RET001.RET RET001.RET.1 RET002.RET" "$(f_incoming bank1)"
t_check "old version untouched" test "$(cat "$inc/bank1/RET001.RET")" = "first file"
t_check "new version stored" cmp -s "$R/in/RET001.RET" "$inc/bank1/RET001.RET.1"
t_contains "duplicate content logged" "msg=\"same content was fetched before; not placed in incoming/ again\" source=bank1 file=RET002-COPY.RET" "$out"
t_eq "duplicate recorded against the first copy" "RET002-COPY.RET||RET002.RET" \
  "$(t_sql "SELECT d.remote_name, d.local_name, o.remote_name FROM fetched_files d JOIN fetched_files o ON o.id = d.duplicate_of")"

# A file still being written is skipped, then fetched once stable.
: >"$R/grow/G.RET"
( for _ in $(seq 40); do printf 'line\n' >>"$R/grow/G.RET"; sleep 0.05; done ) &
writer=$!
sleep 0.2
SETTLE_FETCH_SETTLE_MS=500 f_fetch out --source grow
t_eq "growing file: exit 0" 0 "$out_rc"
t_contains "growing file skipped" "msg=\"skipped: size or mtime changed between two listings (still being written)\" source=grow file=G.RET" "$out"
t_eq "growing file not in incoming" "" "$(f_incoming grow)"
wait "$writer"
f_fetch out --source grow
t_eq "stable file fetched" "G.RET" "$(f_incoming grow)"
t_eq "stable file complete" 200 "$(stat -c %s "$inc/grow/G.RET")"

# min_age_seconds.
f_fetch out --source young
t_contains "young file skipped" "msg=\"skipped: younger than min_age_seconds (may still be written)\" source=young file=Y.RET" "$out"
t_eq "young file not fetched" "" "$(f_incoming young)"
touch -d '2 hours ago' "$R/young/Y.RET"
f_fetch out --source young
t_eq "old enough file fetched" "Y.RET" "$(f_incoming young)"

# after_fetch.
f_fetch out --source mover
t_eq "move: exit 0" 0 "$out_rc"
t_check "move: file gone from remote_dir" test ! -e "$R/mv/M.RET"
t_check "move: file now in done/" test -f "$R/mv/done/M.RET"
t_contains "move: logged" "msg=\"applied after_fetch on the server\" source=mover file=M.RET after_fetch=move:done" "$out"
t_eq "move: recorded as done" "t" "$(t_sql "SELECT after_fetch_done FROM fetched_files WHERE source = 'mover'")"
f_fetch out --source deleter
t_eq "delete: exit 0" 0 "$out_rc"
t_check "delete: file removed on the server" test ! -e "$R/del/D.RET"
t_eq "delete: fetched first" "delete me" "$(cat "$inc/deleter/D.RET")"

# max_file_bytes.
f_fetch out --source small
t_eq "too large: exit 69" 69 "$out_rc"
t_contains "too large: message" "msg=\"refused: larger than max_file_bytes\" source=small file=BIG.RET bytes=20 max_file_bytes=10" "$out"
t_contains "too large: source named" "1 source(s) failed: small" "$out"
t_eq "too large: nothing stored" "" "$(f_incoming small)"

# Unknown --source.
f_fetch out --source nope
t_eq "unknown source: exit 64" 64 "$out_rc"
t_contains "unknown source: message" "settle fetch: no [source nope] in $T_TMP/settle.conf" "$out"
# One fetch at a time per database: a held lock means exit 75.
psql "$T_CONN" -qtAX -c "SELECT pg_advisory_lock(hashtext('settle.fetch'))" -c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
locker=$!
for _ in $(seq 100); do
  [ "$(t_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")" -gt 0 ] && break
  sleep 0.05
done
f_fetch out --source bank1
t_eq "lock held: exit 75" 75 "$out_rc"
t_contains "lock held: message" "another settle fetch is running on this database" "$out"
kill "$locker" 2>/dev/null; wait "$locker" 2>/dev/null
t_sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()" >/dev/null

# A database without the registry.
t_newdb --empty
t_config "$T_TMP/settle.conf" "$(f_source bank1 in)"
f_fetch out
t_eq "not migrated: exit 78" 78 "$out_rc"
t_contains "not migrated: message" "msg=\"the database has no fetched_files table\" hint=\"run settle migrate\"" "$out"
t_done
