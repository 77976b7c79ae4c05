-- cards_apply_marks: anticipations, receivables sold or pledged to a third
-- party, and cancellations of card file $1 mark the receivables still
-- expected (one installment, every installment of the sale, or, for a
-- record without a sale key, those of its acquirer_key), so that
-- they are no longer expected in the store's account.
UPDATE card_receivables r
   SET status = CASE d.action WHEN 'anticipated' THEN 'anticipated' WHEN 'negotiated' THEN 'negotiated'
                ELSE 'canceled' END,
       changed_by_settlement = d.settlement_id
  FROM card_dec d JOIN settlements s ON s.id = d.settlement_id
 WHERE s.file_id = $1 AND d.action IN ('anticipated', 'negotiated', 'canceled') AND r.status = 'expected'
   AND r.acquirer = d.acquirer AND r.merchant = d.merchant
   AND (r.id = d.receivable_id
        OR (d.receivable_id IS NULL AND d.sale_key <> ''
            AND (r.sale_key = d.sale_key OR (d.nsu_key <> '' AND r.nsu_key = d.nsu_key)))
        OR (d.receivable_id IS NULL AND d.sale_key = '' AND r.acquirer_key = d.acquirer_key
            AND (d.installment = 0 OR r.installment = d.installment)))
