-- reconcile: the file's settlements in id (= line) order, each with the
-- payments its exact rules find: one row per (settlement, candidate), one
-- row with NULL candidate columns when there is none. With it, the earlier
-- settlement of the same end-to-end id (rule e2e, refunds). Index probes in
-- a nested loop keep the id order, so nothing is sorted.
-- $1 file id; $2, $3 the rule numbers of rc_rule (reconcile/decide.h):
-- RULE_NN_EXACT, RULE_TXID.
-- The candidate's last column describes the settlement that paid the
-- payment, when one did ("format|bank|code|nosso número without zeros|amount
-- paid|kind|txid|occurrence date"), so that a second report of the same
-- money is told from a second payment; the CASE keeps the look-up off the
-- common, pending case. $4, $5: the range of the file's settlement ids
-- (reconcile_claim.sql), so that the primary key is read over this file's
-- ids only, not over every settlement ever ingested.
WITH e AS (SELECT s.id AS sid, min(x.id) AS prior, min(o.payment_id) AS prior_payment
             FROM settlements s JOIN settlements x ON x.end_to_end_id = s.end_to_end_id AND x.id <> s.id
             JOIN settlement_outcomes o ON o.settlement_id = x.id
            WHERE s.id BETWEEN $4::bigint AND $5::bigint AND s.file_id = $1
              AND s.kind IN ('pix', 'pix_refund') AND s.end_to_end_id <> ''
            GROUP BY s.id)
SELECT s.id, s.kind, s.format, coalesce(s.bank_code, ''), coalesce(s.movement_code, ''), s.paid,
       s.amount_paid_cents, s.interest_cents, s.discount_cents, s.rebate_cents, e.prior, e.prior_payment,
       coalesce(s.settled_at, s.credited_on::timestamptz, s.occurred_on::timestamptz),
       coalesce(s.nosso_numero, ''), coalesce(s.seu_numero, ''), coalesce(s.message, ''),
       s.other_credits_cents, coalesce(s.refund_status, ''), coalesce(s.refund_nature, ''),
       coalesce(s.txid, ''), coalesce(s.occurred_on::text, ''),
       c.rule, c.id, c.status, c.amount_cents, c.paid_by_settlement, c.paid_by
  FROM settlements s LEFT JOIN e ON e.sid = s.id
  LEFT JOIN LATERAL (
       SELECT $2::int AS rule, p.id, p.status, p.amount_cents, p.paid_by_settlement,
              CASE WHEN p.paid_by_settlement IS NOT NULL THEN (SELECT concat_ws('|', ps.format,
                   coalesce(ps.bank_code, ''), coalesce(ps.movement_code, ''), coalesce(ltrim(ps.nosso_numero, '0'), ''),
                   ps.amount_paid_cents, ps.kind, coalesce(ps.txid, ''), coalesce(ps.occurred_on::text, ''))
                   FROM settlements ps WHERE ps.id = p.paid_by_settlement) END AS paid_by
         FROM payments p
        WHERE s.kind = 'boleto' AND ltrim(s.nosso_numero, '0') <> '' AND p.method = 'boleto'
          AND p.bank_code = s.bank_code AND ltrim(p.nosso_numero, '0') = ltrim(s.nosso_numero, '0')
       UNION ALL
       SELECT $3::int, p.id, p.status, p.amount_cents, p.paid_by_settlement,
              CASE WHEN p.paid_by_settlement IS NOT NULL THEN (SELECT concat_ws('|', ps.format,
                   coalesce(ps.bank_code, ''), coalesce(ps.movement_code, ''), coalesce(ltrim(ps.nosso_numero, '0'), ''),
                   ps.amount_paid_cents, ps.kind, coalesce(ps.txid, ''), coalesce(ps.occurred_on::text, ''))
                   FROM settlements ps WHERE ps.id = p.paid_by_settlement) END
         FROM payments p
        WHERE s.txid <> '' AND s.kind <> 'pix_refund' AND p.txid = s.txid) c ON true
 WHERE s.id BETWEEN $4::bigint AND $5::bigint AND s.file_id = $1 ORDER BY s.id
