-- 013_cards.sql - card settlements (issue 20): card keys on payments, card
-- records in settlements, the receivables ledger, the card exception reasons,
-- and the hardening of 009 extended to what "money arrived" means for a card.
--
-- payments.card_*: the store's contract (docs/cards.md). The checkout writes
--   them when the acquirer approves and captures a card payment; settle reads
--   them to match the acquirer's files (TID, then the order reference, then
--   NSU + authorization code + capture date) and never changes them.
-- settlements: the card columns of a Cielo / Rede record (parsers/record.h).
-- card_receivables: one row per installment of a sale the acquirer confirmed:
--   what it expects to pay (net) and when, and what happened to it (paid by a
--   payout, anticipated, sold or pledged to a third party, canceled).
-- exceptions: the card reasons; CARD_SALE_MISSING (a capture no acquirer
--   reported) is about a payment and has no settlement, so settlement_id,
--   file_id and line may be NULL for it and only for it; a settlement may
--   carry one exception per reason (an installment with a fee mismatch may
--   later be overdue too).
--
-- "Money arrived" for a card (docs/reconciliation.md, "Cards"): the
-- acquirer's confirmed sale (a card_sale record of its sales file, gross > 0)
-- is the acquirer's debt to the store, registered as receivables, and makes
-- the payment paid; the cash comes later, installment by installment, into
-- the receivables, not into the payment. So the trigger of 009 now allows a
-- payment to become paid by EITHER a settlement that brought money (as
-- before) OR a card_sale settlement, and then only when the payment is a
-- card payment and the receivables of that sale are recorded for it; never
-- by a payout, an adjustment (cancellation, chargeback) or a card sale for a
-- boleto or Pix payment.

-- 1. card keys on payments -----------------------------------------------------
ALTER TABLE payments
    ADD COLUMN card_acquirer text CHECK (card_acquirer IN ('cielo', 'rede')),
    ADD COLUMN card_merchant text CHECK (card_merchant ~ '^[0-9]{1,20}$'),     -- Cielo EC / Rede PV
    ADD COLUMN card_tid text CHECK (card_tid ~ '^[A-Za-z0-9]{1,40}$'),
    ADD COLUMN card_order_reference text CHECK (length(card_order_reference) BETWEEN 1 AND 40),
    ADD COLUMN card_nsu text CHECK (card_nsu ~ '^[0-9]{1,20}$'),
    ADD COLUMN card_authorization text CHECK (card_authorization ~ '^[A-Za-z0-9]{1,12}$'),
    ADD COLUMN card_brand text CHECK (card_brand ~ '^[a-z0-9_]{1,15}$'),        -- visa, mastercard, elo, ...
    ADD COLUMN card_bin text CHECK (card_bin ~ '^[0-9]{6,8}$'),
    ADD COLUMN card_last4 text CHECK (card_last4 ~ '^[0-9]{4}$'),
    ADD COLUMN card_installments smallint CHECK (card_installments BETWEEN 1 AND 99),
    ADD COLUMN card_captured_cents bigint CHECK (card_captured_cents > 0),
    ADD COLUMN card_captured_at timestamptz,
    ADD CONSTRAINT payments_card_keys CHECK (method = 'card' OR (card_acquirer IS NULL AND card_tid IS NULL
        AND card_order_reference IS NULL AND card_nsu IS NULL AND card_authorization IS NULL
        AND card_captured_at IS NULL));
CREATE INDEX payments_card_tid ON payments (card_tid) WHERE card_tid IS NOT NULL;
CREATE INDEX payments_card_order_ref ON payments (card_order_reference) WHERE card_order_reference IS NOT NULL;
CREATE INDEX payments_card_nsu ON payments (card_nsu, card_authorization) WHERE card_nsu IS NOT NULL;
CREATE INDEX payments_card_captured ON payments (card_captured_at) WHERE method = 'card' AND status = 'pending';

-- 2. card records --------------------------------------------------------------
ALTER TABLE return_files DROP CONSTRAINT return_files_format_check;
ALTER TABLE return_files ADD CONSTRAINT return_files_format_check
    CHECK (format IN ('cnab240', 'cnab400', 'pix-csv', 'pix-api', 'pix-psp', 'cielo', 'rede'));
