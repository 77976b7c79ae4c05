-- 008_bank_money.sql - money read as each bank's manual defines it (issue 12).
--
-- settlements.other_credits_cents: "outros créditos" (FEBRABAN 240 segment U
--   123-137, the 400 layouts' "outros créditos/recebimentos"): money the payer
--   paid on top of the face value. reconcile treats it like declared interest.
-- return_files.warnings: warnings the reader reported for the file (it was
--   still read): a money record whose parts do not add up as the bank defines
--   them, or an inconsistency in a record without money.
-- return_files.xcheck_mismatches: how many of those warnings were money
--   records that did not add up (shown by `settle status` and the run summary).
ALTER TABLE settlements ADD COLUMN other_credits_cents bigint NOT NULL DEFAULT 0;
ALTER TABLE return_files
    ADD COLUMN warnings integer NOT NULL DEFAULT 0,
    ADD COLUMN xcheck_mismatches integer NOT NULL DEFAULT 0;

-- LIQUIDATION_UNCONFIRMED: the bank closed the title as liquidated but the
-- record carries no money (a "baixa por ter sido liquidado" without an
-- amount, Santander 400 code 16, Unicred 400 code 09): never booked as paid,
-- shown to finance while the payment is pending (docs/reconciliation.md).
-- LIQUIDATION_REVERSED: the bank reversed a liquidation (Caixa 240 44
-- "estorno de baixa/liquidação", 47 "estorno de liquidação on-line").
ALTER TABLE exceptions DROP CONSTRAINT exceptions_reason_check;
ALTER TABLE exceptions ADD CONSTRAINT exceptions_reason_check
    CHECK (reason IN ('UNKNOWN_PAYMENT', 'UNDERPAID', 'OVERPAID', 'DUPLICATE_PAYMENT', 'PAYMENT_NOT_PENDING',
                      'AMBIGUOUS_MATCH', 'BANK_REJECTED', 'PIX_REFUND', 'CHEQUE_RETURNED',
                      'LIQUIDATION_UNCONFIRMED', 'LIQUIDATION_REVERSED'));
