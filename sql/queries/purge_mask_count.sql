-- purge_mask_count: how many settlements `settle purge` would mask
-- ($1 = [retention] personal_data_days); the same rows as
-- purge_mask_personal_data.
SELECT count(*)
  FROM settlements s JOIN return_files f ON f.id = s.file_id
 WHERE s.personal_data_masked_at IS NULL
   AND f.received_at < now() - make_interval(days => $1::int)
   AND NOT EXISTS (SELECT 1 FROM exceptions e WHERE e.settlement_id = s.id AND e.status = 'open')
