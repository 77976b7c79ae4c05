# tests/tools/pipeline.sh - sourced by the export, report and status tests
# after tests/lib.sh: seed the pipeline tables and build the CSV reader.

# p_seed: migrate the test database and load tests/fixtures/pipeline/seed.sql
p_seed() {
  "$SETTLE" migrate >/dev/null 2>&1 || { t_fail "settle migrate"; exit 1; }
  psql "$T_CONN" -qtAX -v ON_ERROR_STOP=1 -f "$T_TOP/tests/fixtures/pipeline/seed.sql" >/dev/null \
    || { t_fail "load seed.sql"; exit 1; }
}

# p_csvdump: build tests/tools/csvdump.c (libcsv) into $T_TMP/csvdump
p_csvdump() {
  cc -O0 -o "$T_TMP/csvdump" "$T_TOP/tests/tools/csvdump.c" -lcsv || { t_fail "build csvdump"; exit 1; }
  CSVDUMP=$T_TMP/csvdump
}

# p_sql_tsv SQL: like t_sql, TAB-separated, with newlines inside values as \n
p_sql_tsv() { psql "$T_CONN" -qtAX -F $'\t' -v ON_ERROR_STOP=1 -c "$1"; }
