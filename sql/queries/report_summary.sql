-- report_summary: the day's counts, one row. $1 = the day (UTC).
-- Columns: report/report.c, enum S_*.
WITH f AS (SELECT id, status FROM return_files WHERE received_at >= $1::date AND received_at < $1::date + 1),
     s AS (SELECT s.* FROM settlements s JOIN f ON f.id = s.file_id)
SELECT (SELECT count(*) FROM f),
       (SELECT count(*) FROM f WHERE status = 'rejected'),
       (SELECT count(*) FROM s),
       (SELECT coalesce(sum(amount_paid_cents), 0) FROM s WHERE paid),
       (SELECT count(*) FROM settlement_outcomes WHERE outcome = 'paid'
           AND decided_at >= $1::date AND decided_at < $1::date + 1),
       (SELECT coalesce(sum(coalesce(o.paid_cents, s.amount_paid_cents)), 0)
          FROM settlement_outcomes o JOIN settlements s ON s.id = o.settlement_id
         WHERE o.outcome = 'paid' AND o.decided_at >= $1::date AND o.decided_at < $1::date + 1),
       (SELECT count(*) FROM exceptions WHERE created_at >= $1::date AND created_at < $1::date + 1),
       (SELECT count(*) FROM exceptions WHERE resolved_at >= $1::date AND resolved_at < $1::date + 1)
