-- 002_pipeline.sql - the settlement pipeline's own tables.
--
-- return_files   one row per file offered to `settle ingest` (ingested or rejected)
-- settlements    one row per detail record of an ingested file, unique by natural key
-- payment_events non-money movements kept on the payment (entry confirmed, baixa, protest)
-- exceptions     what finance reviews and resolves
-- invoice_requests  the transactional outbox drained by `settle export`

CREATE TABLE return_files (
    id            bigserial PRIMARY KEY,
    source        text NOT NULL DEFAULT 'local',      -- [source NAME], or 'local' for files given by hand
    name          text NOT NULL,
    size_bytes    bigint NOT NULL CHECK (size_bytes >= 0),
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    format        text CHECK (format IN ('cnab240', 'cnab400', 'pix-csv')),
    bank_code     text,
    generated_on  date,
    status        text NOT NULL CHECK (status IN ('ingested', 'rejected', 'reconciled')),
    error         text,                               -- rejected: FILE:LINE:COL: message
    records       integer,                            -- detail records in the file
    duplicates    integer NOT NULL DEFAULT 0,         -- records already known from another file
    received_at   timestamptz NOT NULL DEFAULT now(),
    ingested_at   timestamptz,
    reconciled_at timestamptz
);
-- The same content is ingested once; a rejected file may be offered again.
CREATE UNIQUE INDEX return_files_content ON return_files (sha256) WHERE status <> 'rejected';
CREATE INDEX return_files_todo ON return_files (id) WHERE status = 'ingested';

-- Foreign keys and bulk paths: PostgreSQL checks a foreign key with one
-- trigger query per row. On the columns written hundreds of thousands of
-- rows at a time (settlements.file_id by ingest's COPY,
-- payments.paid_by_settlement and invoice_requests.settlement_id by
-- reconcile) that cost a third of the work (measured: scripts/bench/
-- reconcile.sh), so they carry no REFERENCES: only settle writes them, in the
-- transaction that created or read the row they point at, and settlements
-- and return_files are never deleted. The integration tests check that no
-- such reference dangles. Everything written row by row keeps its FKs.
CREATE TABLE settlements (
    id                    bigserial PRIMARY KEY,
    file_id               bigint NOT NULL,          -- return_files (id); see above
    line                  integer NOT NULL,
    format                text NOT NULL,
    bank_code             text,
    kind                  text NOT NULL CHECK (kind IN ('boleto', 'pix', 'pix_refund')),
    movement_code         text,
    paid                  boolean NOT NULL,
    nosso_numero          text,
    seu_numero            text,
    txid                  text,
    end_to_end_id         text,
    refund_id             text,
    refund_status         text,
    amount_face_cents     bigint NOT NULL DEFAULT 0,
    amount_paid_cents     bigint NOT NULL DEFAULT 0,
    amount_credited_cents bigint NOT NULL DEFAULT 0,
    interest_cents        bigint NOT NULL DEFAULT 0,
    discount_cents        bigint NOT NULL DEFAULT 0,
    rebate_cents          bigint NOT NULL DEFAULT 0,
    fee_cents             bigint NOT NULL DEFAULT 0,
    iof_cents             bigint NOT NULL DEFAULT 0,
    occurred_on           date,
    credited_on           date,
    due_on                date,
    settled_at            timestamptz,
    payer_doc             text,
    payer_name            text,
    message               text,
    -- CNAB: bank|nosso numero (no leading zeros)|movement|occurrence date|amount paid;
    -- Pix: pix|end-to-end id; Pix refund: pix_refund|refund id (reconcile/natkey.c)
    natural_key           text NOT NULL,
    CONSTRAINT settlements_natural_key UNIQUE (natural_key)
);
CREATE INDEX settlements_file ON settlements (file_id);
CREATE INDEX settlements_e2e ON settlements (end_to_end_id) WHERE end_to_end_id IS NOT NULL;

-- A record whose natural key another settlement already has: counted on its
-- file (return_files.duplicates), kept here, never inserted twice.
CREATE TABLE settlement_duplicates (
    file_id       bigint NOT NULL REFERENCES return_files (id),
    line          integer NOT NULL,
    natural_key   text NOT NULL,
    settlement_id bigint NOT NULL REFERENCES settlements (id),   -- the one that was kept
    PRIMARY KEY (file_id, line)
);

