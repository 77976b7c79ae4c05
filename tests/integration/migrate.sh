#!/usr/bin/env bash
# migrate.sh - settle migrate against a real PostgreSQL: applies once, then
# nothing; tampered or unknown migrations refused; database down -> 69.
. "$(dirname "$0")/../lib.sh"

t_newdb --empty
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf

t_run out "$SETTLE" migrate
t_eq "first migrate exits 0" 0 "$out_rc"
t_contains "first migrate applies migrations" "applied " "$out"
t_eq "payments table exists" "payments" "$(t_sql "SELECT to_regclass('payments')")"
n=$(ls "$T_TOP"/sql/[0-9][0-9][0-9]_*.sql | wc -l)
t_eq "every sql/NNN file recorded" "$n" "$(t_sql 'SELECT count(*) FROM schema_migrations')"
t_eq "checksum is the file's sha256" "$(sha256sum "$T_TOP/sql/001_payments.sql" | cut -d' ' -f1)" \
  "$(t_sql 'SELECT checksum FROM schema_migrations WHERE version = 1')"

t_run out "$SETTLE" migrate
t_eq "second migrate exits 0" 0 "$out_rc"
t_contains "second migrate applies nothing" "nothing to apply" "$out"

t_run out "$SETTLE" migrate --status
t_contains "status lists 001 as applied" "001_payments.sql	applied" "$out"

# The payments table keeps the column names other tools rely on.
cols=$(t_sql "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'payments' AND ordinal_position <= 14")
t_eq "payments columns" "id,order_id,method,amount_cents,due_on,status,bank_code,nosso_numero,txid,customer_doc,customer_name,created_at,paid_at,paid_cents" "$cols"
t_run out t_sql "INSERT INTO payments (id, order_id, method, amount_cents) VALUES (1, 'o1', 'boleto', 100)"
t_contains "a boleto needs bank_code and nosso_numero" "payments_boleto_keys" "$out"
t_run out t_sql "INSERT INTO payments (id, order_id, method, amount_cents, txid) VALUES (1, 'o1', 'pix', 100, 'abc'), (2, 'o2', 'pix', 100, 'abc')"
t_contains "txid is unique" "payments_txid_key" "$out"

# A copy of sql/ with 001 changed: refused, nothing applied.
cp -r "$T_TOP/sql" "$T_TMP/sql"
echo "-- tampered" >>"$T_TMP/sql/001_payments.sql"
t_run out "$SETTLE" migrate --dir "$T_TMP/sql"
t_eq "tampered migration exits 78" 78 "$out_rc"
t_contains "tampered migration named with a hint" "migration 001_payments.sql was applied with checksum" "$out"
t_contains "tampered migration hint" "hint=\"applied migrations must not change" "$out"

# A database migrated by a newer settle.
cp "$T_TOP/sql/001_payments.sql" "$T_TMP/sql/001_payments.sql"
echo "CREATE TABLE later_thing (x int);" >"$T_TMP/sql/900_later.sql"
t_run out "$SETTLE" migrate --dir "$T_TMP/sql"
t_eq "migrate --dir applies the new file" 0 "$out_rc"
t_eq "new table exists" "later_thing" "$(t_sql "SELECT to_regclass('later_thing')")"
t_run out "$SETTLE" migrate
t_eq "unknown applied migration exits 78" 78 "$out_rc"
t_contains "unknown applied migration message" "database has migration 900 (900_later.sql) that this settle does not know" "$out"

# A failing migration rolls back whole.
rm "$T_TMP/sql/900_later.sql"
t_sql "DELETE FROM schema_migrations WHERE version = 900; DROP TABLE later_thing"
printf 'CREATE TABLE half_done (x int);\nSELECT no_such_function();\n' >"$T_TMP/sql/901_broken.sql"
t_run out "$SETTLE" migrate --dir "$T_TMP/sql"
t_eq "broken migration exits 70" 70 "$out_rc"
t_contains "broken migration named" "migration 901_broken.sql failed" "$out"
t_eq "broken migration left nothing behind" "" "$(t_sql "SELECT to_regclass('half_done')")"

# Database unavailable.
t_config "$T_TMP/down.conf"
sed -i 's|^conninfo = .*|conninfo = host=/nonexistent-socket-dir dbname=x connect_timeout=2|' "$T_TMP/down.conf"
t_run out "$SETTLE" --config "$T_TMP/down.conf" migrate
t_eq "database down exits 69" 69 "$out_rc"
t_contains "database down message" "cannot connect to the payments database" "$out"

t_done
