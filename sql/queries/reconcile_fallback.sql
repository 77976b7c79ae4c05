-- reconcile: the candidates of the fallback keys in rc_keys, locked FOR
-- UPDATE in id order. Returns sid, rule, then the candidate columns of
-- reconcile_file.sql. $1, $2, $3: the rule numbers RULE_NN_DV, RULE_SEU_REF,
-- RULE_PIX_REF (reconcile/decide.h). $4: the file's id.
-- This query runs on the main connection after the file's first payments
-- may already be paid (the pipelined apply, reconcile/engine.c): a payment
-- paid by a settlement of this very file was pending, unpaid, when the
-- file's candidates were read, and is returned as it was then (status
-- 'pending', no paying settlement), so that every settlement is decided on
-- the same view of the payments. Only this transaction can have paid one:
-- the file is claimed, and its settlements have no exception yet to resolve.
WITH c AS (SELECT k.sid, k.rule, p.id, p.status, p.amount_cents, p.paid_by_settlement
             FROM rc_keys k JOIN payments p
               ON p.method = 'boleto' AND p.bank_code = k.bank AND ltrim(p.nosso_numero, '0') = k.key
            WHERE k.rule = $1::int ORDER BY p.id FOR UPDATE OF p),
d AS (SELECT k.sid, k.rule, p.id, p.status, p.amount_cents, p.paid_by_settlement
        FROM rc_keys k JOIN payments p ON p.order_id = k.key
       WHERE k.rule IN ($2::int, $3::int) ORDER BY p.id FOR UPDATE OF p),
cd AS (SELECT * FROM c UNION ALL SELECT * FROM d)
SELECT cd.sid, cd.rule, cd.id,
       CASE WHEN ps.file_id = $4::bigint THEN 'pending' ELSE cd.status END,
       cd.amount_cents,
       CASE WHEN ps.file_id = $4::bigint THEN NULL ELSE cd.paid_by_settlement END,
       CASE WHEN ps.file_id <> $4::bigint THEN concat_ws('|', ps.format,
            coalesce(ps.bank_code, ''), coalesce(ps.movement_code, ''), coalesce(ltrim(ps.nosso_numero, '0'), ''),
            ps.amount_paid_cents, ps.kind, coalesce(ps.txid, ''), coalesce(ps.occurred_on::text, '')) END
  FROM cd LEFT JOIN settlements ps ON ps.id = cd.paid_by_settlement
