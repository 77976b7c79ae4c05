-- demo-seed.sql - a realistic set of pending payments for `make demo`.
-- Deterministic (setseed), so the demo bank files can be built to match.
-- 240 boletos across five banks and 120 Pix charges; a few already paid,
-- canceled or expired, as a real payments table has.
SELECT setseed(0.42);

CREATE FUNCTION pg_temp.cpf(n bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    base text := lpad((n % 1000000000)::text, 9, '0');
    s int := 0; d1 int; d2 int;
BEGIN
    FOR i IN 1..9 LOOP s := s + substr(base, i, 1)::int * (11 - i); END LOOP;
    d1 := CASE WHEN s % 11 < 2 THEN 0 ELSE 11 - s % 11 END;
    s := 0;
    FOR i IN 1..9 LOOP s := s + substr(base, i, 1)::int * (12 - i); END LOOP;
    s := s + d1 * 2;
    d2 := CASE WHEN s % 11 < 2 THEN 0 ELSE 11 - s % 11 END;
    RETURN base || d1 || d2;
END $$;

WITH names AS (
    SELECT ARRAY['Ana Souza', 'Bruno Lima', 'Carla Mendes', 'Diego Alves', 'Elisa Rocha',
                 'Fábio Nunes', 'Gabriela Dias', 'Hugo Martins', 'Íris Campos', 'João Pereira',
                 'Karina Teixeira', 'Luís Barbosa', 'Marina Costa', 'Nélson Araújo', 'Olívia Freitas',
                 'Paulo Ribeiro', 'Quitéria Santos', 'Rafael Gomes', 'Sofia Carvalho', 'Tiago Moreira'] AS n
), banks AS (
    SELECT ARRAY['001', '033', '104', '237', '341'] AS b
)
INSERT INTO payments (id, order_id, method, amount_cents, due_on, status, bank_code, nosso_numero,
                      txid, customer_doc, customer_name, created_at)
SELECT i,
       'PED-' || (100000 + i),
       CASE WHEN i <= 240 THEN 'boleto' ELSE 'pix' END,
       (1990 + floor(random() * 250000))::bigint,
       DATE '2026-11-20' + (i % 10),
       CASE WHEN i % 50 = 7 THEN 'canceled' WHEN i % 50 = 13 THEN 'expired' ELSE 'pending' END,
       CASE WHEN i <= 240 THEN (SELECT b[1 + (i % 5)] FROM banks) END,
       CASE WHEN i <= 240 THEN lpad((2026000 + i)::text, 10, '0') END,
       CASE WHEN i > 240 THEN 'COMEX' || lpad(i::text, 10, '0') || 'PIXCOB' || lpad((i * 7919)::text, 9, '0') END,
       pg_temp.cpf(123456000 + i * 37),
       (SELECT n[1 + (i % 20)] FROM names),
       TIMESTAMPTZ '2026-11-18 09:00:00-03' + i * interval '7 minutes'
FROM generate_series(1, 360) AS i;
