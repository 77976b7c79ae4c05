-- cards_lock: lock, in id order, every payment the card rules may find for
-- the card sales of file $1 (TID, order reference, NSU + authorization +
-- sale date), before cards_file reads them: a payment decided paid cannot
-- change under the decision. Returns how many were locked.
WITH s AS MATERIALIZED (
    SELECT format, card_tid, order_reference, ltrim(card_nsu, '0') AS nsu, ltrim(card_authorization, '0') AS auth,
           occurred_on
      FROM settlements WHERE file_id = $1 AND kind = 'card_sale'),
l AS (
    SELECT p.id FROM payments p
     WHERE p.method = 'card' AND p.status = 'pending'
       AND (p.card_tid IN (SELECT card_tid FROM s WHERE card_tid <> '')
            OR p.card_order_reference IN (SELECT order_reference FROM s WHERE order_reference <> '')
            OR (ltrim(p.card_nsu, '0'), ltrim(p.card_authorization, '0'))
               IN (SELECT nsu, auth FROM s WHERE nsu <> '' AND auth <> ''))
     ORDER BY p.id FOR UPDATE)
SELECT count(*) FROM l
