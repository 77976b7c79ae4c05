-- report_open: the exceptions open at the end of day $1 (created before the
-- day ended, not resolved by then), with everything finance needs to act on
-- one: payment, order, customer, method, bank, keys (nosso número, txid,
-- end-to-end id), dates, amounts (expected, paid, fee, credited), file:line.
-- $1 = the day (YYYY-MM-DD, UTC). Columns: report/report.c, enum X_*.
SELECT e.id, e.reason, to_char(e.created_at, 'YYYY-MM-DD'), $1::date - e.created_at::date,
       coalesce(p.customer_name, s.payer_name, ''), coalesce(p.customer_doc, s.payer_doc, ''),
       coalesce(p.order_id, ''), coalesce(e.payment_id::text, ''),
       coalesce(e.expected_cents, p.amount_cents), coalesce(e.paid_cents, s.amount_paid_cents),
       coalesce(s.bank_code, f.bank_code, s.format, ''), coalesce(f.name, ''), e.line, coalesce(e.detail, ''),
       coalesce(p.method, CASE WHEN s.kind = 'boleto' THEN 'boleto' WHEN s.kind LIKE 'card%' THEN 'card' ELSE 'pix' END),
       coalesce(nullif(s.nosso_numero, ''), p.nosso_numero, ''),
       coalesce(nullif(s.txid, ''), p.txid, ''), coalesce(s.end_to_end_id, ''),
       coalesce(to_char(coalesce(p.due_on, s.due_on), 'YYYY-MM-DD'), ''),
       coalesce(to_char(coalesce(s.occurred_on, (s.settled_at AT TIME ZONE 'America/Sao_Paulo')::date), 'YYYY-MM-DD'), ''),
       coalesce(to_char(s.credited_on, 'YYYY-MM-DD'), ''),
       s.fee_cents, s.amount_credited_cents, coalesce(f.source, '')
  FROM exceptions e
  LEFT JOIN settlements s ON s.id = e.settlement_id   -- CARD_SALE_MISSING has no settlement nor file
  LEFT JOIN return_files f ON f.id = e.file_id
  LEFT JOIN payments p ON p.id = e.payment_id
 WHERE e.created_at < $1::date + 1 AND (e.status = 'open' OR e.resolved_at >= $1::date + 1)
 ORDER BY e.created_at, e.id
