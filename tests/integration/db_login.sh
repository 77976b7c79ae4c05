#!/usr/bin/env bash
# db_login.sh - errors that point the right way: a login the database
# refuses (a NOLOGIN role, a role that does not exist) is 77 and a database
# that does not exist is 78 ("fix the configuration"; re-running cannot
# help), while a server that is not there stays 69 ("re-run when it is
# back"); a wrong password or none found is 77 too, naming the login and
# the password file; a missing config file says which path was tried and
# who named it.
. "$(dirname "$0")/../lib.sh"
t_newdb

# settle_job is a NOLOGIN role (sql/006_roles.sql): the old example config's mistake.
t_config "$T_TMP/nologin.conf"
sed -i "s|^conninfo = .*|conninfo = $(t_as settle_job "$T_CONN")|" "$T_TMP/nologin.conf"
t_run out "$SETTLE" --config "$T_TMP/nologin.conf" status
t_eq "logging in as the NOLOGIN role settle_job: exit 77" 77 "$out_rc"
t_contains "says the database refused the login" "the payments database refused the login" "$out"
t_contains "keeps the server's reason" 'role \"settle_job\" is not permitted to log in' "$out"
t_contains "points at the login and its password file" "a LOGIN role that is a member of settle_job" "$out"
t_not_contains "does not say re-run" "re-run" "$out"
t_not_contains "no SQLSTATE or LOCATION noise from the verbose connection" "LOCATION:" "$out"

T_CONFIG_CONN=$(t_as settle_no_such_login "$T_CONN") t_config "$T_TMP/norole.conf"
t_run out "$SETTLE" --config "$T_TMP/norole.conf" run
t_eq "a login that does not exist: exit 77 (run)" 77 "$out_rc"
t_contains "run names the refused login" 'role \"settle_no_such_login\" does not exist' "$out"

T_CONFIG_CONN=$(t_conninfo "${T_DB}_does_not_exist") t_config "$T_TMP/nodb.conf"
t_run out "$SETTLE" --config "$T_TMP/nodb.conf" status
t_eq "a database that does not exist: exit 78" 78 "$out_rc"
t_contains "names it" "the payments database does not exist" "$out"
t_contains "and the key to fix" "check dbname= in [database] conninfo" "$out"

