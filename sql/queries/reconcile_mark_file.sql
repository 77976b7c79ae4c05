-- reconcile apply, 4: the file is reconciled. $1 file id.
UPDATE return_files SET status = 'reconciled', reconciled_at = now() WHERE id = $1
