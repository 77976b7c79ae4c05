-- purge_mask_count: what `settle purge --dry-run` would mask
-- ($1 = [retention] personal_data_days); the same rows as
-- settle_mask_personal_data() (sql/023_purge_per_file.sql) over all its
-- chunks: the settlements of the old files not marked done.
-- Columns: settlements, exceptions.
WITH s AS (
    SELECT s.id
      FROM settlements s JOIN return_files f ON f.id = s.file_id
     WHERE s.personal_data_masked_at IS NULL
       AND f.personal_data_masked_at IS NULL
       AND f.received_at < now() - make_interval(days => $1::int)
       AND NOT EXISTS (SELECT 1 FROM exceptions e WHERE e.settlement_id = s.id AND e.status = 'open'))
SELECT (SELECT count(*) FROM s),
       (SELECT count(*)
          FROM exceptions e LEFT JOIN settlements t ON t.id = e.settlement_id
         WHERE e.personal_data_masked_at IS NULL
           AND (e.settlement_id IN (SELECT id FROM s)
                OR (e.status = 'resolved' AND e.created_at < now() - make_interval(days => $1::int)
                    AND (e.settlement_id IS NULL OR t.personal_data_masked_at IS NOT NULL))))
