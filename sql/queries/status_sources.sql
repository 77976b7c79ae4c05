-- status_sources: per source, the last file it sent (fetched, or offered to
-- ingest for files dropped into incoming/ by hand), when, and how many whole
-- seconds ago. Columns: source, name, received (UTC text), age in seconds.
SELECT DISTINCT ON (source) source, name, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),
       extract(epoch FROM now() - at)::bigint
  FROM (SELECT source, remote_name AS name, fetched_at AS at FROM fetched_files
        UNION ALL
        SELECT source, name, received_at FROM return_files) f
 ORDER BY source, at DESC
