-- ingest, fast path: every record of the file straight into settlements (COPY
-- text, the columns of record_row() in ingest/db.c).
COPY settlements (file_id, line, format, bank_code, kind, movement_code, paid, nosso_numero, seu_numero, txid, end_to_end_id,
 refund_id, refund_status, amount_face_cents, amount_paid_cents, amount_credited_cents, interest_cents, discount_cents,
 rebate_cents, fee_cents, iof_cents, occurred_on, credited_on, due_on, settled_at, payer_doc, payer_name, message,
 natural_key, other_credits_cents, refund_nature, card_merchant, card_tid, card_nsu, card_authorization, card_brand, order_reference, acquirer_key, adjustment,
 installment, installments) FROM STDIN
