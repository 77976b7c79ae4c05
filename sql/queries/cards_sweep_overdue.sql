-- cards_sweep_overdue: RECEIVABLE_OVERDUE for every installment still
-- expected $1 days after its payment date (anticipated, sold, pledged,
-- canceled and paid ones are not expected); once per installment (the
-- sale record's exception; ON CONFLICT: already raised, open or resolved).
INSERT INTO exceptions (reason, settlement_id, payment_id, expected_cents, paid_cents, file_id, line, detail)
SELECT 'RECEIVABLE_OVERDUE', r.sale_settlement_id, r.payment_id, r.net_cents, 0, s.file_id, s.line,
       format('installment %s/%s of %s (%s), %s cents net expected on %s: not paid', r.installment, r.installments,
              r.acquirer, r.sale_key, r.net_cents, r.expected_on)
  FROM card_receivables r JOIN settlements s ON s.id = r.sale_settlement_id
 WHERE r.status = 'expected' AND r.expected_on < current_date - $1::int
 ORDER BY r.id
ON CONFLICT (settlement_id, reason) DO NOTHING
