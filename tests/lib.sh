# tests/lib.sh - sourced by tests/integration/*.sh.
#
# Each check prints "ok - WHAT" or "not ok - WHAT" (scripts/run-tests counts
# them); a script ends with t_done, which exits non-zero when any failed.
# t_newdb makes a fresh database for the script on the server named by
# SETTLE_TEST_CONNINFO (or libpq's environment) and writes a config for it.
set -uo pipefail

T_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SETTLE=${SETTLE:-$T_TOP/bin/settle}
T_NAME=$(basename "$0" .sh)
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/settle-test-$T_NAME.XXXXXX")
T_FAILS=0
T_DBS=()

t_cleanup() {
  local db
  for db in "${T_DBS[@]}"; do
    psql "$(t_conninfo postgres)" -qtAc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  done
  [ -n "${T_KEEP:-}" ] || rm -rf "$T_TMP"
}
trap t_cleanup EXIT

t_ok() { echo "ok - $*"; }
t_fail() { echo "not ok - $*"; T_FAILS=$((T_FAILS + 1)); }

# t_check WHAT COMMAND...: ok when the command succeeds
t_check() { local what=$1; shift; if "$@"; then t_ok "$what"; else t_fail "$what"; fi; }

# t_eq WHAT EXPECTED ACTUAL
t_eq() {
  if [ "$2" = "$3" ]; then t_ok "$1"; else t_fail "$1"; printf '#   expected: %s\n#   found:    %s\n' "$2" "$3"; fi
}

# t_contains WHAT NEEDLE HAYSTACK
t_contains() {
  case "$3" in
    *"$2"*) t_ok "$1" ;;
    *) t_fail "$1"; printf '#   expected to contain: %s\n#   found: %s\n' "$2" "$3" ;;
  esac
}

# t_not_contains WHAT NEEDLE HAYSTACK
t_not_contains() {
  case "$3" in
    *"$2"*) t_fail "$1"; printf '#   expected not to contain: %s\n' "$2" ;;
    *) t_ok "$1" ;;
  esac
}

