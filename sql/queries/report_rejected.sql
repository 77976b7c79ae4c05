-- report_rejected: the files refused during day $1 (UTC), with the reader's
-- error (FILE:LINE:COL: expected ..., found ...). Columns: enum J_*.
SELECT f.id, f.name, f.source, coalesce(f.format, ''), coalesce(f.error, ''),
       to_char(f.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), f.size_bytes
  FROM return_files f
 WHERE f.status = 'rejected' AND f.received_at >= $1::date AND f.received_at < $1::date + 1
 ORDER BY f.received_at, f.id
