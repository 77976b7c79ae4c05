#!/usr/bin/env bash
# roles.sh - least privilege (sql/006_roles.sql): the whole nightly pipeline
# works as a login in settle_job, which cannot delete, truncate or insert
# payments, change an exception or resolve one; finance reads exceptions and
# resolves them only through settle_resolve_exception(); invoicing reads the
# batches but no payment or exception. Each denial is checked on the real
# server, by the error PostgreSQL returns.
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
t_eq "resolve function is SECURITY DEFINER with a pinned search_path" "true|search_path=pg_catalog, public" \
  "$(t_sql "SELECT prosecdef || '|' || array_to_string(proconfig, ',') FROM pg_proc WHERE proname = 'settle_resolve_exception'")"

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
t_eq "settle_job reads payments" "ok 361" "$(as "$J" "SELECT count(*) FROM payments")"
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
t_run out "$SETTLE" resolve "$(t_sql "SELECT min(id) FROM exceptions")" --as ignore --note x
t_eq "settle resolve as settle_job exits 77" 77 "$out_rc"
t_contains "and says which role it needs" "HINT: resolve with a login that has the finance role" "$out"

# finance: reads, resolves through the function only.
F=$T_FINANCE_CONN
t_eq "finance reads exceptions" "ok t" "$(as "$F" "SELECT count(*) > 0 FROM exceptions")"
t_eq "finance reads the report's tables" "ok t" \
  "$(as "$F" "SELECT count(*) > 0 FROM exceptions e JOIN settlements s ON s.id = e.settlement_id JOIN return_files f ON f.id = e.file_id LEFT JOIN payments p ON p.id = e.payment_id")"
denied "finance cannot UPDATE exceptions" "$F" "UPDATE exceptions SET status = 'resolved', resolution = 'ignore', resolved_at = now(), resolved_by = 'x'"
denied "finance cannot UPDATE payments" "$F" "UPDATE payments SET status = 'paid'"
denied "finance cannot INSERT invoice requests" "$F" "INSERT INTO invoice_requests (payment_id) VALUES (1)"
denied "finance cannot DELETE exceptions" "$F" "DELETE FROM exceptions"
ign=$(t_sql "SELECT min(id) FROM exceptions WHERE status = 'open' AND reason = 'BANK_REJECTED'")
t_eq "finance resolves through the function" "ok BANK_REJECTED" \
  "$(as "$F" "SELECT settle_resolve_exception($ign, 'ignore', 'bank event, nothing to do', NULL, 'rita')")"
t_eq "recorded: who said, who logged in" "resolved|ignore|rita|settle_test_finance" \
  "$(t_sql "SELECT concat_ws('|', status, resolution, resolved_by, resolved_db_user) FROM exceptions WHERE id = $ign")"
t_contains "the function refuses a second resolution" "was already resolved as ignore by rita" \
  "$(as "$F" "SELECT settle_resolve_exception($ign, 'refund', 'again')")"
T_CONFIG_CONN=$F t_config "$T_TMP/finance.conf"
under=$(t_sql "SELECT min(e.id) FROM exceptions e JOIN payments p ON p.id = e.payment_id WHERE e.status = 'open' AND e.reason = 'UNDERPAID' AND p.status = 'pending'")
t_run out env SETTLE_USER=ana "$SETTLE" --config "$T_TMP/finance.conf" resolve "$under" --as paid --note "paid the rest"
t_eq "settle resolve --as paid as finance exits 0" 0 "$out_rc"
t_eq "its payment paid and one invoice request queued" "paid|1" \
  "$(t_sql "SELECT p.status || '|' || (SELECT count(*) FROM invoice_requests i WHERE i.payment_id = p.id) FROM exceptions e JOIN payments p ON p.id = e.payment_id WHERE e.id = $under")"

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

# Roles are cluster-wide: a second database migrates with them already there.
t_newdb
t_eq "a second database migrates and gets its own grants" "t" \
  "$(t_sql "SELECT has_table_privilege('settle_job', 'payments', 'UPDATE') AND NOT has_table_privilege('settle_job', 'payments', 'DELETE')")"
t_done
