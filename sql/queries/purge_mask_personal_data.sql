-- purge_mask_personal_data: one chunk of the LGPD masking
-- (settle_mask_personal_data(), sql/020_retention.sql), committed on its
-- own. $1 [retention] personal_data_days, $2 the settlement cursor (the last
-- id of the chunk before, 0 to start, NULL when that part is done), $3 the
-- exception cursor (likewise), $4 rows per chunk. Columns: the next
-- settlement cursor, the next exception cursor (NULL: that part is done),
-- settlements masked, exceptions masked.
SELECT coalesce(last_settlement::text, ''), coalesce(last_exception::text, ''), settlements, exceptions
  FROM settle_mask_personal_data($1::int, $2::bigint, $3::bigint, $4::int)
