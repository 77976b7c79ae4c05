-- purge_mask_personal_data: LGPD retention. The payer's name, CPF/CNPJ and
-- message of settlements whose file arrived more than $1 days ago are set
-- to NULL, and personal_data_masked_at records when; amounts, keys,
-- outcomes, exceptions and their resolutions stay. A settlement with an
-- open exception keeps its data until it is resolved (015's trigger refuses
-- it too). Returns the number of settlements masked (one row).
WITH masked AS (
    UPDATE settlements s
       SET payer_doc = NULL, payer_name = NULL, message = NULL, personal_data_masked_at = now()
      FROM return_files f
     WHERE f.id = s.file_id
       AND s.personal_data_masked_at IS NULL
       AND f.received_at < now() - make_interval(days => $1::int)
       AND NOT EXISTS (SELECT 1 FROM exceptions e WHERE e.settlement_id = s.id AND e.status = 'open')
    RETURNING 1)
SELECT count(*) FROM masked
