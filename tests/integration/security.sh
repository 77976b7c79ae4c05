#!/usr/bin/env bash
# security.sh - secrets and personal data (docs/security.md): a nightly run
# fetching over SFTP with a passphrase-protected key (and a password file)
# under a permissive umask leaves every spool directory 0700 and every file
# 0600; neither secret appears in anything it printed (text and JSON logs,
# debug level), wrote (spool, metrics) or recorded (job_runs); secret files
# others can read are refused; symlinks the server lists are never followed.
. "$(dirname "$0")/../lib.sh"
. "$T_TOP/tests/support/fetch-lib.sh"

R=$T_TMP/root
mkdir -p "$R/in/sub" "$T_TMP/keys" "$T_TMP/outside"
chmod 700 "$T_TMP/keys"
PASS='Tr0ub4dor-Passphrase-4417'
PW='Hunter2-Password-Zz-9083'
ssh-keygen -q -t ed25519 -N "$PASS" -C sec-key -f "$T_TMP/keys/id"
printf '%s\n' "$PASS" >"$T_TMP/keys/passphrase"
printf '%s\n' "$PW" >"$T_TMP/keys/password"
chmod 600 "$T_TMP/keys/passphrase" "$T_TMP/keys/password"
cp "$T_TOP/tests/fixtures/cnab/brcobranca/CBR64310.RET" "$R/in/GOOD.RET"
head -c 700 "$T_TOP/tests/fixtures/cnab/brcobranca/CNAB240.RET" >"$R/in/CUT.RET"
printf 'outside the served directory\n' >"$T_TMP/outside/secret.RET"
ln -s "$T_TMP/outside/secret.RET" "$R/in/LINK.RET"     # a symlink to a file outside remote_dir
ln -s /etc/passwd "$R/in/PASSWD.RET"                    # and to a system file
ln -s "$T_TMP/outside" "$R/in/DIR.RET"                  # and to a directory
printf 'in a subdirectory\n' >"$R/in/sub/NESTED.RET"
SETTLE_SSHD_EXTRA_KEYS=$T_TMP/keys/id.pub f_sshd_start "$R"
t_newdb
t_config "$T_TMP/settle.conf" \
  "$(f_source bank in identity="$T_TMP/keys/id" identity_passphrase_file="$T_TMP/keys/passphrase" \
      password_file="$T_TMP/keys/password")" \
  "[metrics]" "emf_output = $T_TMP/metrics.log"
rm -rf "$T_TMP/spool"   # settle creates the spool itself
export SETTLE_CONFIG=$T_TMP/settle.conf

all=""
umask 022
t_run out "$SETTLE" -v run
all+="$out"$'\n'
t_run out2 "$SETTLE" -v --log-format=json run
all+="$out2"$'\n'
umask 077
t_contains "the run fetched the good file" "file=GOOD.RET" "$out"
t_contains "and rejected the cut one" "CUT.RET" "$(ls "$T_TMP/spool/rejected/bank")"

# Modes: nothing settle created is readable by group or others.
t_eq "spool created 0700" 700 "$(stat -c %a "$T_TMP/spool")"
t_eq "every spool directory is 0700" "" "$(find "$T_TMP/spool" -type d ! -perm 700 -printf '%m %p\n')"
t_eq "every spool file is 0600" "" "$(find "$T_TMP/spool" -type f ! -perm 600 -printf '%m %p\n')"
t_eq "the archive holds the fetched file, 0600" 600 "$(stat -c %a "$T_TMP/spool/archive/bank/GOOD.RET" 2>&1)"
t_eq "the rejected file and its .error are 0600" "600 600" \
  "$(stat -c %a "$T_TMP/spool/rejected/bank/CUT.RET" "$T_TMP/spool/rejected/bank/CUT.RET.error" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
for d in outbox reports; do
  [ ! -d "$T_TMP/spool/$d" ] || t_eq "$d/ is 0700 and its files 0600" "700 " \
    "$(stat -c %a "$T_TMP/spool/$d") $(find "$T_TMP/spool/$d" -type f ! -perm 600)"
done
[ ! -e "$T_TMP/metrics.log" ] || t_eq "metrics file 0600" 600 "$(stat -c %a "$T_TMP/metrics.log")"

# Symlinks and subdirectories on the server are never followed.
t_eq "only the regular files were fetched" "CUT.RET GOOD.RET" \
  "$(find "$T_TMP/spool" -type f -name '*.RET' -printf '%f\n' | sort -u | tr '\n' ' ' | sed 's/ $//')"
t_contains "the symlink was skipped as not a regular file" "skipped: not a regular file" "$(grep 'file=LINK.RET' <<<"$out")"
t_eq "nothing from outside the served directory in the spool" "" \
  "$(grep -rl -e 'outside the served directory' -e 'root:x:0:0' -e 'in a subdirectory' "$T_TMP/spool")"

