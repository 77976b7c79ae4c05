-- purge_mask_personal_data: one chunk of the LGPD masking
-- (settle_mask_personal_data(), sql/023_purge_per_file.sql), committed on
-- its own. $1 [retention] personal_data_days, $2 the file cursor and $3 the
-- settlement cursor (where the chunk before stopped: the file it was in and
-- the last settlement of it masked; 0 and 0 to start; NULL when that part
-- is done), $4 the exception cursor (the last id of the chunk before, 0 to
-- start, NULL when done), $5 rows per chunk. Columns: the next file,
-- settlement and exception cursors ('' : that part is done), settlements
-- masked, exceptions masked.
SELECT coalesce(last_file::text, ''), coalesce(last_settlement::text, ''), coalesce(last_exception::text, ''),
       settlements, exceptions
  FROM settle_mask_personal_data($1::int, $2::bigint, $3::bigint, $4::bigint, $5::int)
