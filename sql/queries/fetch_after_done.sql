-- fetch: the remote after_fetch action (delete/move) is done. $1 id.
UPDATE fetched_files SET after_fetch_done = true WHERE id = $1
