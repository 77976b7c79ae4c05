#!/usr/bin/env bash
# pix_api_pull.sh - `settle fetch` of [source NAME] type = pix_api against the
# throwaway HTTPS server of scripts/pix-api-server (mTLS, OAuth2 client
# credentials) and a real PostgreSQL: a good pull of 3 pages into one file,
# the next pull starting at the recorded fim - overlap_seconds, the faults
# that recover (401 once, 429 once, 500 once) and the ones that fail (401
# always, 429 past the bound, 500 always, a timeout, a short page, a
# missing page, a bad envelope, a window not echoed, a refused secret):
# no file, no window row, the source failed, the other source unaffected,
# the secret and tokens never in the output. Then config errors (78).
# test: slow (scripts/run-tests starts it first, so it does not end the run alone)
. "$(dirname "$0")/../lib.sh"

SRV=$T_TOP/scripts/pix-api-server
export SETTLE_HTTP_BACKOFF_MS=50 SETTLE_PIX_SERVER_SLEEP=4
A=$T_TMP/pix-a B=$T_TMP/pix-b
stop_servers() {
  SETTLE_PIX_SERVER_DIR=$A "$SRV" stop 2>/dev/null
  SETTLE_PIX_SERVER_DIR=$B "$SRV" stop 2>/dev/null
  t_cleanup
}
trap stop_servers EXIT

SETTLE_PIX_SERVER_DIR=$A "$SRV" start >/dev/null || { t_fail "pix-api server A starts"; exit 1; }
SETTLE_PIX_SERVER_DIR=$B "$SRV" start >/dev/null || { t_fail "pix-api server B starts"; exit 1; }
# shellcheck disable=SC1091
. "$B/env"; b_base=$base_url b_ca=$ca_file b_cert=$cert b_key=$key b_secret_file=$client_secret_file b_pid=$pid
# shellcheck disable=SC1091
. "$A/env"; a_pid=$pid
secret=$(cat "$client_secret_file")
fault() { SETTLE_PIX_SERVER_DIR=$A "$SRV" fault "$1"; }

first=$(date -u -d '2 days ago' +%Y-%m-%dT%H:%M:%SZ)
pix_source() { # NAME BASE CA CERT KEY SECRET_FILE [KEY=VALUE...]
  echo "[source $1]"
  echo "type = pix_api"
  echo "base_url = $2"
  echo "ca_file = $3"
  echo "cert = $4"
  echo "key = $5"
  echo "client_id = settle-test"
  echo "client_secret_file = $6"
  echo "first_window_start = $first"
  echo "timeout_seconds = 2"
  echo "retries = 1"
  shift 6
  local kv; for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
}

t_newdb
t_config "$T_TMP/settle.conf" \
  "$(pix_source psp "$base_url" "$ca_file" "$cert" "$key" "$client_secret_file" scope=pix.read)" \
  "$(pix_source other "$b_base" "$b_ca" "$b_cert" "$b_key" "$b_secret_file")"
chmod 600 "$T_TMP/settle.conf"
inc=$T_TMP/spool/incoming
pull() { t_run out "$SETTLE" --config "$T_TMP/settle.conf" ${PULL_OPTS:-} fetch "$@"; }
files() { ls -1 "$inc/psp" 2>/dev/null | wc -l | tr -d ' '; }
windows() { t_sql "SELECT count(*) FROM pix_api_windows WHERE source = 'psp'"; }
no_secrets() { # WHAT: neither the client secret nor any token issued in the output
  t_not_contains "$1: the client secret is not in the output" "$secret" "$out"
  local tok leaked=""
  while read -r tok; do case "$out" in *"$tok"*) leaked=$tok ;; esac; done < <(cat "$A/tokens.log" "$B/tokens.log" 2>/dev/null)
  t_eq "$1: no access token in the output" "" "$leaked"
}

# --dry-run: the window, nothing asked of the server.
pull --source psp --dry-run
t_eq "dry-run exits 0" 0 "$out_rc"
t_contains "dry-run prints the first window" "$(printf 'psp\tGET /pix inicio=%s fim=' "$first")" "$out"
t_eq "dry-run sends no request" "" "$(cat "$A/requests.log")"

