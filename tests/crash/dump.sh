# tests/crash/dump.sh - sourced by the crash harness and the fault tests
# (after tests/lib.sh): dump prints, for the database of T_CONN, a canonical
# text of everything the pipeline decided - files, outcomes, payments,
# invoice requests, exceptions, events, duplicates and batch membership -
# without ids and clocks, so that two runs on the same data compare with cmp.
# Everything the pipeline decides, without ids and clocks.
dump() {
  t_sql "
  SELECT 'file', source, name, status, records, duplicates FROM return_files ORDER BY source, name, status;
  SELECT 'outcome', s.natural_key, o.outcome, o.rule, o.payment_id, o.reason, o.event, o.expected_cents, o.paid_cents
    FROM settlement_outcomes o JOIN settlements s ON s.id = o.settlement_id ORDER BY 2;
  SELECT 'payment', p.id, p.status, p.paid_cents, p.paid_at, s.natural_key
    FROM payments p LEFT JOIN settlements s ON s.id = p.paid_by_settlement ORDER BY 2;
  SELECT 'invoice', i.payment_id, s.natural_key FROM invoice_requests i LEFT JOIN settlements s ON s.id = i.settlement_id ORDER BY 2;
  SELECT 'exception', e.reason, s.natural_key, e.payment_id, e.expected_cents, e.paid_cents, e.line, e.status
    FROM exceptions e LEFT JOIN settlements s ON s.id = e.settlement_id ORDER BY 3, 2, 4, 5, 6, 7;
  SELECT 'event', v.payment_id, s.natural_key, v.event FROM payment_events v JOIN settlements s ON s.id = v.settlement_id ORDER BY 3, 4;
  SELECT 'duplicate', f.name, d.natural_key FROM settlement_duplicates d JOIN return_files f ON f.id = d.file_id ORDER BY 2, 3;
  "
  if [ -n "$(t_sql "SELECT to_regclass('export_batches')")" ]; then
    # Which requests are in a published batch, not which batch: after a
    # kill, a file whose lock the killed session still held is reconciled
    # after the others (reconcile waits for it), so its requests get later
    # ids and may fall into another batch than in an uninterrupted run.
    # Whole batches, each request in exactly one, are checked apart.
    t_sql "SELECT 'batched', i.payment_id, i.batch_id IS NOT NULL FROM invoice_requests i ORDER BY 2"
  fi
}

