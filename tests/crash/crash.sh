#!/usr/bin/env bash
# tests/crash/crash.sh - kill -9 `settle run` at random moments, re-run it to
# completion, and check that nothing was lost or done twice.
#
#   CRASH_TRIALS=N   trials (default 30; `make check` runs 3 through
#                    tests/integration/crash.sh)
#   CRASH_SEED=S     the seed of the kill schedule (default: random, printed)
#   CRASH_EXTRA=N    payments added to the demo's 360 (default 3000)
#   CRASH_MAX_KILLS=N  kills per trial are 1..N (default 3)
#
# Once: a data set (tests/crash/dataset: every outcome and exception reason,
# several CNAB 240 returns, three Pix statements, a resent copy and a cut
# file, thousands of payments) served by the throwaway OpenSSH sshd
# (scripts/sshd) as six [source]s, and a template database holding the
# payments. A reference run: a fresh database and spool, one uninterrupted
# `settle run`. Each trial: a fresh database and spool; `settle run` started
# and SIGKILLed after a random delay in [0, reference duration], one to
# CRASH_MAX_KILLS times; then `settle run` until it reports no work left. Checked
# after each trial, by SQL and on the files:
#   - every settlement record of the files is in settlements exactly once
#     (by natural key), and each has exactly one outcome;
#   - no payment paid twice: each paid payment names one settlement, and no
#     settlement pays two payments;
#   - invoice_requests and paid payments match one to one;
#   - every request is in exactly one published batch, no batch is left
#     reserved, and outbox/ holds for each published batch its .csv.gz (whole,
#     with record_count rows) and its manifest, and nothing else;
#   - no file both ingested and rejected; no .part file ingested; nothing
#     left in the spool's tmp/;
#   - the final state equals the reference run's (canonical dumps of files,
#     outcomes, payments, invoice requests, exceptions, events and batch
#     membership, without ids and clocks).
# The seed and each trial's kill delays are printed, so a failure can be
# replayed with CRASH_SEED.
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/crash/dump.sh"

TRIALS=${CRASH_TRIALS:-30}
SEED=${CRASH_SEED:-$(( $(date +%s%N) % 1000000 ))}
EXTRA=${CRASH_EXTRA:-3000}
MAX_KILLS=${CRASH_MAX_KILLS:-3}
RANDOM=$SEED
echo "# crash: seed $SEED, $TRIALS trials, $EXTRA extra payments (replay: CRASH_SEED=$SEED CRASH_TRIALS=$TRIALS)"

export SETTLE_SSHD_DIR=$T_TMP/sshd SETTLE_FETCH_SETTLE_MS=0
trap '"$T_TOP/scripts/sshd" stop >/dev/null 2>&1; t_cleanup' EXIT

# The template database: migrated, seeded; the bank files beside it.
t_newdb
TEMPLATE=$T_DB
printf '[database]\nconninfo = %s\n' "$T_CONN" >"$T_TMP/migrate.conf"
"$SETTLE" -q --config "$T_TMP/migrate.conf" migrate >/dev/null || { t_fail "migrate the template"; t_done; }
"$T_TOP/tests/crash/dataset" "$T_CONN" "$T_TMP/bank" "$EXTRA" >"$T_TMP/files.txt" || { t_fail "dataset"; t_done; }
# Two sources (every SSH session costs ~0.5 s): the banks' returns in one
# directory (the format is detected), the PSP's statements in another.
mkdir -p "$T_TMP/served/banks" "$T_TMP/served/psp"
cp "$T_TMP"/bank/incoming/*/*.ret "$T_TMP/served/banks/"
cp "$T_TMP"/bank/incoming/psp/*.csv "$T_TMP/served/psp/"
# distinct contents: fetch does not place a resent copy in incoming/ again
NFILES=$(sha256sum "$T_TMP"/served/*/* | cut -d' ' -f1 | sort -u | wc -l)
src_conf=$("$T_TOP/scripts/demo-sftp" "$T_TMP/served" "$T_TMP/spool0") || { t_fail "start sshd"; t_done; }
# psql from here on connects to other databases only: the template must be idle.

