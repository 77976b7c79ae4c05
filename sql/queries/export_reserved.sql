-- export: the reserved batches a previous run did not finish, oldest first.
SELECT id FROM export_batches WHERE status = 'reserved' ORDER BY id
