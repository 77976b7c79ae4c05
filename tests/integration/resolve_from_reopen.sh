#!/usr/bin/env bash
# resolve_from_reopen.sh - `settle resolve --reopen ID --note TEXT` and the
# resolution history (sql/017_resolution_history.sql) against a real
# PostgreSQL: an ignore reopened and resolved again keeps both; a paid one
# reopened before export puts the payment back and withdraws its invoice
# request (kept on the history row), and paying it again queues a new one;
# once exported, reopening is refused and the payment stays paid once; what
# the finance, job and invoicing roles must NOT be able to do.
. "$(dirname "$0")/../lib.sh"

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf
as() { # CONN SQL: "ok ..." or the error's first line
  local out
  out=$(psql "$1" -qtAX -v ON_ERROR_STOP=1 -c "$2" 2>&1) && echo "ok${out:+ $out}" || echo "$out" | head -n 1 | sed 's/^psql:[^E]*//'
}
denied() { t_contains "$1" "permission denied" "$(as "$2" "$3")"; }

t_sql "
INSERT INTO payments (id, order_id, method, amount_cents, status, bank_code, nosso_numero, customer_doc, customer_name) VALUES
 (1, 'o1', 'boleto', 10000, 'pending', '341', '100', '12345678909', 'Ana'),
 (2, 'o2', 'boleto', 10000, 'pending', '341', '200', '12345678909', 'Ana'),
 (3, 'o3', 'boleto', 10000, 'expired', '341', '300', '12345678909', 'Ana');
INSERT INTO return_files (id, source, name, size_bytes, sha256, format, status)
 VALUES (1, 'local', 'day.ret', 1, repeat('a', 64), 'cnab240', 'ingested');
SELECT setval('return_files_id_seq', 10);
INSERT INTO settlements (file_id, line, format, bank_code, kind, movement_code, paid, nosso_numero, amount_paid_cents,
                         occurred_on, natural_key) VALUES
 (1, 1, 'cnab240', '341', 'boleto', '06', true, '999001', 10000, DATE '2026-11-27', 'k1'),  -- UNKNOWN_PAYMENT
 (1, 2, 'cnab240', '341', 'boleto', '06', true, '999002', 10000, DATE '2026-11-27', 'k2'),  -- UNKNOWN_PAYMENT
 (1, 3, 'cnab240', '341', 'boleto', '06', true, '300', 10000, DATE '2026-11-27', 'k3');     -- PAYMENT_NOT_PENDING (expired 3)
" >/dev/null
t_run out "$SETTLE" reconcile
t_eq "reconcile exits 0" 0 "$out_rc"
x() { t_sql "SELECT id FROM exceptions WHERE line = $1"; }
u1=$(x 1) u2=$(x 2) np=$(x 3)

T_CONFIG_CONN=$T_FINANCE_CONN t_config "$T_TMP/finance.conf"
FIN=(--config "$T_TMP/finance.conf")
export SETTLE_USER=rita

# An ignore, reopened, resolved again: both on record.
t_run out "$SETTLE" "${FIN[@]}" resolve "$u1" --as ignore --note "engano"
t_eq "resolved as ignore" 0 "$out_rc"
t_run out "$SETTLE" "${FIN[@]}" resolve --reopen "$u1"
t_eq "--reopen without --note is a usage error" 64 "$out_rc"
t_run out env SETTLE_USER=bia "$SETTLE" "${FIN[@]}" resolve --reopen "$u1" --note "era um pagamento do pedido o1"
t_eq "--reopen exits 0" 0 "$out_rc"
t_contains "says what was undone" "exception #$u1 reopened by bia (undone: ignore)" "$out"
t_eq "the exception is open again, nobody's" "open" \
  "$(t_sql "SELECT concat_ws('|', status, resolution, resolved_by, resolved_at) FROM exceptions WHERE id = $u1")"
t_run out "$SETTLE" "${FIN[@]}" resolve --reopen "$u1" --note "again"
t_eq "reopening an open exception exits 65" 65 "$out_rc"
t_contains "and says there is nothing to reopen" "exception #$u1 is open: there is no resolution to reopen" "$out"
t_run out "$SETTLE" "${FIN[@]}" resolve --reopen 999999 --note "x"
t_contains "an unknown exception" "exception #999999 does not exist" "$out"

printf 'id,acao,nota,pagamento_id\n%s,pago,"pedido o1, confirmado",1\n' "$u1" >"$T_TMP/u1.csv"
t_run out "$SETTLE" "${FIN[@]}" resolve --from "$T_TMP/u1.csv"
t_eq "resolved again, as paid, from a file" 0 "$out_rc"
t_eq "payment 1 paid by the exception's settlement, one invoice request" "paid|true|1" \
  "$(t_sql "SELECT p.status || '|' || (p.paid_by_settlement = e.settlement_id) || '|' || (SELECT count(*) FROM invoice_requests WHERE payment_id = 1)
            FROM payments p, exceptions e WHERE p.id = 1 AND e.id = $u1")"
