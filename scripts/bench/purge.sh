#!/usr/bin/env bash
# scripts/bench/purge.sh - what `settle purge` costs as history grows
# (migration 023; docs/scaling.md, "Purge reads only the files it still has
# to mask"). Three databases of FILES files holding SETTLEMENTS settlements
# in all, built the same way for each binary:
#   young:  every file received today (with the default personal_data_days,
#           every night of the first five years): nothing to mask;
#   masked: every file 400 days old and every settlement masked already
#           (the steady state after that): nothing to mask; the first purge
#           marks the files and is printed apart;
#   tomask: MASK settlements in FILES files 400 days old, all to mask.
# Each scenario is purged ROUNDS times (tomask once: it changes the data) and
# the seconds of each `settle purge` printed with the median. BEFORE=PATH: a
# settle binary to compare, whose databases are migrated by it (e.g. one built
# from 7566ce8, before 023). SETTLEMENTS=N (2000000), MASK=N (500000),
# FILES=N (20), ROUNDS=N (3).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
SETTLE=${SETTLE:-$top/bin/settle}
SETTLEMENTS=${SETTLEMENTS:-2000000}
MASK=${MASK:-500000}
FILES=${FILES:-20}
ROUNDS=${ROUNDS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/settle-purge.XXXXXX")
trap 'rm -rf "$work"' EXIT

base=$(scripts/pg start)
server=${base% dbname=settle}
admin="$server dbname=postgres"
q() { PGOPTIONS="-c client_min_messages=warning" psql "$@" -qtAX -v ON_ERROR_STOP=1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# build NAME BINARY SCENARIO N: a database migrated by BINARY with N settlements
build() {
  local db=$1 bin=$2 sc=$3 n=$4 days=30 recv="now() - interval '400 days'" payer="'Fulano'" doc="'11122233344'" masked=NULL
  [ "$sc" != young ] || { days=1825; recv="now()"; }
  [ "$sc" != masked ] || { payer=NULL; doc=NULL; masked="now() - interval '300 days'"; }
  q "$admin" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  mkdir -p "$work/spool-$db"
  printf '[database]\nconninfo = %s dbname=%s\n[spool]\ndir = %s/spool-%s\n[retention]\npersonal_data_days = %s\n' \
    "$server" "$db" "$work" "$db" "$days" >"$work/$db.conf"
  SETTLE_CONFIG=$work/$db.conf "$bin" -q migrate >/dev/null
  q "$server dbname=$db" <<SQL
INSERT INTO return_files (id, source, name, size_bytes, sha256, format, status, received_at)
SELECT i, 'bench', 'F' || i, 1, lpad(to_hex(i), 64, '0'), 'cnab240', 'reconciled', $recv FROM generate_series(1, $FILES) i;
INSERT INTO settlements (file_id, line, format, kind, paid, amount_paid_cents, payer_name, payer_doc, natural_key,
                         personal_data_masked_at)
SELECT 1 + (g - 1) / ceil($n::numeric / $FILES)::bigint, g, 'cnab240', 'boleto', true, 100, $payer, $doc, 'k' || g, $masked
  FROM generate_series(1, $n) g;
UPDATE return_files f SET settlements_from = r.lo, settlements_to = r.hi
  FROM (SELECT file_id, min(id) lo, max(id) hi FROM settlements GROUP BY 1) r WHERE r.file_id = f.id;
SQL
  q "$server dbname=$db" -c "VACUUM ANALYZE settlements" -c "VACUUM ANALYZE return_files"
}

# purge NAME BINARY: one `settle purge`, its seconds on stdout
purge() {
  local t0 t1 out
  t0=$(now)
  out=$(SETTLE_CONFIG=$work/$1.conf "$2" purge 2>&1) || { echo "settle purge failed: $out" >&2; exit 1; }
  t1=$(now)
  echo "  $(elapsed "$t0" "$t1") s: $(grep -o 'masked the payer data of [0-9]* settlement(s)[^"]*' <<<"$out" | head -n 1)" >&2
  elapsed "$t0" "$t1"
}

bins=("settle:$SETTLE")
[ -z "${BEFORE:-}" ] || bins=("before:$BEFORE" "${bins[@]}")
echo "settle purge: $SETTLEMENTS settlements in $FILES files (young, masked), $MASK to mask, $ROUNDS rounds"
for b in "${bins[@]}"; do
  who=${b%%:*} bin=${b#*:}
  for sc in young masked tomask; do
    db=settle_purge_${who}_$sc
    n=$SETTLEMENTS; [ "$sc" != tomask ] || n=$MASK
    build "$db" "$bin" "$sc" "$n"
    if [ "$sc" = masked ]; then
      echo "$who $sc: first purge $(purge "$db" "$bin" 2>/dev/null) s"
    fi
    r=$ROUNDS; [ "$sc" != tomask ] || r=1
    times=$(for _ in $(seq "$r"); do purge "$db" "$bin"; done)
    echo "$who $sc: median $(median <<<"$times") s (rounds: $(tr '\n' ' ' <<<"$times"))"
    q "$admin" -c "DROP DATABASE $db"
  done
done