ALTER TABLE settlements DROP CONSTRAINT settlements_kind_check;
ALTER TABLE settlements ADD CONSTRAINT settlements_kind_check
    CHECK (kind IN ('boleto', 'pix', 'pix_refund', 'card_sale', 'card_settlement', 'card_adjustment'));
ALTER TABLE settlements
    ADD COLUMN card_merchant text,
    ADD COLUMN card_tid text,
    ADD COLUMN card_nsu text,
    ADD COLUMN card_authorization text,
    ADD COLUMN card_brand text,
    ADD COLUMN order_reference text,
    ADD COLUMN acquirer_key text,          -- Cielo Chave UR / Rede RV or resumo
    ADD COLUMN adjustment text,            -- card_adjustment: cancel | chargeback | chargeback_reversal | anticipation | negotiated | other
    ADD COLUMN installment smallint,
    ADD COLUMN installments smallint;
CREATE INDEX settlements_card_tid ON settlements (card_tid) WHERE card_tid IS NOT NULL;

-- 3. the receivables ledger ------------------------------------------------------
-- sale_key names the sale at its acquirer: 'tid:TID' for e-commerce, else
-- 'nsu:NSU|AUTHORIZATION|SALE DATE'; nsu_key is the second form whenever the
-- record has it, so that a payout naming the sale by NSU finds a sale the
-- sales file named by TID (one definition: sql/queries/cards_file.sql).
-- Written by reconcile only; the amounts never change once written.
CREATE TABLE card_receivables (
    id                 bigserial PRIMARY KEY,
    acquirer           text NOT NULL CHECK (acquirer IN ('cielo', 'rede')),
    merchant           text NOT NULL,
    sale_key           text NOT NULL CHECK (sale_key <> ''),
    nsu_key            text,
    installment        smallint NOT NULL CHECK (installment BETWEEN 1 AND 99),
    installments       smallint NOT NULL CHECK (installments BETWEEN 1 AND 99 AND installment <= installments),
    payment_id         bigint REFERENCES payments (id),   -- NULL: a sale the store does not know (UNKNOWN_PAYMENT)
    sale_settlement_id bigint NOT NULL REFERENCES settlements (id),
    brand              text,
    sale_on            date,
    gross_cents        bigint NOT NULL CHECK (gross_cents > 0),
    fee_cents          bigint NOT NULL,
    net_cents          bigint NOT NULL,
    contract_fee_cents bigint,                            -- from [card_fee NAME]; NULL when no rate applies
    expected_on        date,
    acquirer_key       text,
    status             text NOT NULL DEFAULT 'expected'
                       CHECK (status IN ('expected', 'paid', 'anticipated', 'negotiated', 'canceled')),
    paid_by_settlement bigint REFERENCES settlements (id),
    paid_cents         bigint,
    paid_on            date,
    changed_by_settlement bigint REFERENCES settlements (id), -- the adjustment that anticipated, negotiated or canceled it
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (acquirer, merchant, sale_key, installment),
    CHECK ((status = 'paid') = (paid_by_settlement IS NOT NULL AND paid_cents IS NOT NULL))
);
CREATE INDEX card_receivables_payment ON card_receivables (payment_id);
CREATE INDEX card_receivables_sale ON card_receivables (sale_settlement_id);
CREATE INDEX card_receivables_nsu ON card_receivables (acquirer, merchant, nsu_key) WHERE nsu_key IS NOT NULL;
CREATE INDEX card_receivables_key ON card_receivables (acquirer, acquirer_key) WHERE acquirer_key IS NOT NULL;
CREATE INDEX card_receivables_expected ON card_receivables (expected_on) WHERE status = 'expected';