# t_conninfo DBNAME: the test server's conninfo pointing at DBNAME
t_conninfo() {
  local base=${SETTLE_TEST_CONNINFO:-}
  case "$base" in
    postgres://*|postgresql://*)
      local pre=${base%%\?*} q=""
      [ "$pre" = "$base" ] || q="?${base#*\?}"
      local hostpart=${pre#*://}
      hostpart=${hostpart%%/*}
      printf '%s://%s/%s%s\n' "${pre%%://*}" "$hostpart" "$1" "$q" ;;
    *) printf '%s dbname=%s\n' "$base" "$1" ;;
  esac
}

# t_as ROLE CONNINFO: CONNINFO logging in as ROLE instead
t_as() {
  case "$2" in
    postgres://*|postgresql://*) case "$2" in *\?*) echo "$2&user=$1" ;; *) echo "$2?user=$1" ;; esac ;;
    *) echo "$2 user=$1" ;;
  esac
}

# t_newdb [--empty]: create a fresh database and migrate it as the admin
# (the server's role that may CREATE DATABASE), as an operator would; sets
# T_DB (its name), T_CONN (admin conninfo, used by t_sql for fixtures),
# T_JOB_CONN (the pipeline's login settle_test_job, a member of settle_job:
# sql/006_roles.sql) and T_FINANCE_CONN / T_INVOICING_CONN (settle_test_finance,
# settle_test_invoicing). t_config writes T_JOB_CONN, so the pipeline runs
# with least privilege. --empty: no migration, and t_config writes T_CONN
# (for tests of `settle migrate` itself).
t_newdb() {
  T_DB="settle_t_${T_NAME//[^a-zA-Z0-9]/_}_$$_${#T_DBS[@]}"
  psql "$(t_conninfo postgres)" -qtAc "DROP DATABASE IF EXISTS \"$T_DB\"" >/dev/null
  psql "$(t_conninfo postgres)" -qtAc "CREATE DATABASE \"$T_DB\"" >/dev/null || { t_fail "create database $T_DB"; exit 1; }
  T_DBS+=("$T_DB")
  T_CONN=$(t_conninfo "$T_DB")
  T_JOB_CONN=$T_CONN T_FINANCE_CONN=$T_CONN T_INVOICING_CONN=$T_CONN
  [ "${1:-}" = "--empty" ] && return 0
  printf '[database]\nconninfo = %s\n' "$T_CONN" >"$T_TMP/admin.conf"
  "$SETTLE" -q --config "$T_TMP/admin.conf" migrate >/dev/null || { t_fail "migrate $T_DB as the admin"; exit 1; }
  # Logins for the three roles (cluster-wide, so created once; a concurrent
  # creation by another test is harmless).
  psql "$T_CONN" -qtAX >/dev/null 2>&1 <<'SQL'
DO $$ DECLARE r text[]; BEGIN
  FOREACH r SLICE 1 IN ARRAY ARRAY[['settle_test_job','settle_job'],['settle_test_finance','finance'],
                                   ['settle_test_invoicing','invoicing']] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r[1]) THEN
      BEGIN EXECUTE format('CREATE ROLE %I LOGIN IN ROLE %I', r[1], r[2]);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
    END IF;
  END LOOP; END $$;
SQL
  T_JOB_CONN=$(t_as settle_test_job "$T_CONN")
  T_FINANCE_CONN=$(t_as settle_test_finance "$T_CONN")
  T_INVOICING_CONN=$(t_as settle_test_invoicing "$T_CONN")
}

# t_config FILE [EXTRA...]: a config with [database], [spool] and [ingest]
# (min_age_seconds = $T_INGEST_MIN_AGE, default 0: tests drop files into
# incoming/ and ingest them at once) for this test; the database login is
# settle_job's ($T_JOB_CONN), or T_CONFIG_CONN
t_config() {
  local f=$1; shift
  mkdir -p "$T_TMP/spool"
  {
    echo "[database]"
    echo "conninfo = ${T_CONFIG_CONN:-${T_JOB_CONN:-$T_CONN}}"
    echo "[spool]"
    echo "dir = $T_TMP/spool"
    echo "[ingest]"
    echo "min_age_seconds = ${T_INGEST_MIN_AGE:-0}"
    local x; for x in "$@"; do echo "$x"; done
  } >"$f"
}

# t_sql SQL: run SQL on the test database, print tuples unaligned
t_sql() { psql "$T_CONN" -qtAX -v ON_ERROR_STOP=1 -c "$1"; }

# t_run VAR COMMAND...: run, capture stdout+stderr in VAR and the exit code in VAR_rc
t_run() {
  local __v=$1; shift
  local __out __rc
  __out=$("$@" 2>&1); __rc=$?
  printf -v "$__v" '%s' "$__out"
  printf -v "${__v}_rc" '%s' "$__rc"
}

# t_wait_file FILE [SECONDS]: wait until FILE exists (default 10 s); 0 when
# it does. Used with SETTLE_TEST_PAUSE_FILE, which a paused settle creates.
t_wait_file() {
  local i
  for i in $(seq $((${2:-10} * 20))); do [ -e "$1" ] && return 0; sleep 0.05; done
  [ -e "$1" ]
}

# t_no_dangling_refs: the bulk columns that carry no foreign key
# (sql/002_pipeline.sql: settlements.file_id, payments.paid_by_settlement,
# invoice_requests.settlement_id) point at rows that exist.
t_no_dangling_refs() {
  t_eq "no dangling settlement, payment or file reference" "0 0 0" "$(t_sql "SELECT
    (SELECT count(*) FROM settlements s WHERE NOT EXISTS (SELECT 1 FROM return_files f WHERE f.id = s.file_id)) || ' ' ||
    (SELECT count(*) FROM payments p WHERE p.paid_by_settlement IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM settlements s WHERE s.id = p.paid_by_settlement)) || ' ' ||
    (SELECT count(*) FROM invoice_requests i WHERE i.settlement_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM settlements s WHERE s.id = i.settlement_id))")"
}

t_done() {
  if [ $T_FAILS -eq 0 ]; then exit 0; fi
  echo "# $T_NAME: $T_FAILS failed"
  exit 1
}
