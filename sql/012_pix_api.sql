-- 012_pix_api.sql - the windows of the nightly API Pix pull (issue 13 item 2).
--
-- A [source NAME] with type = pix_api asks the PSP's GET /pix for the Pix
-- received in a window [inicio, fim] and writes every page into ONE file
-- under incoming/NAME/, recorded in fetched_files like an SFTP file
-- (remote_name 'GET /pix inicio=... fim=...', remote_mtime = fim). Each
-- complete pull adds one row here, in the same transaction as its
-- fetched_files row; the next pull starts at max(window_end) minus
-- overlap_seconds. A failed pull writes nothing here. docs/fetch.md,
-- "API Pix pull".

CREATE TABLE pix_api_windows (
    id           bigserial PRIMARY KEY,
    source       text NOT NULL,                        -- [source NAME]
    window_start timestamptz NOT NULL,                 -- inicio asked for
    window_end   timestamptz NOT NULL,                 -- fim asked for
    pulled_at    timestamptz NOT NULL DEFAULT now(),
    file_id      bigint NOT NULL REFERENCES fetched_files (id),
    local_name   text NOT NULL,                        -- the file under incoming/SOURCE/
    pages        integer NOT NULL CHECK (pages >= 1),
    items        integer NOT NULL CHECK (items >= 0),  -- quantidadeTotalDeItens, all received
    CHECK (window_start < window_end)
);
CREATE INDEX pix_api_windows_source_end ON pix_api_windows (source, window_end);

GRANT SELECT, INSERT ON pix_api_windows TO settle_job;
GRANT USAGE, SELECT ON SEQUENCE pix_api_windows_id_seq TO settle_job;
