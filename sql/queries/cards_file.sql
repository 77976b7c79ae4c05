-- cards_file: the card records of file $1 in id (= line) order, each with
-- what the ledger already knows about its sale and installment and, for the
-- first record of a sale not yet in the ledger, the payments each card rule
-- finds (one row per candidate; one row with NULL candidate columns when
-- none). Rule numbers are card_rule's (reconcile/cards.h): 1 TID, 2 order
-- reference, 3 NSU + authorization + sale date.
--
-- The sale key, defined here only: 'tid:TID' when the record has a TID,
-- else 'nsu:NSU|AUTHORIZATION|SALE DATE' (NSU and authorization without
-- leading zeros: layouts pad them); nsu_key is that second form whenever
-- the record has it. Installment 0 (a cash sale in Cielo's layout, a
-- whole sale in Rede's) is 1 for the look-ups.
--
-- Payouts by group (columns 30-38): a card_settlement without a sale key
-- is a payout of a group named by acquirer_key (Cielo's D record: a UR,
-- whose E items (payouts and adjustments) in the same file have the same
-- Chave UR and tipo de lançamento; Rede's 034 credit: an RV and installment). For it: how many
-- items of its group the file holds and their net; for an item: how many
-- group records the file holds and whether they brought money; for a group
-- record or adjustment without a sale key: the receivables of its
-- acquirer_key (and installment, when it names one) still open, their net,
-- those already paid, and their payment.
WITH f AS MATERIALIZED (
    SELECT s.*, coalesce(s.card_merchant, '') AS merchant,
           CASE WHEN coalesce(s.card_nsu, '') <> '' AND coalesce(s.card_authorization, '') <> '' AND s.occurred_on IS NOT NULL
                THEN 'nsu:' || ltrim(s.card_nsu, '0') || '|' || ltrim(s.card_authorization, '0') || '|' || s.occurred_on
                ELSE '' END AS nsu_key,
           greatest(coalesce(s.installment, 0), 1) AS inst,
           greatest(coalesce(s.installments, 0), 1) AS insts
      FROM settlements s WHERE s.file_id = $1),
k AS MATERIALIZED (
    SELECT f.*, CASE WHEN coalesce(f.card_tid, '') <> '' THEN 'tid:' || f.card_tid ELSE f.nsu_key END AS sale_key FROM f),
g AS (
    SELECT k.*,
           count(*) FILTER (WHERE k.kind IN ('card_settlement', 'card_adjustment') AND k.sale_key <> '') OVER u AS items,
           coalesce(sum(k.amount_credited_cents)
                        FILTER (WHERE k.kind IN ('card_settlement', 'card_adjustment') AND k.sale_key <> '') OVER u, 0)
               AS items_net,
           count(*) FILTER (WHERE k.kind = 'card_settlement' AND k.sale_key = '') OVER u AS heads,
           coalesce(bool_or(k.paid) FILTER (WHERE k.kind = 'card_settlement' AND k.sale_key = '') OVER u, false)
               AS heads_paid,
           CASE WHEN k.kind = 'card_sale' AND k.sale_key <> '' THEN min(k.id) OVER w END AS first_id,
           CASE WHEN k.kind = 'card_sale' AND k.sale_key <> ''
                THEN greatest(sum(k.amount_face_cents) OVER w, max(k.amount_paid_cents) OVER w) END AS sale_gross
      FROM k WINDOW w AS (PARTITION BY k.kind, k.merchant, k.sale_key),
                    u AS (PARTITION BY k.merchant, coalesce(k.acquirer_key, ''), coalesce(k.movement_code, '')))
SELECT g.id, g.kind, g.format, coalesce(g.card_brand, ''), coalesce(g.adjustment, ''),
       coalesce(g.movement_code, '') = '01',
       g.sale_key, g.nsu_key, g.merchant, coalesce(g.installment, 0), g.inst, g.insts,
       g.amount_face_cents, abs(g.fee_cents), g.amount_credited_cents,
       coalesce(g.first_id, 0), coalesce(g.sale_gross, 0),
       sk.payment_id, sk.known, coalesce(sp.status, ''),
       r.id, coalesce(r.status, ''), r.net_cents, r.paid_by_settlement,
       c.rule, c.id, c.status, c.amount_cents, c.card_installments, c.paid_by_settlement,
       coalesce(g.acquirer_key, ''), g.paid, g.items, g.items_net, g.heads, g.heads_paid,
       gr.open, gr.open_net, gr.paid, gr.payment_id
  FROM g
  LEFT JOIN LATERAL (
       SELECT min(x.payment_id) AS payment_id, count(*) > 0 AS known FROM card_receivables x
        WHERE g.sale_key <> '' AND x.acquirer = g.format AND x.merchant = g.merchant
          AND (x.sale_key = g.sale_key OR (g.nsu_key <> '' AND x.nsu_key = g.nsu_key))) sk ON true
  LEFT JOIN payments sp ON sp.id = sk.payment_id
  LEFT JOIN LATERAL (
       SELECT x.id, x.status, x.net_cents, x.paid_by_settlement FROM card_receivables x
        WHERE g.sale_key <> '' AND x.acquirer = g.format AND x.merchant = g.merchant AND x.installment = g.inst
          AND NOT (g.kind = 'card_adjustment' AND coalesce(g.installment, 0) = 0)
          AND (x.sale_key = g.sale_key OR (g.nsu_key <> '' AND x.nsu_key = g.nsu_key))
        ORDER BY x.sale_key = g.sale_key DESC, x.id LIMIT 1) r ON true
  LEFT JOIN LATERAL (
       SELECT count(*) FILTER (WHERE x.status IN ('expected', 'anticipated')) AS open,
              coalesce(sum(x.net_cents) FILTER (WHERE x.status IN ('expected', 'anticipated')), 0) AS open_net,
              count(*) FILTER (WHERE x.status = 'paid') AS paid, min(x.payment_id) AS payment_id
         FROM card_receivables x
        WHERE g.sale_key = '' AND coalesce(g.acquirer_key, '') <> '' AND x.acquirer = g.format
          AND x.merchant = g.merchant AND x.acquirer_key = g.acquirer_key
          AND (coalesce(g.installment, 0) = 0 OR x.installment = g.installment)) gr ON true
  LEFT JOIN LATERAL (
       SELECT 1 AS rule, p.id, p.status, p.amount_cents, coalesce(p.card_installments, 0) AS card_installments,
              p.paid_by_settlement
         FROM payments p
        WHERE g.kind = 'card_sale' AND g.id = g.first_id AND NOT sk.known AND coalesce(g.card_tid, '') <> ''
          AND p.card_tid = g.card_tid AND p.method = 'card' AND (p.card_acquirer IS NULL OR p.card_acquirer = g.format)
       UNION ALL
       SELECT 2, p.id, p.status, p.amount_cents, coalesce(p.card_installments, 0), p.paid_by_settlement
         FROM payments p
        WHERE g.kind = 'card_sale' AND g.id = g.first_id AND NOT sk.known AND coalesce(g.order_reference, '') <> ''
          AND p.card_order_reference = g.order_reference AND p.method = 'card'
          AND (p.card_acquirer IS NULL OR p.card_acquirer = g.format)
       UNION ALL
       SELECT 3, p.id, p.status, p.amount_cents, coalesce(p.card_installments, 0), p.paid_by_settlement
         FROM payments p
        WHERE g.kind = 'card_sale' AND g.id = g.first_id AND NOT sk.known AND g.nsu_key <> ''
          AND ltrim(p.card_nsu, '0') = ltrim(g.card_nsu, '0')
          AND ltrim(p.card_authorization, '0') = ltrim(g.card_authorization, '0')
          AND (p.card_captured_at AT TIME ZONE 'America/Sao_Paulo')::date = g.occurred_on
          AND p.method = 'card' AND (p.card_acquirer IS NULL OR p.card_acquirer = g.format)) c ON true
 ORDER BY g.id
