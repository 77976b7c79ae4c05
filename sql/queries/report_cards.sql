-- report_cards: the card section of the finance report for day $1, per
-- acquirer: installments to receive and overdue (still expected, by their
-- date), anticipated or sold/pledged, paid; fees charged against the
-- contract (installments with a contracted rate); chargebacks still open.
-- Rows: acquirer, item, count, cents (item order is the report's).
SELECT acquirer, item, n, cents FROM (
    SELECT acquirer, 1 AS o, 'due' AS item, count(*) AS n, coalesce(sum(net_cents), 0) AS cents
      FROM card_receivables WHERE status = 'expected' AND expected_on >= $1::date GROUP BY acquirer
    UNION ALL
    SELECT acquirer, 2, 'overdue', count(*), coalesce(sum(net_cents), 0)
      FROM card_receivables WHERE status = 'expected' AND expected_on < $1::date GROUP BY acquirer
    UNION ALL
    SELECT acquirer, 3, 'anticipated', count(*), coalesce(sum(net_cents), 0)
      FROM card_receivables WHERE status IN ('anticipated', 'negotiated') GROUP BY acquirer
    UNION ALL
    SELECT acquirer, 4, 'paid', count(*), coalesce(sum(paid_cents), 0)
      FROM card_receivables WHERE status = 'paid' GROUP BY acquirer
    UNION ALL
    SELECT acquirer, 5, 'fee_charged', count(*), coalesce(sum(fee_cents), 0)
      FROM card_receivables WHERE contract_fee_cents IS NOT NULL GROUP BY acquirer
    UNION ALL
    SELECT acquirer, 6, 'fee_contract', count(*), coalesce(sum(contract_fee_cents), 0)
      FROM card_receivables WHERE contract_fee_cents IS NOT NULL GROUP BY acquirer
    UNION ALL
    SELECT s.format, 7, 'chargeback', count(*), coalesce(sum(abs(e.paid_cents)), 0)
      FROM exceptions e JOIN settlements s ON s.id = e.settlement_id
     WHERE e.reason = 'CHARGEBACK' AND e.created_at < $1::date + 1
       AND (e.status = 'open' OR e.resolved_at >= $1::date + 1)
     GROUP BY s.format) x
 ORDER BY acquirer, o
