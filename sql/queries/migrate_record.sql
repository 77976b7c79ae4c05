-- settle migrate: record one applied migration, inside its transaction.
-- $1 version, $2 file name, $3 SHA-256 of its text (hex).
INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)