# A good pull: token, 3 pages, one file.
pull
t_eq "good pull exits 0" 0 "$out_rc"
t_eq "one file in incoming/psp" 1 "$(files)"
f=$(ls -1 "$inc/psp"/pix-api-*.jsonl 2>/dev/null | head -n 1)
t_check "the file is named pix-api-INICIO-FIM.jsonl" test -n "$f"
t_eq "the file holds one page per line" 3 "$(wc -l <"$f" | tr -d ' ')"
t_eq "every line is a JSON page; items add up" "0,1,2 250 250" "$(python3 -c '
import json, sys
pages = [json.loads(l) for l in open(sys.argv[1])]
print(",".join(str(p["parametros"]["paginacao"]["paginaAtual"]) for p in pages),
      sum(len(p["pix"]) for p in pages), pages[0]["parametros"]["paginacao"]["quantidadeTotalDeItens"])' "$f")"
t_eq "the file is 0600" 600 "$(stat -c %a "$f")"
t_eq "nothing left in tmp/psp" "" "$(ls -A "$T_TMP/spool/tmp/psp")"
t_eq "registered in fetched_files with its sha256 and size" \
  "$(basename "$f")|$(stat -c %s "$f")|$(sha256sum <"$f" | cut -c1-64)|keep|t" \
  "$(t_sql "SELECT local_name, size_bytes, sha256, after_fetch, after_fetch_done FROM fetched_files WHERE source = 'psp'")"
t_eq "the window is recorded" "$first|3|250|$(basename "$f")" \
  "$(t_sql "SELECT to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), pages, items, w.local_name
            FROM pix_api_windows w JOIN fetched_files f ON f.id = w.file_id WHERE w.source = 'psp'")"
reqs=$(cat "$A/requests.log")
t_eq "the server saw a token request and pages 0, 1, 2 of 100 from first_window_start" \
  "POST /oauth/token 200
GET /pix?inicio=$first&fim=X&paginacao.paginaAtual=0&paginacao.itensPorPagina=100 200
GET /pix?inicio=$first&fim=X&paginacao.paginaAtual=1&paginacao.itensPorPagina=100 200
GET /pix?inicio=$first&fim=X&paginacao.paginaAtual=2&paginacao.itensPorPagina=100 200" \
  "$(sed -E 's/fim=[^&]*/fim=X/' <<<"$reqs")"
t_contains "logs the pull" "component=fetch msg=pulled source=psp local=$(basename "$f")" "$out"
t_contains "logs the counts" "pages=3 items=250" "$out"
t_contains "the other source pulled too" "component=fetch msg=pulled source=other" "$out"
no_secrets "good pull"
# The pulled file is what the API Pix reader reads (parsers/pixapi.c): every
# item a Pix record, nothing refused.
t_run out "$SETTLE" parse "$f"
t_eq "settle parse reads the pulled file" 0 "$out_rc"
t_eq "one pix row per item" 250 "$(grep -c ',pix-api,' <<<"$out")"