-- 4. the card exception reasons --------------------------------------------------
ALTER TABLE exceptions DROP CONSTRAINT exceptions_reason_check;
ALTER TABLE exceptions ADD CONSTRAINT exceptions_reason_check
    CHECK (reason IN ('UNKNOWN_PAYMENT', 'UNDERPAID', 'OVERPAID', 'DUPLICATE_PAYMENT', 'PAYMENT_NOT_PENDING',
                      'AMBIGUOUS_MATCH', 'BANK_REJECTED', 'PIX_REFUND', 'CHEQUE_RETURNED',
                      'LIQUIDATION_UNCONFIRMED', 'LIQUIDATION_REVERSED', 'PIX_REFUND_MED',
                      'CARD_SALE_MISSING', 'FEE_MISMATCH', 'RECEIVABLE_OVERDUE', 'PAYOUT_MISMATCH',
                      'CARD_CANCELED', 'CHARGEBACK', 'CHARGEBACK_REVERSED'));
ALTER TABLE exceptions ALTER COLUMN settlement_id DROP NOT NULL,
                       ALTER COLUMN file_id DROP NOT NULL,
                       ALTER COLUMN line DROP NOT NULL;
ALTER TABLE exceptions ADD CONSTRAINT exceptions_settlement_or_missing
    CHECK ((settlement_id IS NOT NULL AND file_id IS NOT NULL AND line IS NOT NULL)
           OR (reason = 'CARD_SALE_MISSING' AND settlement_id IS NULL AND payment_id IS NOT NULL));
ALTER TABLE exceptions DROP CONSTRAINT exceptions_settlement_id_key;
ALTER TABLE exceptions ADD CONSTRAINT exceptions_settlement_reason UNIQUE (settlement_id, reason);
CREATE UNIQUE INDEX exceptions_card_sale_missing ON exceptions (payment_id) WHERE reason = 'CARD_SALE_MISSING';

-- 5. grants -------------------------------------------------------------------------
GRANT SELECT, INSERT ON card_receivables TO settle_job;
GRANT UPDATE (status, paid_by_settlement, paid_cents, paid_on, changed_by_settlement, payment_id)
    ON card_receivables TO settle_job;
GRANT USAGE, SELECT ON SEQUENCE card_receivables_id_seq TO settle_job;
GRANT SELECT ON card_receivables TO finance;

-- 6. hardening: payments paid by a card sale ----------------------------------------
-- As 009, plus the card sale: a card payment may become paid by a card_sale
-- settlement with a gross amount whose receivables are recorded for it.
CREATE OR REPLACE FUNCTION settle_check_payments() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE bad record;
BEGIN
    IF NOT public.settle_restricted() THEN
        RETURN NULL;
    END IF;
    SELECT o.id, o.status AS was INTO bad
      FROM settle_old o
     WHERE o.status <> 'pending' OR o.paid_by_settlement IS NOT NULL
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('permission denied: payment #%s is %s; only a pending payment may be marked paid', bad.id, bad.was);
    END IF;
    SELECT n.id, n.status AS now, n.paid_by_settlement AS sid, s.kind INTO bad
      FROM settle_new n
      LEFT JOIN public.settlements s ON s.id = n.paid_by_settlement
     WHERE NOT (n.status = 'paid' AND s.id IS NOT NULL AND n.paid_cents > 0 AND n.paid_at IS NOT NULL
                AND ((s.kind NOT IN ('card_sale', 'card_settlement', 'card_adjustment') AND s.paid AND s.amount_paid_cents > 0)
                     OR (s.kind = 'card_sale' AND n.method = 'card' AND s.amount_face_cents > 0
                         AND EXISTS (SELECT 1 FROM public.card_receivables r
                                      WHERE r.sale_settlement_id = s.id AND r.payment_id = n.id))))
           IS NOT FALSE
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('permission denied: payment #%s may only become paid by a settlement that brought money'
                             ' or, for a card payment, by the acquirer''s confirmed sale with its receivables'
                             ' (now %s, settlement %s, %s)',
                             bad.id, bad.now, coalesce(bad.sid::text, 'none'), coalesce(bad.kind, 'no settlement'));
    END IF;
    RETURN NULL;
END
$$;

