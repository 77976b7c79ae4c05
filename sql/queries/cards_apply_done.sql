-- cards_apply_done: card file $1 is reconciled.
UPDATE return_files SET status = 'reconciled', reconciled_at = now() WHERE id = $1 AND status = 'ingested'
