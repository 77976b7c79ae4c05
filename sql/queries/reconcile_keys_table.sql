-- reconcile: the fallback keys of the settlements no exact rule found
-- (sid, rule, bank, key), loaded by COPY, emptied at commit.
CREATE TEMP TABLE IF NOT EXISTS rc_keys (sid bigint, rule int, bank text, key text) ON COMMIT DELETE ROWS