-- card_receivables: expected -> paid | anticipated | negotiated | canceled,
-- once; anticipated -> paid (the anticipated payout) too. The amounts,
-- keys and sale never change (no UPDATE grant on them); payment_id only from
-- NULL to a payment (finance resolving an UNKNOWN_PAYMENT sale goes through
-- settle_resolve_exception, which runs as the owner).
CREATE FUNCTION settle_check_card_receivables() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NOT public.settle_restricted() THEN
        RETURN NEW;
    END IF;
    IF NOT ((OLD.status = NEW.status AND OLD.paid_by_settlement IS NOT DISTINCT FROM NEW.paid_by_settlement
             AND OLD.paid_cents IS NOT DISTINCT FROM NEW.paid_cents
             AND OLD.changed_by_settlement IS NOT DISTINCT FROM NEW.changed_by_settlement)
            OR (OLD.status = 'expected' AND NEW.status <> 'expected')
            OR (OLD.status = 'anticipated' AND NEW.status = 'paid'))
       OR (OLD.payment_id IS NOT NULL AND NEW.payment_id IS DISTINCT FROM OLD.payment_id) THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('permission denied: receivable #%s cannot go from %s to %s (expected -> paid, anticipated,'
                             ' negotiated or canceled, once; its payment is set once)', OLD.id, OLD.status, NEW.status);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER card_receivables_transitions BEFORE UPDATE ON card_receivables
    FOR EACH ROW EXECUTE FUNCTION settle_check_card_receivables();

