#!/usr/bin/env bash
# ingest_files.sh - how settle ingest handles spool files: never replacing a
# file in archive/ or rejected/ (a bank reusing a daily name, two sources
# sending the same bad name).
. "$(dirname "$0")/../lib.sh"

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf
gen=$T_TOP/tests/tools/cnab240-gen
spool=$T_TMP/spool
mkdir -p "$spool/incoming/bb" "$spool/incoming/itau"
titles() { awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++)
  printf "06|1234567%010d|PED-%d|%d|%d|0|0|0|27112026\n", i, i, 1000 + i, 1000 + i }'; }

# --- archive/ and rejected/ never replace a file ---------------------------
titles 1 3 | "$gen" 001 >"$T_TMP/day1"
titles 4 6 | "$gen" 001 >"$T_TMP/day2"
cp "$T_TMP/day1" "$spool/incoming/bb/DAILY.RET"
titles 7 8 | "$gen" 001 | head -n 4 >"$spool/incoming/bb/BAD.RET"      # cut short
titles 9 10 | "$gen" 001 | head -n 5 >"$spool/incoming/itau/BAD.RET"   # another cut file, same name
t_run out "$SETTLE" ingest
t_eq "day 1: one ingested, two rejected (65)" 65 "$out_rc"
cp "$T_TMP/day2" "$spool/incoming/bb/DAILY.RET"                          # the bank reuses the name
titles 11 12 | "$gen" 001 | head -n 3 >"$spool/incoming/bb/BAD.RET"    # and sends another bad BAD.RET
t_run out "$SETTLE" ingest
t_eq "day 2: exit 65" 65 "$out_rc"
t_check "yesterday's archived DAILY.RET kept" cmp -s "$T_TMP/day1" "$spool/archive/bb/DAILY.RET"
id2=$(t_sql "SELECT id FROM return_files WHERE status = 'ingested' AND name = 'DAILY.RET' ORDER BY id DESC LIMIT 1")
t_check "today's DAILY.RET archived beside it as DAILY.RET.~$id2~" cmp -s "$T_TMP/day2" "$spool/archive/bb/DAILY.RET.~$id2~"
t_eq "both DAILY.RET ingested" "2" "$(t_sql "SELECT count(*) FROM return_files WHERE name = 'DAILY.RET' AND status = 'ingested'")"
t_check "rejected files per source: bb" test -s "$spool/rejected/bb/BAD.RET.error"
t_check "rejected files per source: itau" test -s "$spool/rejected/itau/BAD.RET.error"
t_contains "bb's .error names bb's file" "bb/BAD.RET:" "$(cat "$spool/rejected/bb/BAD.RET.error" 2>&1)"
t_contains "itau's .error names itau's file" "itau/BAD.RET:" "$(cat "$spool/rejected/itau/BAD.RET.error" 2>&1)"
t_eq "itau's rejected file is itau's bytes" "5" "$(wc -l <"$spool/rejected/itau/BAD.RET" 2>/dev/null)"
t_eq "bb's first BAD.RET kept" "4" "$(wc -l <"$spool/rejected/bb/BAD.RET" 2>/dev/null)"
bad2=$(t_sql "SELECT max(id) FROM return_files WHERE source = 'bb' AND name = 'BAD.RET'")
t_eq "bb's second BAD.RET beside it as BAD.RET.~$bad2~, with its own .error" "3 bb/BAD.RET:3:" \
  "$(wc -l <"$spool/rejected/bb/BAD.RET.~$bad2~" 2>/dev/null) $(cut -c1-13 "$spool/rejected/bb/BAD.RET.~$bad2~.error" 2>/dev/null)"
t_eq "incoming/ empty" "" "$(cd "$spool/incoming" && find . -type f)"

# --- a file still being written is not ingested ----------------------------
T_INGEST_MIN_AGE=60 t_config "$T_TMP/age.conf"
titles 21 22 | "$gen" 001 >"$spool/incoming/bb/OLD.RET"
touch -d '-2 minutes' "$spool/incoming/bb/OLD.RET"
titles 23 24 | "$gen" 001 | head -n 4 >"$spool/incoming/bb/YOUNG.RET"   # half written so far
t_run out "$SETTLE" --config "$T_TMP/age.conf" ingest
t_eq "young file skipped, old one ingested: exit 0" 0 "$out_rc"
t_check "OLD.RET (2 minutes old) archived" test -e "$spool/archive/bb/OLD.RET"
t_check "YOUNG.RET (modified just now) left in incoming/" test -e "$spool/incoming/bb/YOUNG.RET"
t_contains "the log says why" "may still be being written" "$out"
t_eq "YOUNG.RET not recorded" "0" "$(t_sql "SELECT count(*) FROM return_files WHERE name = 'YOUNG.RET'")"
titles 23 24 | "$gen" 001 >"$spool/incoming/bb/YOUNG.RET"                # the writer finished
touch -d '-61 seconds' "$spool/incoming/bb/YOUNG.RET"
t_run out "$SETTLE" --config "$T_TMP/age.conf" ingest
t_eq "once old enough it is ingested whole" "0 ingested 2" \
  "$out_rc $(t_sql "SELECT status || ' ' || records FROM return_files WHERE name = 'YOUNG.RET'")"