# The next run asks from the recorded fim minus overlap_seconds (3600).
want=$(t_sql "SELECT to_char((window_end - interval '3600 seconds') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
              FROM pix_api_windows WHERE source = 'psp'")
: >"$A/requests.log"
sleep 1
pull --source psp
t_eq "second pull exits 0" 0 "$out_rc"
t_contains "second pull asks from the last fim - overlap" "GET /pix?inicio=$want&fim=" "$(sed -n 2p "$A/requests.log")"
t_eq "second pull: two files" 2 "$(files)"
t_eq "second pull: two windows, the second starting at fim - overlap" "2 $want" \
  "$(t_sql "SELECT count(*) || ' ' || to_char(max(window_start) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
            FROM pix_api_windows WHERE source = 'psp'")"

# Faults the pull recovers from.
: >"$A/requests.log"; fault 401-once; sleep 1
PULL_OPTS=-v pull --source psp
t_eq "401 once: exit 0" 0 "$out_rc"
t_contains "401 once: the token is refreshed" "msg=\"HTTP 401: refreshing the access token once\" source=psp" "$out"
t_eq "401 once: two token requests" 2 "$(grep -c '^POST /oauth/token 200' "$A/requests.log")"
t_eq "401 once: a file and a window" "3 3" "$(files) $(windows)"
no_secrets "401 once (debug)"

: >"$A/requests.log"; fault 429-once; sleep 1
PULL_OPTS="-v --log-format=json" pull --source psp
t_eq "429 once: exit 0" 0 "$out_rc"
t_contains "429 once: waits as Retry-After asks" '"msg":"rate limited; waiting as Retry-After asks","source":"psp","request":"page 0","status":429,"retry_in_s":1' "$out"
no_secrets "429 once (debug, JSON)"
t_eq "429 once: a file and a window" "4 4" "$(files) $(windows)"

: >"$A/requests.log"; fault 500-once; sleep 1
pull --source psp
t_eq "500 once: exit 0" 0 "$out_rc"
t_contains "500 once: retried with backoff" "msg=\"request failed, retrying\" source=psp request=\"page 0\" status=500" "$out"
t_eq "500 once: a file and a window" "5 5" "$(files) $(windows)"

# Faults that fail the source: nothing written, the other source goes on.
check_failure() { # MODE WHAT EXPECTED_MESSAGE
  local n_files n_win n_other
  n_files=$(files) n_win=$(windows)
  n_other=$(t_sql "SELECT count(*) FROM pix_api_windows WHERE source = 'other'")
  fault "$1"; sleep 1 # a new second: the other source's window moves on
  pull
  t_eq "$2: exit 69" 69 "$out_rc"
  t_contains "$2: the error says what failed" "$3" "$out"
  t_contains "$2: the source is named as failed" "1 source(s) failed: psp" "$out"
  t_eq "$2: no new file in incoming/psp" "$n_files" "$(files)"
  t_eq "$2: no new window row" "$n_win" "$(windows)"
  t_eq "$2: nothing left in tmp/psp" "" "$(ls -A "$T_TMP/spool/tmp/psp")"
  t_eq "$2: the other source pulled" "$((n_other + 1))" "$(t_sql "SELECT count(*) FROM pix_api_windows WHERE source = 'other'")"
  no_secrets "$2"
  fault none
}
check_failure 401-always "401 always" "page 0: HTTP 401 again with a fresh token; giving up"
check_failure 429-long "429 past the bound" "page 0: HTTP 429 (rate limited); waiting 3600s more would exceed the bound of 300s"
check_failure 500-always "500 always" "page 0: HTTP 500 (after 2 attempt(s))"
check_failure timeout "timeout" "page 1: timeout after 2s"
check_failure short "a short page" "page 1 holds 99 items, 100 expected"
check_failure missing "a missing page" "page 2 was asked for, paginaAtual 1 came back (a page is missing)"
check_failure badjson "a bad envelope" "page 0: no parametros.paginacao object"
check_failure window "a window not echoed" "page 0 answers for the window"
check_failure token-401 "the secret refused" "token: HTTP 401: the token endpoint refused client_id settle-test and its secret"
SETTLE_PIX_MAX_RESPONSE_BYTES=1048576 check_failure huge "a response over the bound" "page 0: the response is larger than 1048576 bytes; refused"
t_contains "failures are logged as the source failing" "API Pix pull of" "$out"
# A bound from the environment is a number in range or nothing: junk, a
# sign, zero, an overflow, a value above the built-in bound are refused
# before any request (atoll read "12abc" as 12, "abc" as no bound and "30s"
# as 30). env_refused VAR BOUND VALUE...
env_refused() {
  local var=$1 bound=$2 bad n_files n_win; shift 2
  for bad in "$@"; do
    n_files=$(files) n_win=$(windows)
    : >"$A/requests.log"
    t_run out env "$var=$bad" "$SETTLE" --config "$T_TMP/settle.conf" fetch --source psp
    t_eq "$var=$bad: exit 78" 78 "$out_rc"
    t_contains "$var=$bad: says what is wrong" \
      "$var = \\\"$bad\\\": expected a whole number from 1 to $bound (it can only lower the bound)" "$out"
    t_eq "$var=$bad: no request" "" "$(cat "$A/requests.log")"
    t_eq "$var=$bad: no file, no window" "$n_files $n_win" "$(files) $(windows)"
  done
}
env_refused SETTLE_PIX_MAX_RESPONSE_BYTES 67108864 12abc -5 0 99999999999999999999 67108865
env_refused SETTLE_PIX_MAX_WAIT_S 300 30s 301

# Local files: a group-readable mTLS key is refused before any request.
cp "$key" "$T_TMP/open.key"; chmod 644 "$T_TMP/open.key"
t_config "$T_TMP/openkey.conf" "$(pix_source psp "$base_url" "$ca_file" "$cert" "$T_TMP/open.key" "$client_secret_file")"
: >"$A/requests.log"
t_run out "$SETTLE" --config "$T_TMP/openkey.conf" fetch
t_eq "key readable by others: exit 78" 78 "$out_rc"
t_contains "key readable by others: refused" "key $T_TMP/open.key is accessible by group or others (mode 0644); refusing to use it" "$out"
t_eq "key readable by others: no request" "" "$(cat "$A/requests.log")"

# A server whose certificate our CA did not sign: refused by TLS, nothing written.
t_config "$T_TMP/wrongca.conf" "$(pix_source psp "$base_url" "$b_ca" "$cert" "$key" "$client_secret_file")"
n_files=$(files) n_win=$(windows)
: >"$A/requests.log"
sleep 1
t_run out "$SETTLE" --config "$T_TMP/wrongca.conf" fetch
t_eq "server certificate not trusted: exit 69" 69 "$out_rc"
t_contains "server certificate not trusted: says so" "token: SSL certificate problem" "$out"
t_eq "server certificate not trusted: no request reached the server" "" "$(cat "$A/requests.log")"
t_eq "server certificate not trusted: no file, no window" "$n_files $n_win" "$(files) $(windows)"

# A source never pulled and without first_window_start: a configuration error.
t_config "$T_TMP/nofirst.conf" "$(pix_source fresh "$base_url" "$ca_file" "$cert" "$key" "$client_secret_file" | grep -v first_window_start)"
t_run out "$SETTLE" --config "$T_TMP/nofirst.conf" fetch
t_eq "no first_window_start and no pull yet: exit 78" 78 "$out_rc"
t_contains "no first_window_start and no pull yet: says so" "[source fresh] has never been pulled and sets no first_window_start" "$out"
t_eq "no first_window_start and no pull yet: no request" "" "$(cat "$A/requests.log")"

# Config errors, file:line, exit 78. CFGLINES: the lines t_config writes before
# the extras given to it.
t_config "$T_TMP/base.conf"
CFGLINES=$(wc -l <"$T_TMP/base.conf")
cfgerr() { # WHAT EXPECTED LINES...
  local what=$1 want=$2; shift 2
  t_config "$T_TMP/bad.conf" "$@"
  chmod 600 "$T_TMP/bad.conf"
  t_run out "$SETTLE" --config "$T_TMP/bad.conf" fetch
  t_eq "$what: exit 78" 78 "$out_rc"
  t_contains "$what: message" "$want" "$out"
}
cfgerr "plain http refused" "bad.conf:$((CFGLINES + 3)): bad value for 'base_url' in [source]: expected an https:// URL" \
  "[source p]" "type = pix_api" "base_url = http://127.0.0.1:1"
cfgerr "bad first_window_start" "bad.conf:$((CFGLINES + 3)): bad value for 'first_window_start' in [source]: expected an RFC 3339 time" \
  "[source p]" "type = pix_api" "first_window_start = 2026-13-01"
cfgerr "missing cert" "bad.conf:$((CFGLINES + 1)): [source p] has type = pix_api but no 'cert'" \
  "[source p]" "type = pix_api" "base_url = https://x.example" "client_id = c" "client_secret_file = /x" "key = /k"
cfgerr "an sftp key on a pix_api source" "[source p] sets 'host', which applies only to type = sftp" \
  "[source p]" "type = pix_api" "host = h" "base_url = https://x.example" "client_id = c" "client_secret_file = /x" "cert = /c" "key = /k"
cfgerr "both secrets" "needs exactly one of 'client_secret_file' or 'client_secret'" \
  "[source p]" "type = pix_api" "base_url = https://x.example" "client_id = c" "client_secret_file = /x" "client_secret = s3cr3t-inline" "cert = /c" "key = /k"
t_not_contains "a bad config never prints an inline secret" "s3cr3t-inline" "$out"

# An inline client_secret: refused in a file others may read, used in a 0600 one.
t_config "$T_TMP/inline.conf" "$(pix_source psp "$base_url" "$ca_file" "$cert" "$key" "$client_secret_file" | grep -v client_secret_file)" \
  "client_secret = $secret"
chmod 644 "$T_TMP/inline.conf"
line=$(grep -n '^client_secret = ' "$T_TMP/inline.conf" | cut -d: -f1)
t_run out "$SETTLE" --config "$T_TMP/inline.conf" fetch
t_eq "inline secret in a 0644 config: exit 78" 78 "$out_rc"
t_contains "inline secret in a 0644 config: refused at its line" \
  "inline.conf:$line: client_secret of [source psp] is in a file readable or writable by group or others (mode 0644); refusing to use it" "$out"
no_secrets "inline secret refused"
chmod 600 "$T_TMP/inline.conf"
sleep 1
t_run out "$SETTLE" --config "$T_TMP/inline.conf" fetch
t_eq "inline secret in a 0600 config: exit 0" 0 "$out_rc"
no_secrets "inline secret used"

# Stopping the servers leaves nothing running.
SETTLE_PIX_SERVER_DIR=$A "$SRV" stop
SETTLE_PIX_SERVER_DIR=$B "$SRV" stop
t_check "server A is gone" bash -c "! kill -0 $a_pid 2>/dev/null"
t_check "server B is gone" bash -c "! kill -0 $b_pid 2>/dev/null"
t_eq "no process left in their groups" "" "$(pgrep -g "$a_pid,$b_pid" 2>/dev/null)"

t_done
