#!/usr/bin/env bash
# roles.sh - least privilege (sql/006_roles.sql): the whole nightly pipeline
# works as a login in settle_job, which cannot delete, truncate or insert
# payments, change an exception or resolve one; finance reads exceptions and
# resolves them only through settle_resolve_exception(); invoicing reads the
# batches but no payment or exception. Each denial is checked on the real
# server, by the error PostgreSQL returns.
# test: slow (scripts/run-tests starts it first, so it does not end the run alone)
. "$(dirname "$0")/../lib.sh"

t_newdb
# as ROLE_CONN SQL: run SQL, print "ok" or the error's first line
as() {
  local out
  out=$(psql "$1" -qtAX -v ON_ERROR_STOP=1 -c "$2" 2>&1) && echo "ok${out:+ $out}" || echo "$out" | head -n 1 | sed 's/^psql:[^E]*//'
}
denied() { # WHAT CONN SQL
  local r
  r=$(as "$2" "$3")
  t_contains "$1" "permission denied" "$r"
}

t_eq "settle_job, finance, invoicing exist and cannot log in" "finance|false settle_job|false invoicing|false" \
  "$(t_sql "SELECT string_agg(rolname || '|' || rolcanlogin, ' ' ORDER BY array_position(ARRAY['finance','settle_job','invoicing'], rolname::text))
            FROM pg_roles WHERE rolname IN ('settle_job', 'finance', 'invoicing')")"
t_eq "nothing granted to PUBLIC on the pipeline's tables" "0" \
  "$(t_sql "SELECT count(*) FROM information_schema.role_table_grants WHERE grantee = 'PUBLIC' AND table_schema = 'public'")"
t_eq "resolve function is SECURITY DEFINER with a pinned search_path, pg_temp last" "true|search_path=pg_catalog, public, pg_temp" \
  "$(t_sql "SELECT prosecdef || '|' || array_to_string(proconfig, ',') FROM pg_proc WHERE proname = 'settle_resolve_exception'")"
t_eq "every SECURITY DEFINER function pins search_path with pg_temp last" "" \
  "$(t_sql "SELECT string_agg(p.oid::regprocedure::text, ' ') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public' AND p.prosecdef
              AND NOT coalesce('search_path=pg_catalog, public, pg_temp' = ANY (p.proconfig), false)")"
t_eq "settle_analyze_settlements() (024): settle_job may run it; finance, invoicing and a role in none of them may not" "1 0 0 0" \
  "$(t_sql "SELECT concat_ws(' ', has_function_privilege('settle_job', 'settle_analyze_settlements()', 'EXECUTE')::int,
                   has_function_privilege('finance', 'settle_analyze_settlements()', 'EXECUTE')::int,
                   has_function_privilege('invoicing', 'settle_analyze_settlements()', 'EXECUTE')::int,
                   has_function_privilege('public', 'settle_analyze_settlements()', 'EXECUTE')::int)")"

# The whole pipeline as settle_job: demo payments, every outcome and
# exception reason (scripts/demo-files), one settle run.
psql "$T_CONN" -qtAX -v ON_ERROR_STOP=1 -f "$T_TOP/scripts/demo-seed.sql" >/dev/null
"$T_TOP/scripts/demo-files" "$T_CONN" "$T_TMP/spool" >/dev/null
t_config "$T_TMP/settle.conf" "[reconcile]" "pix_reference_pattern = (PED-[0-9]+)" "[export]" "batch_size = 100"
export SETTLE_CONFIG=$T_TMP/settle.conf
t_contains "the config logs in as settle_test_job" "user=settle_test_job" "$(cat "$T_TMP/settle.conf")"
t_run out "$SETTLE" migrate
t_eq "settle migrate as settle_job: up to date, exit 0" 0 "$out_rc"
t_run out "$SETTLE" -v run
t_eq "settle run as settle_job exits 0" 0 "$out_rc"
t_not_contains "no permission error in the run" "permission denied" "$out"
t_not_contains "no server warning in the run (a statement the role may not run only warns)" "WARNING:" "$out"
docs=$(t_sql "SELECT customer_doc FROM payments WHERE customer_doc IS NOT NULL UNION SELECT payer_doc FROM settlements WHERE payer_doc <> ''")
leaked=$(grep -oFf <(printf '%s\n' "$docs") <<<"$out" | head -n 3)
t_eq "no payer or customer CPF/CNPJ in the run's log" "" "$leaked"
t_eq "there were documents to leak" "t" "$([ "$(wc -l <<<"$docs")" -gt 100 ] && echo t)"
t_eq "files ingested and reconciled" "0" "$(t_sql "SELECT count(*) FROM return_files WHERE status <> 'reconciled'")"
t_eq "payments paid by the run" "t" "$(t_sql "SELECT count(*) > 100 FROM payments WHERE status = 'paid'")"
t_eq "exceptions written" "t" "$(t_sql "SELECT count(DISTINCT reason) >= 8 FROM exceptions")"
t_eq "every step ok" "0" "$(t_sql "SELECT count(*) FROM job_run_steps WHERE status NOT IN ('ok', 'skipped')")"
t_eq "invoice batches published" "t" "$(t_sql "SELECT count(*) > 0 FROM export_batches WHERE status = 'published'")"
t_eq "the exception report written" "t" "$(ls "$T_TMP/spool/reports" | grep -q '^exceptions-.*\.csv$' && echo t)"
for c in export report status; do
  t_run out "$SETTLE" "$c"
  t_eq "settle $c as settle_job exits 0" 0 "$out_rc"
