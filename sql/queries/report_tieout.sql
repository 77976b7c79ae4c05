-- report_tieout: the daily tie-out per source (bank or PSP) of the files
-- received during day $1 (UTC; NULL: the last day any file arrived), so
-- finance can match each credit on the account statement. The money of the
-- records that carry it is split four ways, which add up to the gross:
-- booked (a payment became paid), in exception (open or resolved), already
-- counted (the same money reported again) and not reconciled yet. Last, the
-- files' own trailer totals where their layout has them (sql/014: titles in
-- cobrança simples and their face value; '' when none reported them).
-- Columns: report/tieout.c, enum T_*.
WITH d AS (SELECT coalesce($1::date, (SELECT max(received_at)::date FROM return_files), current_date) AS day),
     f AS (SELECT f.* FROM return_files f, d
            WHERE f.status <> 'rejected' AND f.received_at >= d.day AND f.received_at < d.day + 1),
     s AS (SELECT f.source, coalesce(f.bank_code, '') AS bank, s.paid, s.amount_paid_cents,
                  s.fee_cents, s.amount_credited_cents, o.outcome, e.status AS xstatus
             FROM f JOIN settlements s ON s.file_id = f.id
             LEFT JOIN settlement_outcomes o ON o.settlement_id = s.id
             LEFT JOIN exceptions e ON e.settlement_id = s.id),
     fs AS (SELECT source, coalesce(bank_code, '') AS bank, count(*) AS files,
                   coalesce(sum(records), 0) AS records, sum(duplicates) AS duplicates,
                   sum(trailer_titles) AS trailer_titles, sum(trailer_cents) AS trailer_cents
              FROM f GROUP BY 1, 2)
SELECT to_char((SELECT day FROM d), 'YYYY-MM-DD'), fs.source, fs.bank, fs.files, fs.records, fs.duplicates,
       count(s.paid) FILTER (WHERE s.paid),
       coalesce(sum(s.amount_paid_cents) FILTER (WHERE s.paid), 0),
       coalesce(sum(s.fee_cents), 0),
       coalesce(sum(s.amount_credited_cents) FILTER (WHERE s.paid), 0),
       count(*) FILTER (WHERE s.paid AND s.outcome = 'paid'),
       coalesce(sum(s.amount_paid_cents) FILTER (WHERE s.paid AND s.outcome = 'paid'), 0),
       count(*) FILTER (WHERE s.paid AND s.outcome = 'exception'),
       coalesce(sum(s.amount_paid_cents) FILTER (WHERE s.paid AND s.outcome = 'exception'), 0),
       coalesce(sum(s.amount_paid_cents) FILTER (WHERE s.paid AND s.outcome NOT IN ('paid', 'exception')), 0),
       coalesce(sum(s.amount_paid_cents) FILTER (WHERE s.paid AND s.outcome IS NULL), 0),
       count(*) FILTER (WHERE s.xstatus = 'open'),
       coalesce(sum(s.amount_paid_cents) FILTER (WHERE s.xstatus = 'open'), 0),
       coalesce(fs.trailer_titles::text, ''), coalesce(fs.trailer_cents::text, '')
  FROM fs
  LEFT JOIN s ON s.source = fs.source AND s.bank = fs.bank
 GROUP BY fs.source, fs.bank, fs.files, fs.records, fs.duplicates, fs.trailer_titles, fs.trailer_cents
 ORDER BY fs.source, fs.bank