# --- gzip bombs and runs of empty lines ------------------------------------
mkdir -p "$spool/incoming/psp"
hdr=end_to_end_id,txid,amount,settled_at,payer_doc,payer_name,message,kind,refund_id,refund_status
# The incident: 1.9 MB of gzip expanding to 2 GB of newlines, accepted as an
# empty Pix statement. Scaled down: 64 MiB of newlines, limit 16 MiB, and
# max_empty_lines off so that the byte bound is what stops them.
{ echo "$hdr"; head -c 67108864 /dev/zero | tr '\0' '\n'; } | gzip -1 >"$spool/incoming/psp/BOMB.csv.gz"
{ titles 31 32 | "$gen" 001; head -c 67108864 /dev/zero | tr '\0' '\n'; } | gzip -1 >"$spool/incoming/bb/BOMB.RET.gz"
printf '[ingest]\nmin_age_seconds = 0\nmax_decompressed_bytes = 16777216\nmax_empty_lines = 0\n' >"$T_TMP/bomb.conf"
grep -v '^\[ingest\]\|^min_age_seconds' "$T_TMP/settle.conf" >>"$T_TMP/bomb.conf"
t_run out "$SETTLE" --config "$T_TMP/bomb.conf" ingest
t_eq "gzip bombs rejected: exit 65" 65 "$out_rc"
t_contains "Pix gzip bomb refused: FILE:LINE:COL: expected at most N bytes once decompressed" \
  "psp/BOMB.csv.gz:" "$(cat "$spool/rejected/psp/BOMB.csv.gz.error" 2>&1)"
t_contains "... naming the limit" "expected at most 16777216 bytes once decompressed ([ingest] max_decompressed_bytes), found more" \
  "$(cat "$spool/rejected/psp/BOMB.csv.gz.error" 2>&1)"
t_contains "CNAB gzip bomb refused too" "expected at most 16777216 bytes once decompressed" \
  "$(cat "$spool/rejected/bb/BOMB.RET.gz.error" 2>&1)"

# Runs of empty lines, default max_empty_lines (1000).
{ head -n 1 "$T_TOP/tests/fixtures/pix/canonical.csv"; printf '\n%.0s' $(seq 1500); sed -n 2p "$T_TOP/tests/fixtures/pix/canonical.csv"; } \
  >"$spool/incoming/psp/GAPS.csv"
{ titles 33 34 | "$gen" 001; printf '\n%.0s' $(seq 1500); } >"$spool/incoming/bb/TAIL.RET"
t_run out "$SETTLE" ingest
t_eq "files with 1500 empty lines rejected: exit 65" 65 "$out_rc"
t_contains "1500 empty lines in a Pix statement refused" \
  "psp/GAPS.csv:2:1: expected a row, found more than 1000 consecutive empty lines" "$(cat "$spool/rejected/psp/GAPS.csv.error" 2>&1)"
t_contains "1500 empty lines after a CNAB trailer refused" \
  "bb/TAIL.RET:9:1: expected a record, found more than 1000 consecutive empty lines" "$(cat "$spool/rejected/bb/TAIL.RET.error" 2>&1)"
t_eq "nothing of them loaded" "0" "$(t_sql "SELECT count(*) FROM return_files WHERE name IN ('BOMB.csv.gz', 'BOMB.RET.gz', 'GAPS.csv', 'TAIL.RET') AND status <> 'rejected'")"

# --- retrying a rejected file ----------------------------------------------
# A PSP's statement arrives before its [profile] is configured: rejected.
mkdir -p "$spool/incoming/psp2"
cp "$T_TOP/tests/fixtures/pix/psp-latin1.csv" "$spool/incoming/psp2/STMT.csv"
sed 's/;10\.0/;20.0/' "$T_TOP/tests/fixtures/pix/psp-latin1.csv" >"$spool/incoming/psp2/STMT2.csv"
src='[source psp2]
host = 127.0.0.1
user = nobody
password_file = /nonexistent
known_hosts = /nonexistent
remote_dir = /'
t_config "$T_TMP/retry.conf" "$src"
t_run out "$SETTLE" --config "$T_TMP/retry.conf" ingest
t_eq "without its profile the PSP's statements are rejected" 65 "$out_rc"
t_contains "rejected: a CSV it does not know without the profile" "a CSV file that is not a Pix statement we know" \
  "$(cat "$spool/rejected/psp2/STMT.csv.error" 2>&1)"
# The operator adds the profile, then retries as docs/operations.md says.
t_config "$T_TMP/retry.conf" "$src" "profile = psp" "$(grep -v '^;' "$T_TOP/tests/fixtures/pix/psp.conf")"
t_run out "$SETTLE" --config "$T_TMP/retry.conf" ingest --source psp2 "$spool/rejected/psp2/STMT.csv"
t_eq "settle ingest --source psp2 rejected/psp2/STMT.csv: ingested" 0 "$out_rc"
t_eq "recorded under the source, read with its profile" "psp2 ingested 3" \
  "$(t_sql "SELECT source || ' ' || status || ' ' || records FROM return_files WHERE name = 'STMT.csv' AND status <> 'rejected'")"
t_check "the retried file moved to archive/psp2/" test -e "$spool/archive/psp2/STMT.csv"
t_check "and its stale .error is gone" test ! -e "$spool/rejected/psp2/STMT.csv.error"
t_run out "$SETTLE" --config "$T_TMP/retry.conf" ingest --source nosuch "$spool/rejected/psp2/STMT2.csv"
t_eq "--source names a configured source (64 otherwise)" 64 "$out_rc"
# Moving it back into incoming/SOURCE/ parses it again (it used to replay
# the old error without parsing).
mv "$spool/rejected/psp2/STMT2.csv" "$spool/incoming/psp2/"
t_run out "$SETTLE" --config "$T_TMP/retry.conf" ingest
t_eq "moved back into incoming/psp2/: parsed again and ingested" "0 ingested" \
  "$out_rc $(t_sql "SELECT status FROM return_files WHERE name = 'STMT2.csv' ORDER BY id DESC LIMIT 1")"
t_check "archived" test -e "$spool/archive/psp2/STMT2.csv"

t_done