done

# settle_job: no DELETE / TRUNCATE / INSERT on payments, no change to exceptions.
J=$T_JOB_CONN
t_eq "settle_job reads payments" "ok 369" "$(as "$J" "SELECT count(*) FROM payments")"
denied "settle_job cannot DELETE payments" "$J" "DELETE FROM payments WHERE id = 1"
denied "settle_job cannot TRUNCATE payments" "$J" "TRUNCATE payments CASCADE"
denied "settle_job cannot INSERT payments" "$J" "INSERT INTO payments (id, order_id, method, amount_cents) VALUES (9999, 'x', 'pix', 1)"
denied "settle_job cannot UPDATE exceptions" "$J" "UPDATE exceptions SET status = 'resolved'"
denied "settle_job cannot DELETE exceptions" "$J" "DELETE FROM exceptions"
denied "settle_job cannot DELETE settlements" "$J" "DELETE FROM settlements"
denied "settle_job cannot DELETE invoice requests" "$J" "DELETE FROM invoice_requests"
denied "settle_job cannot create tables" "$J" "CREATE TABLE x (a int)"
denied "settle_job cannot resolve" "$J" "SELECT settle_resolve_exception(1, 'ignore', 'x')"
denied "settle_job cannot change the migrations record" "$J" "DELETE FROM schema_migrations"
# settle_job may change only what the pipeline writes (sql/009_hardening.sql):
# column privileges, and triggers for the transitions.
pend=$(t_sql "SELECT min(id) FROM payments p WHERE status = 'pending'
              AND NOT EXISTS (SELECT 1 FROM exceptions e WHERE e.payment_id = p.id)")
paidp=$(t_sql "SELECT min(id) FROM payments WHERE status = 'paid'")
canc=$(t_sql "SELECT min(id) FROM payments WHERE status = 'canceled'")
rich=$(t_sql "SELECT min(s.id) FROM settlements s WHERE s.paid AND s.amount_paid_cents > 0
              AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.paid_by_settlement = s.id)")
poor=$(t_sql "SELECT min(s.id) FROM settlements s WHERE NOT s.paid
              AND NOT EXISTS (SELECT 1 FROM exceptions e WHERE e.settlement_id = s.id)")
denied "settle_job cannot change payments.amount_cents" "$J" "UPDATE payments SET amount_cents = 1 WHERE id = $pend"
denied "settle_job cannot change payments.customer_doc" "$J" "UPDATE payments SET customer_doc = '11111111111' WHERE id = $pend"
denied "settle_job cannot change payments.customer_name" "$J" "UPDATE payments SET customer_name = 'x' WHERE id = $pend"
denied "settle_job cannot mark a payment paid without a settlement" "$J" \
  "UPDATE payments SET status = 'paid', paid_at = now(), paid_cents = 1 WHERE id = $pend"
denied "settle_job cannot mark a payment paid by a settlement without money" "$J" \
  "UPDATE payments SET status = 'paid', paid_at = now(), paid_cents = 1, paid_by_settlement = $poor WHERE id = $pend"
# Several rows in one statement (settle_mark_paid()'s shape; 025 reads the
# settlements and payments over the statement's id range): one bad row among
# good ones is found and named.
pend2=$(t_sql "SELECT min(id) FROM payments p WHERE status = 'pending' AND id > $pend
               AND NOT EXISTS (SELECT 1 FROM exceptions e WHERE e.payment_id = p.id)")
rich2=$(t_sql "SELECT min(s.id) FROM settlements s WHERE s.paid AND s.amount_paid_cents > 0 AND s.id > $rich
               AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.paid_by_settlement = s.id)")
r=$(as "$J" "UPDATE payments SET status = 'paid', paid_at = now(), paid_cents = 1,
                    paid_by_settlement = CASE id WHEN $pend THEN $rich ELSE $poor END WHERE id IN ($pend, $pend2)")
t_contains "settle_job cannot mark two payments paid when one settlement brought no money: refused, that payment named" \
  "permission denied: payment #$pend2 may only become paid by a settlement that brought money" "$r"
r=$(as "$J" "UPDATE payments SET status = 'paid', paid_at = now(), paid_cents = 1,
                    paid_by_settlement = CASE id WHEN $pend THEN $rich ELSE $rich2 + 100000000 END WHERE id IN ($pend, $pend2)")
t_contains "... nor when one names a settlement far outside the others' range" \
  "permission denied: payment #$pend2 may only become paid by a settlement that brought money" "$r"
denied "settle_job cannot mark a canceled payment paid" "$J" \
  "UPDATE payments SET status = 'paid', paid_at = now(), paid_cents = 1, paid_by_settlement = $rich WHERE id = $canc"
denied "settle_job cannot make a paid payment pending again" "$J" \
  "UPDATE payments SET status = 'pending', paid_at = NULL, paid_cents = NULL, paid_by_settlement = NULL WHERE id = $paidp"
denied "settle_job cannot change what a paid payment received" "$J" "UPDATE payments SET paid_cents = 1 WHERE id = $paidp"
denied "settle_job cannot queue an invoice for an unpaid payment" "$J" \
  "INSERT INTO invoice_requests (payment_id, settlement_id) VALUES ($pend, $rich)"
r=$(as "$J" "INSERT INTO invoice_requests (payment_id, settlement_id) VALUES ($pend2, $rich2), ($pend, $rich)")
t_contains "settle_job cannot queue two invoices for unpaid payments in one statement: refused, the lowest named" \
  "permission denied: an invoice request for payment #$pend needs the payment paid by its settlement" "$r"
denied "settle_job cannot queue an invoice already exported" "$J" \
  "INSERT INTO invoice_requests (payment_id, settlement_id, batch_id) VALUES ($pend, $rich, 1)"
denied "settle_job cannot unexport an invoice request" "$J" \
  "UPDATE invoice_requests SET batch_id = NULL WHERE batch_id IS NOT NULL"
denied "settle_job cannot rewrite settlements.amount_paid_cents" "$J" "UPDATE settlements SET amount_paid_cents = 1"
denied "settle_job cannot rewrite settlement outcomes" "$J" "UPDATE settlement_outcomes SET paid_cents = 1"
denied "settle_job cannot rewrite payment events" "$J" "UPDATE payment_events SET event = 'x'"
denied "settle_job cannot rewrite batch items" "$J" "UPDATE export_batch_items SET paid_cents = 1"
denied "settle_job cannot rewrite a published batch's sha256" "$J" \
  "UPDATE export_batches SET sha256 = repeat('0', 64) WHERE status = 'published'"
denied "settle_job cannot unpublish a batch" "$J" "UPDATE export_batches SET status = 'reserved' WHERE status = 'published'"
denied "settle_job cannot insert a batch already published" "$J" \
  "INSERT INTO export_batches (status, record_count, total_cents, first_request_id, last_request_id, sha256, file_name, published_at)
   VALUES ('published', 1, 1, 1, 1, repeat('0', 64), 'x', now())"
denied "settle_job cannot rewrite a finished run" "$J" "UPDATE job_runs SET status = 'succeeded', summary = 'all fine'"
denied "settle_job cannot rewrite a run's host" "$J" "UPDATE job_runs SET host = 'elsewhere'"
denied "settle_job cannot rewrite a finished step" "$J" "UPDATE job_run_steps SET status = 'ok'"
denied "settle_job cannot rewrite a file's sha256" "$J" "UPDATE return_files SET sha256 = repeat('0', 64)"
denied "settle_job cannot reopen a reconciled file" "$J" "UPDATE return_files SET status = 'ingested' WHERE status = 'reconciled'"
denied "settle_job cannot insert an exception already resolved" "$J" \
  "INSERT INTO exceptions (reason, settlement_id, file_id, line, status, resolved_at, resolved_by, resolution, resolution_note)
   SELECT 'UNKNOWN_PAYMENT', id, file_id, line, 'resolved', now(), 'ana', 'ignore', 'x' FROM settlements LIMIT 1"
denied "settle_job cannot insert an exception in someone's name" "$J" \
  "INSERT INTO exceptions (reason, settlement_id, file_id, line, resolved_by) SELECT 'UNKNOWN_PAYMENT', id, file_id, line, 'ana' FROM settlements LIMIT 1"
t_sql "INSERT INTO fetched_files (source, remote_name, size_bytes, remote_mtime, sha256, local_name, after_fetch, after_fetch_done)
       VALUES ('bank', 'x.ret', 1, 1, repeat('a', 64), 'x.ret', 'delete', true)" >/dev/null
denied "settle_job cannot rewrite a fetched file's sha256" "$J" "UPDATE fetched_files SET sha256 = repeat('0', 64)"
denied "settle_job cannot undo after_fetch_done" "$J" "UPDATE fetched_files SET after_fetch_done = false"
t_eq "after all that: the payments are as they were" "pending|canceled|true" \
  "$(t_sql "SELECT (SELECT status FROM payments WHERE id = $pend) || '|' || (SELECT status FROM payments WHERE id = $canc) || '|' ||
                   (SELECT paid_cents > 1 FROM payments WHERE id = $paidp)")"
t_run out "$SETTLE" resolve "$(t_sql "SELECT min(id) FROM exceptions")" --as ignore --note x
t_eq "settle resolve as settle_job exits 77" 77 "$out_rc"
t_contains "and says which role it needs" "hint=\"resolve with a login that has the finance role" "$out"

# finance: reads, resolves through the function only.
F=$T_FINANCE_CONN
t_eq "finance reads exceptions" "ok t" "$(as "$F" "SELECT count(*) > 0 FROM exceptions")"
t_eq "finance reads the report's tables" "ok t" \
  "$(as "$F" "SELECT count(*) > 0 FROM exceptions e JOIN settlements s ON s.id = e.settlement_id JOIN return_files f ON f.id = e.file_id LEFT JOIN payments p ON p.id = e.payment_id")"
denied "finance cannot UPDATE exceptions" "$F" "UPDATE exceptions SET status = 'resolved', resolution = 'ignore', resolved_at = now(), resolved_by = 'x'"
denied "finance cannot UPDATE payments" "$F" "UPDATE payments SET status = 'paid'"
denied "finance cannot INSERT invoice requests" "$F" "INSERT INTO invoice_requests (payment_id) VALUES (1)"
denied "finance cannot DELETE exceptions" "$F" "DELETE FROM exceptions"
denied "finance cannot INSERT exceptions" "$F" \
  "INSERT INTO exceptions (reason, settlement_id, file_id, line) SELECT 'UNKNOWN_PAYMENT', id, file_id, line FROM settlements LIMIT 1"
denied "finance cannot UPDATE settlements" "$F" "UPDATE settlements SET amount_paid_cents = 1"
denied "finance cannot UPDATE export_batches" "$F" "UPDATE export_batches SET sha256 = repeat('0', 64)"
denied "finance cannot UPDATE job_runs" "$F" "UPDATE job_runs SET status = 'succeeded'"

# pg_temp: PostgreSQL searches the caller's temporary schema first unless
# search_path lists it. A finance login shadows exceptions and settlements
# with temporary tables holding a fabricated exception and asks the
# function to pay a pending and a canceled payment with 1 cent.
# (Payments of their own, so that the checks above cannot have changed them.)
pend=$(t_sql "SELECT id FROM payments p WHERE status = 'pending'
              AND NOT EXISTS (SELECT 1 FROM exceptions e WHERE e.payment_id = p.id) ORDER BY id OFFSET 1 LIMIT 1")
canc=$(t_sql "SELECT id FROM payments WHERE status = 'canceled' ORDER BY id OFFSET 1 LIMIT 1")
before_inv=$(t_sql "SELECT count(*) FROM invoice_requests")
before_exc=$(t_sql "SELECT count(*) || '|' || count(*) FILTER (WHERE status = 'resolved') FROM exceptions")
attack=$(psql "$F" -qtAX 2>&1 <<SQL
CREATE TEMP TABLE exceptions (id bigint, status text, resolution text, resolved_by text, resolved_at timestamptz,
  reason text, payment_id bigint, settlement_id bigint, paid_cents bigint, resolution_note text, resolved_db_user text);
CREATE TEMP TABLE settlements (id bigint, paid boolean, kind text, amount_paid_cents bigint);
INSERT INTO settlements VALUES (900001, true, 'pix', 1), (900002, true, 'pix', 1);
INSERT INTO exceptions (id, status, reason, settlement_id, paid_cents) VALUES (900001, 'open', 'UNKNOWN_PAYMENT', 900001, 1),
                                                                            (900002, 'open', 'UNKNOWN_PAYMENT', 900002, 1);
SELECT settle_resolve_exception(900001, 'paid', 'temp table', $pend, 'mallory');
SELECT settle_resolve_exception(900002, 'paid', 'temp table', $canc, 'mallory');
SQL
)
t_contains "pg_temp attack: the function reads the real exceptions table" "exception #900001 does not exist" "$attack"
t_eq "pg_temp attack: the pending and the canceled payment unchanged" "pending|canceled" \
  "$(t_sql "SELECT (SELECT status FROM payments WHERE id = $pend) || '|' || (SELECT status FROM payments WHERE id = $canc)")"
t_eq "pg_temp attack: no invoice request queued" "$before_inv" "$(t_sql "SELECT count(*) FROM invoice_requests")"
t_eq "pg_temp attack: the real exceptions untouched" "$before_exc" \
  "$(t_sql "SELECT count(*) || '|' || count(*) FILTER (WHERE status = 'resolved') FROM exceptions")"
T_CONFIG_CONN=$F t_config "$T_TMP/finance.conf"
# No money, no payment: a bank rejection, a returned cheque or a Pix refund
# resolved as paid (a payment named when the exception has none) is refused.
pend=$(t_sql "SELECT id FROM payments p WHERE status = 'pending'
              AND NOT EXISTS (SELECT 1 FROM exceptions e WHERE e.payment_id = p.id) ORDER BY id OFFSET 2 LIMIT 1")
# A refund of a Pix we cannot match (reconcile's PIX_REFUND without a payment).
t_sql "WITH s AS (INSERT INTO settlements (file_id, line, format, kind, paid, end_to_end_id, refund_id, amount_paid_cents, natural_key)
                  SELECT id, 9999, 'pix-csv', 'pix_refund', false, 'E0000000020261130aaaaaaaaaaaa', 'D0000000020261130bbbbbbbbbbbb',
                         5000, 'pix_refund|roles-test' FROM return_files ORDER BY id LIMIT 1 RETURNING id, file_id, line)
       INSERT INTO exceptions (reason, settlement_id, paid_cents, file_id, line) SELECT 'PIX_REFUND', id, 5000, file_id, line FROM s
       RETURNING id" >/dev/null
for reason in BANK_REJECTED CHEQUE_RETURNED PIX_REFUND; do
  x=$(t_sql "SELECT id FROM exceptions WHERE status = 'open' AND reason = '$reason' ORDER BY id DESC LIMIT 1")
  if [ -z "$x" ]; then t_fail "an open $reason exception in the demo data"; continue; fi
  xp=$(t_sql "SELECT coalesce(payment_id::text, '') FROM exceptions WHERE id = $x")
  pay=${xp:-$pend}
  payarg=(); [ -n "$xp" ] || payarg=(--payment "$pend")
  was=$(t_sql "SELECT status FROM payments WHERE id = $pay")
  t_run out env SETTLE_USER=ana "$SETTLE" --config "$T_TMP/finance.conf" resolve "$x" --as paid "${payarg[@]}" --note "paid"
  t_eq "$reason resolved as paid exits 65" 65 "$out_rc"
  t_contains "$reason: says no money arrived" "no money arrived with its settlement" "$out"
  t_eq "$reason: payment #$pay unchanged, no invoice request, exception open" "$was|0|open" \
    "$(t_sql "SELECT (SELECT status FROM payments WHERE id = $pay) || '|' || (SELECT count(*) FROM invoice_requests WHERE payment_id = $pay AND settlement_id = (SELECT settlement_id FROM exceptions WHERE id = $x)) || '|' || (SELECT status FROM exceptions WHERE id = $x)")"
done

ign=$(t_sql "SELECT min(id) FROM exceptions WHERE status = 'open' AND reason = 'BANK_REJECTED'")
t_eq "finance resolves through the function" "ok BANK_REJECTED" \
  "$(as "$F" "SELECT settle_resolve_exception($ign, 'ignore', 'bank event, nothing to do', NULL, 'rita')")"
t_eq "recorded: who said, who logged in" "resolved|ignore|rita|settle_test_finance" \
  "$(t_sql "SELECT concat_ws('|', status, resolution, resolved_by, resolved_db_user) FROM exceptions WHERE id = $ign")"
t_contains "the function refuses a second resolution" "was already resolved as ignore by rita" \
  "$(as "$F" "SELECT settle_resolve_exception($ign, 'refund', 'again')")"
under=$(t_sql "SELECT min(e.id) FROM exceptions e JOIN payments p ON p.id = e.payment_id WHERE e.status = 'open' AND e.reason = 'UNDERPAID' AND p.status = 'pending'")
t_run out env SETTLE_USER=ana "$SETTLE" --config "$T_TMP/finance.conf" resolve "$under" --as paid --note "paid the rest"
t_eq "resolve --as paid of an underpayment without --accept-difference exits 65" 65 "$out_rc"
t_contains "and says what arrived and what was due" "cents received, payment #" "$out"
t_contains "and how to accept it" "add --accept-difference" "$out"
t_eq "the underpaid payment still pending, the exception open" "pending|open" \
  "$(t_sql "SELECT p.status || '|' || e.status FROM exceptions e JOIN payments p ON p.id = e.payment_id WHERE e.id = $under")"
t_run out env SETTLE_USER=ana "$SETTLE" --config "$T_TMP/finance.conf" resolve "$under" --as paid --accept-difference --note "paid the rest"
t_eq "settle resolve --as paid --accept-difference as finance exits 0" 0 "$out_rc"
t_eq "its payment paid and one invoice request queued" "paid|1" \
  "$(t_sql "SELECT p.status || '|' || (SELECT count(*) FROM invoice_requests i WHERE i.payment_id = p.id) FROM exceptions e JOIN payments p ON p.id = e.payment_id WHERE e.id = $under")"
t_eq "the payment records what arrived, not what was due" "t" \
  "$(t_sql "SELECT p.paid_cents = e.paid_cents AND p.paid_cents < p.amount_cents FROM exceptions e JOIN payments p ON p.id = e.payment_id WHERE e.id = $under")"


# invoicing: the batches, not the payments.
I=$T_INVOICING_CONN
t_eq "invoicing reads invoice requests" "ok t" "$(as "$I" "SELECT count(*) > 0 FROM invoice_requests")"
t_eq "invoicing reads batches and their items" "ok t" \
  "$(as "$I" "SELECT count(*) > 0 FROM export_batches b JOIN export_batch_items i ON i.batch_id = b.id")"
denied "invoicing cannot change batches" "$I" "UPDATE export_batches SET uploaded_at = now()"
denied "invoicing cannot read payments" "$I" "SELECT customer_doc FROM payments LIMIT 1"
denied "invoicing cannot read settlements (payer CPF/CNPJ)" "$I" "SELECT payer_doc FROM settlements LIMIT 1"
denied "invoicing cannot read exceptions" "$I" "SELECT * FROM exceptions LIMIT 1"
denied "invoicing cannot resolve" "$I" "SELECT settle_resolve_exception(1, 'ignore', 'x')"
denied "invoicing cannot mark a request exported" "$I" "UPDATE invoice_requests SET batch_id = NULL"
denied "invoicing cannot queue an invoice request" "$I" "INSERT INTO invoice_requests (payment_id, settlement_id) VALUES (1, 1)"
denied "invoicing cannot add a batch item" "$I" \
  "INSERT INTO export_batch_items SELECT request_id + 100000, batch_id, payment_id, order_id, customer_doc, customer_name, method,
          amount_cents, paid_cents, paid_at, settlement_reference, bank_code FROM export_batch_items LIMIT 1"
denied "invoicing cannot rewrite a batch's sha256" "$I" "UPDATE export_batches SET sha256 = repeat('0', 64)"
denied "invoicing cannot update payments" "$I" "UPDATE payments SET status = 'paid'"
denied "invoicing cannot read job runs" "$I" "SELECT * FROM job_runs LIMIT 1"

# Roles are cluster-wide: a second database migrates with them already there.
t_newdb
t_eq "a second database migrates and gets its own grants" "t" \
  "$(t_sql "SELECT has_column_privilege('settle_job', 'payments', 'status', 'UPDATE')
                   AND NOT has_column_privilege('settle_job', 'payments', 'amount_cents', 'UPDATE')
                   AND NOT has_table_privilege('settle_job', 'payments', 'DELETE')")"
t_done