# The settlement records the files hold: CNAB 240 T segments (the U segment
# completes its T) and Pix CSV data lines, minus the cut file's and the
# resent copy's, which are never ingested.
FILE_RECORDS=$(( $(cat "$T_TMP"/served/banks/*.ret | cut -c8,14 | grep -c '^3T')
                 - $(cut -c8,14 "$T_TMP/served/banks/RET341_cut.ret" | grep -c '^3T')
                 - $(cut -c8,14 "$T_TMP/served/banks/RET001_20261128_resent.ret" | grep -c '^3T')
                 + $(cat "$T_TMP"/served/psp/*.csv | wc -l) - $(ls "$T_TMP"/served/psp/*.csv | wc -l) ))

# new_trial NAME: a fresh database from the template, a fresh spool and a
# config; sets T_CONN and SETTLE_CONFIG.
new_trial() {
  local name=$1
  T_DB="${TEMPLATE}_$name"
  psql "$(t_conninfo postgres)" -qtAc "DROP DATABASE IF EXISTS \"$T_DB\" WITH (FORCE)" >/dev/null 2>&1
  psql "$(t_conninfo postgres)" -qtAc "CREATE DATABASE \"$T_DB\" TEMPLATE \"$TEMPLATE\"" >/dev/null ||
    { t_fail "create database $T_DB"; t_done; }
  T_DBS+=("$T_DB")
  T_CONN=$(t_conninfo "$T_DB")
  SPOOL=$T_TMP/spool-$name
  rm -rf "$SPOOL"; mkdir -p "$SPOOL"; chmod 700 "$SPOOL"
  {
    # min_age_seconds = 0: a file a killed fetch placed before registering it
    # would otherwise wait [ingest] min_age_seconds for the next night
    printf '[database]\nconninfo = %s\n[spool]\ndir = %s\n[ingest]\nmin_age_seconds = 0\n' "$T_CONN" "$SPOOL"
    printf '[reconcile]\npix_reference_pattern = (PED-[0-9]+)\n[export]\nbatch_size = 500\n'
    local dir src
    for dir in "$T_TMP"/served/*/; do
      src=$(basename "$dir")
      printf '\n%s\n' "$src_conf" | sed -e "s|^\[source demo\]|[source $src]|" -e "s|^remote_dir = .*|remote_dir = ${dir%/}|"
      [ "$src" != psp ] || echo "format = pix-csv"
    done
  } >"$T_TMP/$name.conf"
  export SETTLE_CONFIG=$T_TMP/$name.conf
}

# run_to_end: settle run until it has nothing left to do (at most 3 runs).
# Exit 75 (the killed run's database session still holds the lock while its
# backend finishes the statement it was running) is waited out.
run_to_end() {
  local i rc waits=0
  for i in 1 2 3; do
    while :; do
      "$SETTLE" run >"$T_TMP/last-run.out" 2>&1; rc=$?
      [ $rc -eq 75 ] && [ $waits -lt 100 ] || break
      waits=$((waits + 1)); sleep 0.1
    done
    [ $waits -eq 0 ] || echo "# waited $waits x 0.1 s for the killed run's session to end"
    case $rc in 0|65) ;; *) echo "# settle run exited $rc:"; sed 's/^/#   /' "$T_TMP/last-run.out" | tail -n 15; return $rc ;; esac
    [ "$(t_sql "SELECT count(*) FROM return_files WHERE status = 'ingested'")" = 0 ] || continue
    if [ -n "$(t_sql "SELECT to_regclass('export_batches')")" ]; then
      [ "$(t_sql "SELECT count(*) FROM invoice_requests WHERE batch_id IS NULL")" = 0 ] || continue
    fi
    return 0
  done
  return 0
}

