-- 011_pix_inputs.sql - Pix as PSPs deliver it (issue 13).
--
-- return_files.format: the BACEN API Pix JSON ('pix-api': GET /pix pages,
--   webhook bodies, cob/cobv responses) and PSP record-typed statements
--   ('pix-psp'), beside the CNAB layouts and the Pix CSV.
-- return_files.skipped: entries a reader counted but that are not
--   settlements (outgoing Pix on a webhook, transfers and balances of a
--   statement).
-- settlements.refund_nature: devolucoes[].natureza (ORIGINAL, RETIRADA,
--   MED_OPERACIONAL, MED_FRAUDE, ...): a MED refund is forced by the payer's
--   bank, not asked for by the store.
ALTER TABLE return_files DROP CONSTRAINT return_files_format_check;
ALTER TABLE return_files ADD CONSTRAINT return_files_format_check
    CHECK (format IN ('cnab240', 'cnab400', 'pix-csv', 'pix-api', 'pix-psp'));
ALTER TABLE return_files ADD COLUMN skipped integer NOT NULL DEFAULT 0;
ALTER TABLE settlements ADD COLUMN refund_nature text;

-- PIX_REFUND_MED: a refund forced by the payer's bank through the Mecanismo
-- Especial de Devolução (natureza MED_OPERACIONAL / MED_FRAUDE): the store
-- never asked for it, so finance sees it apart from the refunds it made.
ALTER TABLE exceptions DROP CONSTRAINT exceptions_reason_check;
ALTER TABLE exceptions ADD CONSTRAINT exceptions_reason_check
    CHECK (reason IN ('UNKNOWN_PAYMENT', 'UNDERPAID', 'OVERPAID', 'DUPLICATE_PAYMENT', 'PAYMENT_NOT_PENDING',
                      'AMBIGUOUS_MATCH', 'BANK_REJECTED', 'PIX_REFUND', 'CHEQUE_RETURNED',
                      'LIQUIDATION_UNCONFIRMED', 'LIQUIDATION_REVERSED', 'PIX_REFUND_MED'));

-- The alphanumeric CNPJ (Receita Federal, from July 2026; API Pix 2.9):
-- 12 characters [0-9A-Z] and two check digits, beside the numeric CPF and CNPJ.
ALTER TABLE payments DROP CONSTRAINT payments_customer_doc_check;
ALTER TABLE payments ADD CONSTRAINT payments_customer_doc_check
    CHECK (customer_doc ~ '^([0-9]{11}|[0-9]{14}|[0-9A-Z]{12}[0-9]{2})$');

-- settle_job (sql/009_hardening.sql grants column by column) records the
-- count of skipped entries when it ingests a file.
GRANT UPDATE (skipped) ON return_files TO settle_job;

-- settlement_duplicates: a record is named by its place in the file
-- (record, 1-based, in reading order) as well as its line: a JSON document
-- (API Pix) puts several records on one line.
ALTER TABLE settlement_duplicates ADD COLUMN record integer;
UPDATE settlement_duplicates SET record = line;
ALTER TABLE settlement_duplicates ALTER COLUMN record SET NOT NULL;
ALTER TABLE settlement_duplicates DROP CONSTRAINT settlement_duplicates_pkey;
ALTER TABLE settlement_duplicates ADD PRIMARY KEY (file_id, record);
