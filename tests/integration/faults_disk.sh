#!/usr/bin/env bash
# faults_disk.sh - the disk fills up while `settle run` writes invoice
# batches: outbox/ is a 64 KiB tmpfs (or, where mount is not allowed, settle
# export runs under a file-size limit, ulimit -f, with SIGXFSZ ignored so
# that write() fails with EFBIG). The run must end with a clear error naming
# the file and the cause; no partial batch may be published: no .csv.gz
# without its manifest in outbox/, no temporary file left, no request marked
# exported that is not in a published batch whose files are whole. With room
# again the next run publishes the rest: every request in exactly one
# (FAULTS_DISK_NO_MOUNT=1 forces the ulimit variant.)
# published batch.
. "$(dirname "$0")/../lib.sh"

# (Before `settle export` exists, on a branch without it, there is nothing to test.)
"$SETTLE" export --help >/dev/null 2>&1 || { echo "# SKIP: settle export is not registered in this build"; t_done; }
t_newdb
SPOOL=$T_TMP/spool
mkdir -p "$SPOOL/outbox"
printf '[database]\nconninfo = %s\n[spool]\ndir = %s\n[ingest]\nmin_age_seconds = 0\n[reconcile]\npix_reference_pattern = (PED-[0-9]+)\n[export]\nbatch_size = 100\n' \
  "$T_CONN" "$SPOOL" >"$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf
"$SETTLE" -q migrate >/dev/null
"$T_TOP/tests/crash/dataset" "$T_CONN" "$SPOOL" 1000 >/dev/null   # files straight into incoming/
[ -n "$(t_sql "SELECT to_regclass('export_batches')")" ] || { t_fail "settle export exists (migration 004)"; t_done; }

mounted=0
if [ -z "${FAULTS_DISK_NO_MOUNT:-}" ] && [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=64k,mode=0750 settle-test-full "$SPOOL/outbox" 2>/dev/null; then
  mounted=1
  trap 'umount "$SPOOL/outbox" 2>/dev/null; t_cleanup' EXIT
  echo "# outbox/ on a 64 KiB tmpfs"
  t_run out "$SETTLE" run
else
  echo "# no tmpfs: settle export (one 1000-request batch, ~40 KiB) under ulimit -f 16 (16 KiB)"
  "$SETTLE" -q ingest >/dev/null 2>&1; "$SETTLE" -q reconcile >/dev/null 2>&1
  sed -i 's/^batch_size = 100$/batch_size = 1000/' "$SETTLE_CONFIG"
  t_run out bash -c 'trap "" XFSZ; ulimit -f 16; exec "$0" export' "$SETTLE"
fi
echo "$out" | grep -E 'ERROR|result:' | head -n 5 | sed 's/^/#   /'
t_eq "the run fails with 74 (EX_IOERR)" 74 "$out_rc"
if [ $mounted -eq 1 ]; then cause="No space left on device"; else cause="File too large"; fi
t_contains "a clear error: the cause" "$cause" "$(grep -E 'level=error component=export' <<<"$out")"
t_contains "a clear error: the place" "$SPOOL/outbox/" "$(grep -E 'level=error component=export' <<<"$out")"
t_contains "a hint" "hint=\"free space on that file system (or raise the limit) and run again; the file was not published" "$out"
[ $mounted -eq 0 ] || t_contains "the run's summary says so" \
  "result: failed (exit 74): a local file could not be written (disk full?); free space and re-run" "$out"

# Nothing half-published.
check_outbox() {   # check_outbox WHAT
  local f bad=0 n rows
  for f in "$SPOOL"/outbox/*.csv.gz; do
    [ -e "$f" ] || continue
    [ -f "${f%.csv.gz}.manifest.json" ] || { echo "# $f has no manifest"; bad=1; }
  done
  for f in "$SPOOL"/outbox/*.manifest.json; do
    [ -e "$f" ] || continue
    [ -f "${f%.manifest.json}.csv.gz" ] || { echo "# $f has no data file"; bad=1; }
  done
  t_eq "$1: no .csv.gz without its manifest (nor the reverse)" 0 "$bad"
  t_eq "$1: no temporary file left in outbox/" "" "$(ls -A "$SPOOL/outbox" | grep -v -E '^[^.].*\.(csv\.gz|manifest\.json)$' | grep -v '^lost+found$')"
  t_eq "$1: published batches are exactly the files in outbox/" \
    "$(t_sql "SELECT file_name FROM export_batches WHERE status = 'published' ORDER BY 1")" \
    "$(cd "$SPOOL/outbox" && ls | grep '\.csv\.gz$' | sort)"
  bad=0
  while IFS='|' read -r f n; do
    [ -n "$f" ] || continue
    rows=$(gzip -dc "$SPOOL/outbox/$f" | tail -n +2 | wc -l) || bad=1
    [ "$rows" = "$n" ] || { echo "# $f: $rows rows, batch says $n"; bad=1; }
  done < <(t_sql "SELECT file_name, record_count FROM export_batches WHERE status = 'published'")
  t_eq "$1: every published file whole" 0 "$bad"
  t_eq "$1: no request marked exported outside a published batch" 0 \
    "$(t_sql "SELECT count(*) FROM invoice_requests i LEFT JOIN export_batches b ON b.id = i.batch_id
               WHERE i.batch_id IS NOT NULL AND b.status IS DISTINCT FROM 'published'")"
}
check_outbox "disk full"
left=$(t_sql "SELECT count(*) FROM invoice_requests WHERE batch_id IS NULL")
t_check "some requests are left for the next run ($left)" test "$left" -gt 0
# Batches are written and published by group (export/export.c): the group
# the disk could not hold stays reserved, to be rebuilt byte for byte.
[ $mounted -eq 0 ] || t_check "the batches the disk could not hold stay reserved" \
  test "$(t_sql "SELECT count(*) FROM export_batches WHERE status = 'reserved'")" -gt 0

# Room again.
if [ $mounted -eq 1 ]; then
  mkdir -p "$T_TMP/keep" && cp -a "$SPOOL/outbox/." "$T_TMP/keep/"
  umount "$SPOOL/outbox"
  cp -a "$T_TMP/keep/." "$SPOOL/outbox/"
fi
t_run out bash -c 'trap - XFSZ; ulimit -f unlimited 2>/dev/null; exec "$0" export' "$SETTLE"
t_eq "with room again, export completes" 0 "$out_rc"
check_outbox "after"
t_eq "every request in exactly one published batch" "0|0" \
  "$(t_sql "SELECT (SELECT count(*) FROM invoice_requests WHERE batch_id IS NULL),
                   (SELECT count(*) FROM invoice_requests i JOIN export_batch_items x ON x.request_id = i.id
                     WHERE x.batch_id <> i.batch_id)")"
t_eq "every request in the files once" "$(t_sql "SELECT count(*) FROM invoice_requests")" \
  "$(for f in "$SPOOL"/outbox/*.csv.gz; do gzip -dc "$f" | tail -n +2; done | sort -u | wc -l)"
t_done