# check_trial WHAT: the invariants, then the comparison with the reference.
check_trial() {
  local what=$1 bad
  # every record of the files, exactly once
  t_eq "$what: every settlement once" "$REF_SETTLEMENTS|$REF_SETTLEMENTS|$REF_SETTLEMENTS|$REF_DUPS" \
    "$(t_sql "SELECT count(*), count(DISTINCT natural_key), (SELECT count(DISTINCT settlement_id) FROM settlement_outcomes),
                     (SELECT count(*) FROM settlement_duplicates) FROM settlements")"
  t_eq "$what: one outcome per settlement" 0 \
    "$(t_sql "SELECT count(*) FROM (SELECT settlement_id FROM settlement_outcomes GROUP BY 1 HAVING count(*) > 1) x")"
  # no payment paid twice
  bad=$(t_sql "SELECT (SELECT count(*) FROM payments WHERE status IN ('paid', 'refunded') AND paid_by_settlement IS NULL)
                    + (SELECT count(*) FROM (SELECT paid_by_settlement FROM payments WHERE paid_by_settlement IS NOT NULL
                                              GROUP BY 1 HAVING count(*) > 1) x)
                    + (SELECT count(*) FROM settlement_outcomes WHERE outcome = 'matched' AND payment_id IN
                         (SELECT payment_id FROM settlement_outcomes WHERE outcome = 'matched' GROUP BY 1 HAVING count(*) > 1))")
  t_eq "$what: no payment paid twice" 0 "$bad"
  # invoice requests <-> paid payments, one to one
  t_eq "$what: invoice requests match paid payments" "0|0" \
    "$(t_sql "SELECT (SELECT count(*) FROM payments p WHERE p.paid_by_settlement IS NOT NULL
                        AND NOT EXISTS (SELECT 1 FROM invoice_requests i WHERE i.payment_id = p.id)),
                     (SELECT count(*) FROM invoice_requests i JOIN payments p ON p.id = i.payment_id
                       WHERE p.paid_by_settlement IS NULL)")"
  # files: none both ingested and rejected, no .part, nothing left half-fetched
  t_eq "$what: no file both ingested and rejected" 0 \
    "$(t_sql "SELECT count(*) FROM (SELECT source, name FROM return_files GROUP BY 1, 2
                HAVING bool_or(status = 'rejected') AND bool_or(status <> 'rejected')) x")"
  t_eq "$what: no .part file ingested" 0 "$(t_sql "SELECT count(*) FROM return_files WHERE name LIKE '%.part%'")"
  t_eq "$what: every served file offered once" "$NFILES" "$(t_sql "SELECT count(DISTINCT (source, name)) FROM return_files")"
  t_eq "$what: nothing left in the spool's tmp/" "" "$(find "$SPOOL/tmp" -type f 2>/dev/null)"
  if [ -n "$(t_sql "SELECT to_regclass('export_batches')")" ]; then
    t_eq "$what: every request in exactly one published batch" "0|0|0" \
      "$(t_sql "SELECT (SELECT count(*) FROM invoice_requests i LEFT JOIN export_batches b ON b.id = i.batch_id
                         WHERE b.status IS DISTINCT FROM 'published'),
                       (SELECT count(*) FROM invoice_requests i JOIN export_batch_items x ON x.request_id = i.id
                         WHERE x.batch_id <> i.batch_id),
                       (SELECT count(*) FROM export_batches WHERE status <> 'published')")"
    check_outbox "$what"
  fi
  dump >"$T_TMP/after"
  if cmp -s "$T_TMP/reference" "$T_TMP/after"; then
    t_ok "$what: same final state as the uninterrupted run"
  else
    t_fail "$what: same final state as the uninterrupted run"
    diff "$T_TMP/reference" "$T_TMP/after" | head -n 20 | sed 's/^/#   /'
    cp "$T_TMP/after" "$T_TMP/after.$what"
  fi
}

# check_outbox WHAT: each published batch is a whole .csv.gz with its
# manifest in outbox/, with as many rows as the batch; nothing else there.
check_outbox() {
  local what=$1 expect have bad=0 f rows n
  expect=$(t_sql "SELECT file_name FROM export_batches WHERE status = 'published' ORDER BY 1")
  have=$(cd "$SPOOL/outbox" 2>/dev/null && ls | grep -v '\.manifest\.json$' | sort)
  t_eq "$what: outbox holds exactly the published batches" "$expect" "$have"
  while IFS='|' read -r f n; do
    [ -n "$f" ] || continue
    [ -f "$SPOOL/outbox/${f%.csv.gz}.manifest.json" ] || { echo "# no manifest for $f"; bad=1; }
    rows=$(gzip -dc "$SPOOL/outbox/$f" 2>/dev/null | tail -n +2 | wc -l) || bad=1
    [ "$rows" = "$n" ] || { echo "# $f: $rows rows, batch says $n"; bad=1; }
  done < <(t_sql "SELECT file_name, record_count FROM export_batches WHERE status = 'published'")
  t_eq "$what: every batch file whole, with its manifest" 0 "$bad"
}

# The reference: one uninterrupted run.
new_trial ref
t0=$(date +%s%N)
run_to_end
REF_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
dump >"$T_TMP/reference"
REF_SETTLEMENTS=$(t_sql "SELECT count(*) FROM settlements")
REF_DUPS=$(t_sql "SELECT count(*) FROM settlement_duplicates")
t_eq "reference: every record of the files is a settlement or a duplicate" "$FILE_RECORDS" "$((REF_SETTLEMENTS + REF_DUPS))"
echo "# reference run: ${REF_MS} ms, $NFILES files, $REF_SETTLEMENTS settlements, $(t_sql "SELECT count(*) FROM invoice_requests") invoice requests, $(t_sql "SELECT count(*) FROM exceptions") exceptions"
t_eq "reference: every file done" "0" "$(t_sql "SELECT count(*) FROM return_files WHERE status = 'ingested'")"
# the files' detail records: CNAB 240 T segments and Pix CSV data lines
t_check "reference: the data set has every exception reason" \
  test "$(t_sql "SELECT count(DISTINCT reason) FROM exceptions")" -ge 8
echo "# reference exception reasons: $(t_sql "SELECT string_agg(reason || '=' || n, ' ') FROM (SELECT reason, count(*) n FROM exceptions GROUP BY 1 ORDER BY 1) x")"
check_trial reference

start_all=$(date +%s)
for trial in $(seq 1 "$TRIALS"); do
  new_trial "t$trial"
  kills=$(( 1 + RANDOM % MAX_KILLS )) delays=""
  for _ in $(seq "$kills"); do
    ms=$(( (RANDOM * 32768 + RANDOM) % (REF_MS + 1) ))
    delays="$delays ${ms}ms"
    "$SETTLE" run >/dev/null 2>&1 & pid=$!
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  done
  echo "# trial $trial: killed after$delays"
  if run_to_end; then t_ok "trial $trial: re-run completes"; else t_fail "trial $trial: re-run completes"; fi
  check_trial "trial $trial"
  psql "$(t_conninfo postgres)" -qtAc "DROP DATABASE IF EXISTS \"$T_DB\" WITH (FORCE)" >/dev/null 2>&1
  [ -n "${T_KEEP:-}" ] || rm -rf "$SPOOL"
done
echo "# crash: $TRIALS trials in $(( $(date +%s) - start_all )) s, seed $SEED"
t_done
