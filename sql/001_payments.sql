-- 001_payments.sql - the payments service's own table.
--
-- Other tools (the store, the payments API) rely on these column names
-- exactly. Status moves pending -> paid exactly once (the settlement that did
-- it is recorded by the reconciliation migration); canceled/expired payments
-- never become paid automatically.
CREATE TABLE payments (
    id            bigint PRIMARY KEY,
    order_id      text   NOT NULL,
    method        text   NOT NULL CHECK (method IN ('boleto', 'pix', 'card')),
    amount_cents  bigint NOT NULL CHECK (amount_cents > 0),
    due_on        date,
    status        text   NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'paid', 'canceled', 'expired', 'refunded')),
    bank_code     text   CHECK (bank_code ~ '^[0-9]{3}$'),
    nosso_numero  text   CHECK (nosso_numero ~ '^[0-9]{1,20}$'),
    txid          text   CHECK (txid ~ '^[A-Za-z0-9]{1,35}$'),
    customer_doc  text   CHECK (customer_doc ~ '^([0-9]{11}|[0-9]{14})$'),
    customer_name text,
    created_at    timestamptz DEFAULT now(),
    paid_at       timestamptz,
    paid_cents    bigint CHECK (paid_cents >= 0),
    -- a boleto is identified at its bank by (bank_code, nosso_numero)
    CONSTRAINT payments_boleto_keys CHECK (method <> 'boleto' OR (bank_code IS NOT NULL AND nosso_numero IS NOT NULL)),
    CONSTRAINT payments_paid_has_when CHECK (status NOT IN ('paid', 'refunded') OR (paid_at IS NOT NULL AND paid_cents IS NOT NULL))
);

-- Boleto matching compares nosso numero as digits without leading zeros.
-- Not unique: two convênios at one bank may issue the same number, and the
-- reconciler must then see both candidates (AMBIGUOUS_MATCH), never pick one.
CREATE INDEX payments_boleto_match ON payments (bank_code, (ltrim(nosso_numero, '0')))
    WHERE method = 'boleto';

-- A txid identifies one charge at the receiving PSP (BACEN API Pix).
CREATE UNIQUE INDEX payments_txid_key ON payments (txid) WHERE txid IS NOT NULL;

-- Fallback matching by an order reference found in seu numero or a Pix message.
CREATE INDEX payments_order_id ON payments (order_id);

CREATE INDEX payments_pending ON payments (method) WHERE status = 'pending';
