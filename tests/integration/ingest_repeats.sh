#!/usr/bin/env bash
# ingest_repeats.sh - a record a file repeats (the same Pix end-to-end id
# twice in one file) is found while parsing: the file keeps the fast COPY
# path, the repeat is a settlement_duplicates row of the first copy, exactly
# as the staged path records it; a record known from another file still
# takes the staged path.
. "$(dirname "$0")/../lib.sh"

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf
hdr=$(head -n 1 "$T_TOP/tests/fixtures/pix/canonical.csv")
rec() { printf '%s,PED%sTX,%s.00,2026-11-28T14:0%s:00Z,12345678909,Ana,PED-%s,pix,,\n' "$1" "$2" "$2" "$2" "$2"; }
A=E18236120202611281403aB3dE5fG7h1 B=E18236120202611281403aB3dE5fG7h2 C=E18236120202611281403aB3dE5fG7h3
{ echo "$hdr"; rec "$A" 1; rec "$B" 2; rec "$A" 1; rec "$A" 1; } >"$T_TMP/ONE.csv"
t_run out "$SETTLE" --log-format=json ingest "$T_TMP/ONE.csv"
t_eq "a file repeating a record: ingested" 0 "$out_rc"
t_contains "it took the fast path" '"path":"direct"' "$out"
t_eq "two settlements" 2 "$(t_sql "SELECT count(*) FROM settlements")"
t_eq "records 4, duplicates 2 on the file" "4|2" "$(t_sql "SELECT records, duplicates FROM return_files")"
t_eq "both repeats are duplicates of the first copy, by place and line" \
  "3|4|pix|$A|t
4|5|pix|$A|t" \
  "$(t_sql "SELECT d.record, d.line, d.natural_key, d.settlement_id = s.id FROM settlement_duplicates d
            JOIN settlements s ON s.line = 2 ORDER BY d.record")"

{ echo "$hdr"; rec "$C" 3; rec "$A" 1; rec "$C" 3; } >"$T_TMP/TWO.csv"
t_run out "$SETTLE" --log-format=json ingest "$T_TMP/TWO.csv"
t_eq "a file repeating a known record: ingested" 0 "$out_rc"
t_contains "it took the staged path" '"path":"staged"' "$out"
t_eq "one settlement more" 3 "$(t_sql "SELECT count(*) FROM settlements")"
t_eq "records 3, duplicates 2 on the second file" "3|2" \
  "$(t_sql "SELECT records, duplicates FROM return_files WHERE name = 'TWO.csv'")"
t_eq "its duplicates: the known record and the in-file repeat" "2|pix|$A
3|pix|$C" \
  "$(t_sql "SELECT d.record, d.natural_key FROM settlement_duplicates d JOIN return_files f ON f.id = d.file_id
            WHERE f.name = 'TWO.csv' ORDER BY d.record")"
t_no_dangling_refs
t_done
