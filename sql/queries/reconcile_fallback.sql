-- reconcile: the candidates of the fallback keys in rc_keys, locked FOR
-- UPDATE in id order. Returns sid, rule, then the candidate columns of
-- reconcile_file.sql. $1, $2, $3: the rule numbers RULE_NN_DV, RULE_SEU_REF,
-- RULE_PIX_REF (reconcile/decide.h).
WITH c AS (SELECT k.sid, k.rule, p.id, p.status, p.amount_cents, p.paid_by_settlement
             FROM rc_keys k JOIN payments p
               ON p.method = 'boleto' AND p.bank_code = k.bank AND ltrim(p.nosso_numero, '0') = k.key
            WHERE k.rule = $1::int ORDER BY p.id FOR UPDATE OF p),
d AS (SELECT k.sid, k.rule, p.id, p.status, p.amount_cents, p.paid_by_settlement
        FROM rc_keys k JOIN payments p ON p.order_id = k.key
       WHERE k.rule IN ($2::int, $3::int) ORDER BY p.id FOR UPDATE OF p),
cd AS (SELECT * FROM c UNION ALL SELECT * FROM d)
SELECT cd.sid, cd.rule, cd.id, cd.status, cd.amount_cents, cd.paid_by_settlement,
       CASE WHEN cd.paid_by_settlement IS NOT NULL THEN (SELECT concat_ws('|', ps.format,
            coalesce(ps.bank_code, ''), coalesce(ps.movement_code, ''), coalesce(ltrim(ps.nosso_numero, '0'), ''),
            ps.amount_paid_cents, ps.kind, coalesce(ps.txid, ''), coalesce(ps.occurred_on::text, ''))
            FROM settlements ps WHERE ps.id = cd.paid_by_settlement) END
  FROM cd