-- What reconcile decided for each settlement: written once (COPY), in the
-- transaction that applies it, never updated. A file's settlements are
-- decided together, so a settlement of a 'reconciled' file has exactly one row.
CREATE TABLE settlement_outcomes (
    -- No foreign keys on purpose: rows come only from reconcile, in bulk
    -- (hundreds of thousands per file), for ids it has just read.
    settlement_id   bigint PRIMARY KEY,
    file_id         bigint NOT NULL,
    outcome         text NOT NULL CHECK (outcome IN ('paid', 'exception', 'event', 'redelivery')),
    rule            text,               -- matching rule that found the payment (docs/reconciliation.md)
    payment_id      bigint,
    reason          text,               -- outcome 'exception': the exceptions.reason
    event           text,               -- outcome 'event': entry_confirmed | baixa | protest | ...
    expected_cents  bigint,
    paid_cents      bigint,
    interest_cents  bigint,             -- recorded on the payment when paid more by the declared interest
    discount_cents  bigint,             -- recorded on the payment when paid less by the declared discount + rebate
    paid_at         timestamptz,        -- outcome 'paid': when the money moved (Pix time, credit or occurrence date)
    detail          text,
    decided_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX settlement_outcomes_file ON settlement_outcomes (file_id);

-- One row per settlement, whatever its state (reports read this).
CREATE VIEW settlement_status AS
SELECT s.*, o.outcome, o.rule, o.payment_id, o.reason, o.event, o.decided_at AS reconciled_at
FROM settlements s LEFT JOIN settlement_outcomes o ON o.settlement_id = s.id;

-- Which settlement made a payment paid (exactly one per paid payment).
ALTER TABLE payments
    ADD COLUMN paid_by_settlement bigint,             -- settlements (id); see above
    ADD COLUMN interest_cents bigint,
    ADD COLUMN discount_cents bigint;
CREATE UNIQUE INDEX payments_paid_by ON payments (paid_by_settlement) WHERE paid_by_settlement IS NOT NULL;

CREATE TABLE payment_events (
    id            bigserial PRIMARY KEY,
    payment_id    bigint REFERENCES payments (id),  -- NULL: no (or more than one) payment matched
    settlement_id bigint NOT NULL REFERENCES settlements (id),
    event         text NOT NULL,        -- entry_confirmed | baixa | protest | ... (docs/reconciliation.md)
    movement_code text,
    occurred_on   date,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (settlement_id)
);

CREATE TABLE exceptions (
    id              bigserial PRIMARY KEY,
    reason          text NOT NULL CHECK (reason IN ('UNKNOWN_PAYMENT', 'UNDERPAID', 'OVERPAID', 'DUPLICATE_PAYMENT',
                                                    'PAYMENT_NOT_PENDING', 'AMBIGUOUS_MATCH', 'BANK_REJECTED',
                                                    'PIX_REFUND', 'CHEQUE_RETURNED')),
    settlement_id   bigint NOT NULL REFERENCES settlements (id),
    payment_id      bigint REFERENCES payments (id),
    expected_cents  bigint,
    paid_cents      bigint,
    file_id         bigint NOT NULL REFERENCES return_files (id),
    line            integer NOT NULL,
    detail          text,               -- e.g. the candidate payment ids of an AMBIGUOUS_MATCH
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    resolved_at     timestamptz,
    resolved_by     text,
    resolution      text CHECK (resolution IN ('paid', 'refund', 'ignore')),
    resolution_note text,
    UNIQUE (settlement_id),
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL AND resolution IS NOT NULL AND resolved_by IS NOT NULL))
);
CREATE INDEX exceptions_open ON exceptions (reason, created_at) WHERE status = 'open';

-- The transactional outbox: written in the same transaction that marks the
-- payment paid, drained by `settle export`.
CREATE TABLE invoice_requests (
    id            bigserial PRIMARY KEY,
    payment_id    bigint NOT NULL UNIQUE REFERENCES payments (id),
    settlement_id bigint,                               -- settlements (id), no FK (see above): the settlement that paid it (for `settle resolve --as paid`, the exception's)
    created_at    timestamptz NOT NULL DEFAULT now(),
    batch_id      bigint                               -- set by export (004) when published
);
CREATE INDEX invoice_requests_unexported ON invoice_requests (id) WHERE batch_id IS NULL;