# No secret printed, written or recorded.
t_not_contains "no passphrase in any output" "$PASS" "$all"
t_not_contains "no password in any output" "$PW" "$all"
t_eq "no secret in any spool file or the metrics" "" \
  "$(grep -rl -F -e "$PASS" -e "$PW" "$T_TMP/spool" "$T_TMP/metrics.log" 2>/dev/null)"
t_eq "no secret in the database" "0" \
  "$(t_sql "SELECT count(*) FROM job_runs r LEFT JOIN job_run_steps s ON s.run_id = r.id
            WHERE concat(r.summary, s.counts::text) LIKE '%$PASS%' OR concat(r.summary, s.counts::text) LIKE '%$PW%'")"
t_not_contains "no secret in the config (paths only)" "$PASS" "$(cat "$T_TMP/settle.conf")"

# Secret files others can read are refused, naming the file, not the secret.
for f in passphrase password; do
  chmod 640 "$T_TMP/keys/$f"
  t_run out "$SETTLE" fetch
  t_eq "$f file 0640: fetch exits 69" 69 "$out_rc"
  t_contains "$f file 0640: refused" "$T_TMP/keys/$f is accessible by group or others (mode 0640); refusing to use it" "$out"
  t_not_contains "$f file 0640: secret not shown" "$PASS" "$out"
  t_not_contains "$f file 0640: password not shown" "$PW" "$out"
  chmod 600 "$T_TMP/keys/$f"
done
# A password in [database] conninfo (docs/security.md, section 3): refused in
# a config group or others can read, a warning pointing to .pgpass in a 0600
# one; a malformed conninfo is named by key, its value never echoed (libpq's
# own message quotes it: invalid percent-encoded token: "S3cr%ZZ3tPw").
DBPW='Conninfo-Pw-Q7x-5521'
pwconf() { # FILE MODE CONNINFO
  printf '[database]\nconninfo = %s\n[spool]\ndir = %s\n' "$3" "$T_TMP/spool" >"$1"
  chmod "$2" "$1"
}
for m in 644 640 604; do
  pwconf "$T_TMP/pw$m.conf" $m "$T_JOB_CONN password=$DBPW"
  t_run out "$SETTLE" --config "$T_TMP/pw$m.conf" status
  t_eq "a password in conninfo of a $m config: exit 78" 78 "$out_rc"
  t_contains "the refusal names the file and its mode" "$T_TMP/pw$m.conf: [database] conninfo holds a password and the file is readable by" "$out"
  t_contains "and says where the password goes" "hint=\"put the password in ~/.pgpass (mode 0600) or the file \$PGPASSFILE names" "$out"
  t_not_contains "and never shows it" "$DBPW" "$out"
done
pwconf "$T_TMP/pw600.conf" 600 "$T_JOB_CONN password=$DBPW"
t_run out "$SETTLE" --config "$T_TMP/pw600.conf" status
t_eq "a password in conninfo of a 0600 config: accepted (exit 0)" 0 "$out_rc"
t_contains "with a warning pointing to .pgpass" "level=warn component=config msg=\"[database] conninfo holds a password; keep it in ~/.pgpass (mode 0600) or \$PGPASSFILE instead" "$out"
t_not_contains "the warning does not show it" "$DBPW" "$out"
pwconf "$T_TMP/nopw.conf" 644 "$T_JOB_CONN"
t_run out "$SETTLE" --config "$T_TMP/nopw.conf" status
t_eq "no password in conninfo: a 0644 config is fine" 0 "$out_rc"
t_not_contains "and no warning" "conninfo holds a password" "$out"
bad_conninfo() { # WHAT CONNINFO SECRET EXPECTED
  pwconf "$T_TMP/bad.conf" 600 "$2"
  t_run out "$SETTLE" --config "$T_TMP/bad.conf" status
  t_eq "malformed conninfo ($1): exit 78" 78 "$out_rc"
  t_contains "malformed conninfo ($1): names what" "$4" "$out"
  t_not_contains "malformed conninfo ($1): the value is not echoed" "$3" "$out"
}
bad_conninfo "URI password with a bad %-escape" "postgresql://settle_test_job:S3cr%ZZ3tPw@localhost/x" "S3cr" \
  "bad value for 'conninfo' in [database]: the password in the URI is not valid percent-encoding (value not shown)"
bad_conninfo "unterminated quote" "$T_JOB_CONN password='S3cr3tQuote" "S3cr3tQuote" "the value of 'password' has no closing quote"
bad_conninfo "a password without key" "$T_JOB_CONN S3cr3tWord" "S3cr3tWord" "is not KEY=VALUE (not shown: it may be a value)"
bad_conninfo "a misspelt key" "$T_JOB_CONN passwrd=S3cr3tTypo" "S3cr3tTypo" "'passwrd' is not a libpq connection key"
t_done