# A password the server refuses (28P01), or none found: 77, naming the
# login and the password file to fix. scripts/pg asks members of
# settle_password_login for a scram-sha-256 password (every other local
# login is trusted); on a server of its own the test says it cannot check.
if [ "$(t_sql "SELECT count(*) FROM pg_hba_file_rules WHERE user_name = '{+settle_password_login}'
                 AND auth_method = 'scram-sha-256' AND type = 'local'")" = 1 ]; then
  t_sql "DO \$\$ BEGIN
           BEGIN CREATE ROLE settle_password_login NOLOGIN;
           EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
           BEGIN CREATE ROLE settle_test_pw LOGIN IN ROLE settle_password_login, settle_job;
           EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
         END \$\$; ALTER ROLE settle_test_pw PASSWORD 'right horse battery'" >/dev/null
  pw_conf() { # PASSFILE-LINE... (none: an empty file)
    printf '%s\n' "$@" >"$T_TMP/pgpass"; chmod 600 "$T_TMP/pgpass"
    T_CONFIG_CONN="$(t_as settle_test_pw "$T_CONN") passfile=$T_TMP/pgpass" t_config "$T_TMP/pw.conf"
  }
  pw_conf '*:*:*:settle_test_pw:right horse battery'
  t_run out env -u PGPASSWORD "$SETTLE" --config "$T_TMP/pw.conf" status
  t_eq "the right password in the password file: exit 0" 0 "$out_rc"

  pw_conf '*:*:*:settle_test_pw:Wr0ngS3cret'
  t_run out env -u PGPASSWORD "$SETTLE" --config "$T_TMP/pw.conf" status
  t_eq "a wrong password (28P01): exit 77, not 69" 77 "$out_rc"
  t_contains "names the login and where its password came from" \
    "the payments database refused the password of user \\\"settle_test_pw\\\" (from the password file $T_TMP/pgpass)" "$out"
  t_contains "keeps the server's reason" 'password authentication failed for user \"settle_test_pw\"' "$out"
  t_contains "says what to fix" "hint=\"put the role's current password in the password file $T_TMP/pgpass" "$out"
  t_not_contains "does not say re-run" "re-run" "$out"
  t_not_contains "never shows the password" "Wr0ngS3cret" "$out"
  t_run out env -u PGPASSWORD "$SETTLE" --config "$T_TMP/pw.conf" run
  t_eq "run: exit 77 too" 77 "$out_rc"

  t_run out env PGPASSWORD=Wr0ngS3cret "$SETTLE" --config "$T_TMP/pw.conf" status
  t_contains "a password from \$PGPASSWORD is named as such" 'user \"settle_test_pw\" (from $PGPASSWORD)' "$out"

  pw_conf '*:*:*:someone_else:x'
  t_run out env -u PGPASSWORD "$SETTLE" --config "$T_TMP/pw.conf" status
  t_eq "no password for the login: exit 77" 77 "$out_rc"
  t_contains "says none was found, and where it looked" \
    "asks user \\\"settle_test_pw\\\" for a password and none was found (looked in the password file $T_TMP/pgpass)" "$out"
  pw_conf '*:*:*:settle_test_pw:right horse battery'
  chmod 644 "$T_TMP/pgpass"
  t_run out env -u PGPASSWORD "$SETTLE" --config "$T_TMP/pw.conf" status
  t_eq "a password file others can read (libpq ignores it): exit 77" 77 "$out_rc"
  t_contains "the hint names the mode" "mode 0600" "$out"
else
  echo "# skip: the server does not ask settle_password_login members for a password (not scripts/pg's cluster)"
fi

# A server that is not there is still "unavailable".
T_CONFIG_CONN="host=$T_TMP/no-server-here dbname=x" t_config "$T_TMP/noserver.conf"
t_run out "$SETTLE" --config "$T_TMP/noserver.conf" status
t_eq "no server on the socket: exit 69" 69 "$out_rc"
t_contains "says re-run when it is back" "re-run when the database is back" "$out"

# The job's own login still connects (the asynchronous connect works).
t_config "$T_TMP/ok.conf"
t_run out "$SETTLE" --config "$T_TMP/ok.conf" status
t_eq "the settle_job member login connects: exit 0" 0 "$out_rc"

# A missing config file: which path, named by what.
t_run out "$SETTLE" --config "$T_TMP/missing.conf" status
t_eq "--config naming a missing file: exit 78" 78 "$out_rc"
t_contains "names the path and --config" "cannot open config file $T_TMP/missing.conf: No such file or directory (named by --config)" "$out"
t_run out env SETTLE_CONFIG="$T_TMP/missing2.conf" "$SETTLE" status
t_eq "SETTLE_CONFIG naming a missing file: exit 78" 78 "$out_rc"
t_contains "names the path and SETTLE_CONFIG" "$T_TMP/missing2.conf: No such file or directory (named by \$SETTLE_CONFIG)" "$out"
if [ ! -e /etc/settle/settle.conf ]; then
  t_run out env -u SETTLE_CONFIG PGHOST="$T_TMP/no-server-here" "$SETTLE" status
  t_contains "no config anywhere: says which paths were tried" \
    'no config file found (tried: --config not given, $SETTLE_CONFIG not set, /etc/settle/settle.conf does not exist)' "$out"
fi

t_run out "$SETTLE" --version
t_eq "--version exits 0" 0 "$out_rc"
t_eq "--version prints what settle version prints" "$("$SETTLE" version)" "$out"
t_done