-- 7. settle_resolve_exception: as in 009, plus cards ----------------------------------
-- An exception without a settlement (CARD_SALE_MISSING) can be resolved; the
-- card reasons about money that did not come or went back (a missing sale,
-- an overdue installment, a payout that does not add up, a cancellation, a
-- chargeback or its reversal, a fee difference) never make a payment paid;
-- a card sale the store did not recognise (UNKNOWN_PAYMENT, UNDERPAID,
-- OVERPAID of a card_sale) may, being the acquirer's confirmed sale, and its
-- receivables then belong to that payment.
CREATE OR REPLACE FUNCTION public.settle_resolve_exception(p_id bigint, p_as text, p_note text,
                                                           p_payment bigint DEFAULT NULL, p_by text DEFAULT NULL,
                                                           p_accept_difference boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    x    record;
    pay  bigint;
    pst  text;
    pamt bigint;
    pmet text;
    card boolean;
    who  text := coalesce(nullif(p_by, ''), session_user::text);
BEGIN
    IF p_as IS NULL OR p_as NOT IN ('paid', 'refund', 'ignore') THEN
        RAISE EXCEPTION USING ERRCODE = 'SR001',
            MESSAGE = format('resolution: expected paid, refund or ignore, found %s', coalesce(p_as, 'nothing'));
    END IF;
    IF p_note IS NULL OR p_note = '' THEN
        RAISE EXCEPTION USING ERRCODE = 'SR001', MESSAGE = 'a note is required: say why';
    END IF;
    IF p_payment IS NOT NULL AND p_as <> 'paid' THEN
        RAISE EXCEPTION USING ERRCODE = 'SR001', MESSAGE = 'a payment goes with the resolution paid only';
    END IF;
    IF coalesce(p_accept_difference, false) AND p_as <> 'paid' THEN
        RAISE EXCEPTION USING ERRCODE = 'SR001', MESSAGE = 'accepting a difference goes with the resolution paid only';
    END IF;

    SELECT e.status, e.resolution, e.resolved_by, pg_catalog.to_char(e.resolved_at, 'YYYY-MM-DD HH24:MI') AS at,
           e.reason, e.payment_id, e.settlement_id, s.paid AS s_paid, s.kind, s.amount_face_cents AS face,
           CASE WHEN s.kind = 'card_sale' THEN e.paid_cents ELSE coalesce(e.paid_cents, s.amount_paid_cents) END AS paid
      INTO x
      FROM public.exceptions e LEFT JOIN public.settlements s ON s.id = e.settlement_id
     WHERE e.id = p_id FOR UPDATE OF e;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SR001', MESSAGE = format('exception #%s does not exist', p_id);
    END IF;
    IF x.status = 'resolved' THEN
        RAISE EXCEPTION USING ERRCODE = 'SR001',
            MESSAGE = format('exception #%s was already resolved as %s by %s on %s', p_id, x.resolution, x.resolved_by, x.at),
            HINT = 'a resolution is final; open a new one by hand if it was wrong';
    END IF;

    pay := x.payment_id;
    card := x.kind = 'card_sale';
    IF p_as = 'paid' THEN
        -- No money, no payment: a rejection, a returned cheque, a refund, a
        -- card reason about money that did not come or went back, or a
        -- settlement that carried nothing is never 'paid'. A card sale
        -- counts as money: the acquirer confirmed it (docs/reconciliation.md).
        IF x.reason IN ('BANK_REJECTED', 'CHEQUE_RETURNED', 'PIX_REFUND', 'PIX_REFUND_MED', 'CARD_SALE_MISSING',
                        'FEE_MISMATCH', 'RECEIVABLE_OVERDUE', 'PAYOUT_MISMATCH', 'CARD_CANCELED', 'CHARGEBACK',
                        'CHARGEBACK_REVERSED')
           OR x.kind IS DISTINCT FROM 'boleto' AND x.kind IS DISTINCT FROM 'pix' AND NOT coalesce(card, false)
           OR (NOT card AND x.s_paid IS NOT TRUE) OR (card AND coalesce(x.face, 0) <= 0)
           OR coalesce(x.paid, 0) <= 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001',
                MESSAGE = format('exception #%s (%s): no money arrived with its settlement (paid %s, amount %s cents); it cannot make a payment paid',
                                 p_id, x.reason, CASE WHEN x.s_paid OR card THEN 'yes' ELSE 'no' END, coalesce(x.paid, 0)),
                HINT = 'resolve as refund or ignore; a payment becomes paid only with money received';
        END IF;
        IF p_payment IS NOT NULL THEN
            IF pay IS NOT NULL AND pay <> p_payment THEN
                RAISE EXCEPTION USING ERRCODE = 'SR001',
                    MESSAGE = format('exception #%s belongs to payment #%s, not #%s', p_id, pay, p_payment);
            END IF;
            pay := p_payment;
        END IF;
        IF pay IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001',
                MESSAGE = format('exception #%s (%s) has no payment to mark paid', p_id, x.reason),
                HINT = 'name it with --payment ID, or resolve as refund or ignore';
        END IF;
        SELECT p.status, p.amount_cents, p.method INTO pst, pamt, pmet FROM public.payments p WHERE p.id = pay FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001', MESSAGE = format('payment #%s does not exist', pay);
        END IF;
        IF card AND pmet <> 'card' THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001',
                MESSAGE = format('exception #%s is a card sale; payment #%s is a %s payment', p_id, pay, pmet);
        END IF;
        IF pst IN ('paid', 'refunded') THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001',
                MESSAGE = format('payment #%s is already %s; it cannot be paid twice', pay, pst),
                HINT = format('resolve exception #%s as refund or ignore', p_id);
        END IF;
        IF x.paid <> pamt AND NOT coalesce(p_accept_difference, false) THEN
            RAISE EXCEPTION USING ERRCODE = 'SR001',
                MESSAGE = format('exception #%s: %s cents received, payment #%s is for %s cents', p_id, x.paid, pay, pamt),
                HINT = format('to mark it paid with the %s cents received, add --accept-difference and say why in --note', x.paid);
        END IF;
        IF card THEN
            -- the sale's receivables belong to the payment from now on
            UPDATE public.card_receivables r SET payment_id = pay
             WHERE r.payment_id IS NULL
               AND (r.acquirer, r.merchant, r.sale_key) IN (SELECT acquirer, merchant, sale_key FROM public.card_receivables
                                                             WHERE sale_settlement_id = x.settlement_id);
        END IF;
        UPDATE public.payments
           SET status = 'paid', paid_at = pg_catalog.now(), paid_cents = x.paid, paid_by_settlement = x.settlement_id
         WHERE id = pay;
        INSERT INTO public.invoice_requests (payment_id, settlement_id) VALUES (pay, x.settlement_id);
    END IF;

    UPDATE public.exceptions
       SET status = 'resolved', resolved_at = pg_catalog.now(), resolution = p_as, resolution_note = p_note,
           resolved_by = who, resolved_db_user = session_user::text,
           payment_id = CASE WHEN p_as = 'paid' THEN coalesce(payment_id, pay) ELSE payment_id END
     WHERE id = p_id;
    RETURN x.reason;
END
$$;
