-- reconcile: the main transaction's snapshot, exported so that the reader
-- connection streams the candidates as this transaction would see them now
-- (after the claim and, in a locked pass, the candidate locks). Valid until
-- the main transaction ends.
SELECT pg_catalog.pg_export_snapshot()
