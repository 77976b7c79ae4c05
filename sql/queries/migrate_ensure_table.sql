-- settle migrate: the ledger of applied migrations, created only when missing:
-- a login without CREATE on the schema (settle_job, sql/006_roles.sql) may
-- still check an up-to-date database.
DO $$ BEGIN
    IF to_regclass('schema_migrations') IS NULL THEN
        CREATE TABLE schema_migrations (
            version    int PRIMARY KEY,
            name       text NOT NULL,
            checksum   text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now());
    END IF;
END $$
