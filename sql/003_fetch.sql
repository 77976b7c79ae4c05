-- 003_fetch.sql - the registry of files `settle fetch` has downloaded.
--
-- A remote file is known by (source, remote name, size, mtime): the same
-- name with another size or mtime is a new version and is fetched again.
-- After download the content's sha256 is checked too: content already
-- fetched (from any source) is recorded with duplicate_of and not placed
-- in incoming/ a second time. docs/fetch.md explains the rules.

CREATE TABLE fetched_files (
    id               bigserial PRIMARY KEY,
    source           text NOT NULL,                 -- [source NAME]
    remote_name      text NOT NULL,                 -- the name in remote_dir, as the server sent it
    size_bytes       bigint NOT NULL CHECK (size_bytes >= 0),
    remote_mtime     bigint NOT NULL,               -- seconds since the epoch, as the server reported it
    sha256           text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    local_name       text,                          -- name under incoming/SOURCE/; NULL for a duplicate
    duplicate_of     bigint REFERENCES fetched_files (id),
    after_fetch      text NOT NULL,                 -- keep | delete | move:DIR, as configured when fetched
    after_fetch_done boolean NOT NULL DEFAULT false,
    fetched_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT fetched_files_version UNIQUE (source, remote_name, size_bytes, remote_mtime),
    CHECK ((local_name IS NULL) = (duplicate_of IS NOT NULL))
);
CREATE INDEX fetched_files_sha256 ON fetched_files (sha256);
CREATE INDEX fetched_files_after_fetch ON fetched_files (source) WHERE NOT after_fetch_done;