t_eq "the history keeps both resolutions, the first reopened" \
  "ignore|engano|rita|settle_test_finance|bia|era um pagamento do pedido o1|settle_test_finance
paid|pedido o1, confirmado|rita|settle_test_finance|||" \
  "$(t_sql "SELECT concat_ws('|', resolution, note, resolved_by, resolved_db_user, coalesce(reopened_by, ''), coalesce(reopen_note, ''), coalesce(reopened_db_user, ''))
            FROM exception_resolutions WHERE exception_id = $u1 ORDER BY id")"
t_run out "$SETTLE" "${FIN[@]}" resolve --history "$u1"
t_eq "--history exits 0" 0 "$out_rc"
t_contains "--history shows the reopening" "reopened by bia: era um pagamento do pedido o1" "$out"
t_contains "--history shows the paid one with its invoice request" "paid   by rita (login settle_test_finance): pedido o1, confirmado [payment #1, invoice request #" "$out"

# A paid one reopened before export: the payment back as it was, the
# invoice request withdrawn (its id kept on the history row).
req=$(t_sql "SELECT id FROM invoice_requests WHERE payment_id = 1")
t_run out "$SETTLE" "${FIN[@]}" resolve --reopen "$u1" --note "o pagamento era do pedido o2"
t_eq "reopening a paid resolution before export exits 0" 0 "$out_rc"
t_contains "says what was undone" "paid: payment #1 back to pending, invoice request #$req withdrawn before export" "$out"
t_eq "payment 1 pending again, nothing of the payment left" "pending||||0" \
  "$(t_sql "SELECT concat_ws('|', status, coalesce(paid_at::text, ''), coalesce(paid_cents::text, ''), coalesce(paid_by_settlement::text, ''), (SELECT count(*) FROM invoice_requests WHERE payment_id = 1)) FROM payments WHERE id = 1")"
t_eq "the exception open, without the payment the resolution had named" "open|" \
  "$(t_sql "SELECT status || '|' || coalesce(payment_id::text, '') FROM exceptions WHERE id = $u1")"
t_eq "the invoice request's trail on the history row" "$req|true|true" \
  "$(t_sql "SELECT invoice_request_id || '|' || invoice_request_withdrawn || '|' || (invoice_request_created_at IS NOT NULL) FROM exception_resolutions WHERE exception_id = $u1 AND resolution = 'paid'")"

# The expired payment paid by PAYMENT_NOT_PENDING, reopened: back to expired.
t_run out "$SETTLE" "${FIN[@]}" resolve "$np" --as paid --note "cliente pagou depois do vencimento; pedido mantido"
t_eq "an expired payment resolved as paid" 0 "$out_rc"
t_run out "$SETTLE" "${FIN[@]}" resolve --reopen "$np" --note "pedido cancelado afinal"
t_eq "reopened" 0 "$out_rc"
t_eq "payment 3 back to expired, not pending" "expired" "$(t_sql "SELECT status FROM payments WHERE id = 3")"

# Paid again (to payment 2), then exported: reopening is refused.
t_run out "$SETTLE" "${FIN[@]}" resolve "$u1" --as paid --payment 2 --note "pedido o2"
t_eq "paid again, to payment 2" 0 "$out_rc"
t_eq "a new invoice request for payment 2" "1" "$(t_sql "SELECT count(*) FROM invoice_requests WHERE payment_id = 2")"
t_run out "$SETTLE" export
t_eq "settle export as settle_job exits 0" 0 "$out_rc"
batch=$(t_sql "SELECT batch_id FROM invoice_requests WHERE payment_id = 2")
t_check "payment 2's invoice request is in a batch" test -n "$batch"
before=$(t_sql "SELECT status || '|' || paid_by_settlement FROM payments WHERE id = 2")
t_run out "$SETTLE" "${FIN[@]}" resolve --reopen "$u1" --note "engano de novo"
t_eq "reopening a paid resolution after export exits 65" 65 "$out_rc"
t_contains "says which batch holds it" "is in invoice batch #$batch (published" "$out"
t_contains "and what to do" 'hint="an invoice may already exist: the payment stays paid' "$out"
t_eq "payment 2 still paid once, by the same settlement" "$before" "$(t_sql "SELECT status || '|' || paid_by_settlement FROM payments WHERE id = 2")"
t_eq "the exception still resolved" "resolved|paid" "$(t_sql "SELECT status || '|' || resolution FROM exceptions WHERE id = $u1")"
t_eq "one resolution in force per exception" "0" \
  "$(t_sql "SELECT count(*) FROM (SELECT exception_id FROM exception_resolutions WHERE reopened_at IS NULL GROUP BY 1 HAVING count(*) > 1) d")"
t_eq "each payment paid at most once, each invoice request for a paid payment" "0" \
  "$(t_sql "SELECT count(*) FROM invoice_requests i JOIN payments p ON p.id = i.payment_id WHERE p.status <> 'paid'")"

# Roles. The functions pin search_path (roles.sh checks every SECURITY DEFINER).
t_eq "the reopen function is SECURITY DEFINER with a pinned search_path" "true|search_path=pg_catalog, public, pg_temp" \
  "$(t_sql "SELECT prosecdef || '|' || array_to_string(proconfig, ',') FROM pg_proc WHERE proname = 'settle_reopen_exception'")"
t_eq "only finance (and the owner) may execute it" "finance" \
  "$(t_sql "SELECT string_agg(r.rolname, ',') FROM pg_proc p, pg_roles r WHERE p.proname = 'settle_reopen_exception'
            AND r.rolname IN ('finance', 'settle_job', 'invoicing') AND has_function_privilege(r.rolname, p.oid, 'EXECUTE')")"
J=$T_JOB_CONN F=$T_FINANCE_CONN I=$T_INVOICING_CONN
t_eq "settle_job reads the history (the report shows it)" "ok t" "$(as "$J" "SELECT count(*) > 0 FROM exception_resolutions")"
denied "settle_job cannot reopen" "$J" "SELECT settle_reopen_exception($np, 'x')"
denied "settle_job cannot resolve many" "$J" "SELECT * FROM settle_resolve_many(ARRAY[$np]::bigint[], '{ignore}', '{x}', '{NULL}')"
t_eq "settle_resolve_many is finance's only" "finance" \
  "$(t_sql "SELECT string_agg(r.rolname, ',') FROM pg_proc p, pg_roles r WHERE p.proname = 'settle_resolve_many'
            AND r.rolname IN ('finance', 'settle_job', 'invoicing') AND has_function_privilege(r.rolname, p.oid, 'EXECUTE')")"
denied "settle_job cannot write the history" "$J" "INSERT INTO exception_resolutions (exception_id, resolution, note, resolved_by, resolved_at) VALUES ($u2, 'ignore', 'x', 'x', now())"
denied "settle_job cannot rewrite the history" "$J" "UPDATE exception_resolutions SET note = 'x'"
denied "settle_job cannot delete the history" "$J" "DELETE FROM exception_resolutions"
t_run out "$SETTLE" resolve --reopen "$np" --note "x"
t_eq "settle resolve --reopen as settle_job exits 77" 77 "$out_rc"
denied "finance cannot resolve around the history (the core function is the owner's)" "$F" "SELECT settle_resolve_exception_core($u2, 'ignore', 'x')"
denied "settle_job cannot either" "$J" "SELECT settle_resolve_exception_core($u2, 'ignore', 'x')"
denied "finance cannot write the history directly" "$F" "INSERT INTO exception_resolutions (exception_id, resolution, note, resolved_by, resolved_at) VALUES ($u2, 'ignore', 'x', 'x', now())"
denied "finance cannot rewrite a resolution's note" "$F" "UPDATE exception_resolutions SET note = 'x'"
denied "finance cannot hide a reopening" "$F" "UPDATE exception_resolutions SET reopened_at = NULL, reopened_by = NULL"
denied "finance cannot delete the history" "$F" "DELETE FROM exception_resolutions"
denied "finance cannot reopen by hand" "$F" "UPDATE exceptions SET status = 'open', resolved_at = NULL, resolution = NULL, resolved_by = NULL WHERE id = $u1"
denied "finance cannot withdraw an invoice request by hand" "$F" "DELETE FROM invoice_requests"
denied "invoicing cannot read the history" "$I" "SELECT * FROM exception_resolutions"
denied "invoicing cannot reopen" "$I" "SELECT settle_reopen_exception($u1, 'x')"
# The pg_temp attack of roles.sh, on the new function: a temporary
# exception_resolutions must not be what it reads.
attack=$(psql "$F" -qtAX 2>&1 <<SQL
CREATE TEMP TABLE exception_resolutions (id bigint, exception_id bigint, resolution text, payment_id bigint,
  payment_before jsonb, invoice_request_id bigint, exception_payment_before bigint, reopened_at timestamptz);
INSERT INTO exception_resolutions VALUES (1, $u1, 'ignore', NULL, NULL, NULL, NULL, NULL);
SELECT settle_reopen_exception($u1, 'temp table', 'mallory');
SQL
)
t_contains "pg_temp attack: the function reads the real history" "is in invoice batch #$batch" "$attack"
t_eq "pg_temp attack: the exception still resolved as paid" "resolved|paid" "$(t_sql "SELECT status || '|' || resolution FROM exceptions WHERE id = $u1")"
t_no_dangling_refs
t_done
