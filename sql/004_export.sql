-- 004_export.sql - invoice request batches published by `settle export`.
--
-- A batch is made in two transactions so that a crash between writing the
-- file and recording it can never change what the batch holds:
--   1. reserve: one export_batches row (status 'reserved', its id and
--      created_at fixed) and one export_batch_items row per request, holding
--      a snapshot of every column the file carries (docs/formats/invoice-batch.md);
--   2. publish: after the .csv.gz and its manifest are durably in outbox/,
--      the batch becomes 'published' with its sha256, and its requests get
--      invoice_requests.batch_id, in one transaction.
-- A run that finds a 'reserved' batch rebuilds it from its snapshot first:
-- same id, same rows, same bytes. `settle export --replay ID` does the same
-- for any batch.

CREATE TABLE export_batches (
    id               bigserial PRIMARY KEY,
    schema_version   integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT date_trunc('second', now()),
    status           text NOT NULL DEFAULT 'reserved' CHECK (status IN ('reserved', 'published')),
    record_count     integer NOT NULL CHECK (record_count > 0),
    total_cents      bigint NOT NULL,
    first_request_id bigint NOT NULL,
    last_request_id  bigint NOT NULL,
    file_name        text,                 -- set when published
    sha256           text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    published_at     timestamptz,
    uploaded_at      timestamptz,          -- both files delivered to [destination invoices]
    CHECK ((status = 'published') = (sha256 IS NOT NULL AND published_at IS NOT NULL AND file_name IS NOT NULL))
);
CREATE INDEX export_batches_reserved ON export_batches (id) WHERE status = 'reserved';
CREATE INDEX export_batches_not_uploaded ON export_batches (id) WHERE status = 'published' AND uploaded_at IS NULL;

-- The rows of a batch as they were written (text exactly as in the CSV).
CREATE TABLE export_batch_items (
    request_id            bigint PRIMARY KEY REFERENCES invoice_requests (id),  -- a request is in one batch only
    batch_id              bigint NOT NULL REFERENCES export_batches (id),
    payment_id            bigint NOT NULL,
    order_id              text NOT NULL,
    customer_doc          text NOT NULL,
    customer_name         text NOT NULL,
    method                text NOT NULL,
    amount_cents          bigint NOT NULL,
    paid_cents            bigint NOT NULL,
    paid_at               text NOT NULL,   -- ISO 8601 with offset, as written
    settlement_reference  text NOT NULL,
    bank_code             text NOT NULL
);
CREATE INDEX export_batch_items_batch ON export_batch_items (batch_id, request_id);

ALTER TABLE invoice_requests
    ADD CONSTRAINT invoice_requests_batch_fk FOREIGN KEY (batch_id) REFERENCES export_batches (id);
