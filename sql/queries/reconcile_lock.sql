-- reconcile, locking mode: the file's exact candidates (the payments
-- reconcile_file.sql finds), locked FOR UPDATE before they are read. Each
-- arm locks its payments in id order, so two processes meet on a payment in
-- the same order; a rare deadlock across arms is retried. $1 file id, $2 and
-- $3 the range of its settlement ids (reconcile_claim.sql).
WITH s AS MATERIALIZED (
  SELECT id, kind, coalesce(bank_code, '') AS bank_code, ltrim(nosso_numero, '0') AS nn, txid
    FROM settlements WHERE id BETWEEN $2::bigint AND $3::bigint AND file_id = $1),
a AS (SELECT p.id FROM s JOIN payments p
        ON p.method = 'boleto' AND p.bank_code = s.bank_code AND ltrim(p.nosso_numero, '0') = s.nn
       WHERE s.kind = 'boleto' AND s.nn <> '' ORDER BY p.id FOR UPDATE OF p),
b AS (SELECT p.id FROM s JOIN payments p ON p.txid = s.txid
       WHERE s.txid <> '' AND s.kind <> 'pix_refund' ORDER BY p.id FOR UPDATE OF p)
SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b)
