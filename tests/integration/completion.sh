#!/usr/bin/env bash
# completion.sh - packaging/settle.bash-completion, sourced in bash and its
# completion function called as bash would: commands, a command's options
# (from its --help), source names from the config named by --config or
# SETTLE_CONFIG, and nothing else (no sources of another config, no options
# of another command).
. "$(dirname "$0")/../lib.sh"
comp=$T_TOP/packaging/settle.bash-completion
mkdir -p "$T_TMP/bin"
ln -s "$SETTLE" "$T_TMP/bin/settle"
cat >"$T_TMP/a.conf" <<'CONF'
[source bb]
host = sftp.bb.example
[source  itau-cnab ]
host = sftp.itau.example
[profile psp]
delimiter = semicolon
[destination invoices]
host = x
CONF
printf '[source other]\nhost = y\n' >"$T_TMP/b.conf"

# complete WORD...: the completions bash would offer for the last word
complete_words() {
  PATH="$T_TMP/bin:$PATH" bash -c '
    source "$1"; shift
    [ "$(complete -p settle)" = "complete -F _settle settle" ] || { echo "NOT REGISTERED"; exit 1; }
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _settle settle "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$comp" "$@"
}

t_eq "commands starting with 're'" "reconcile report resolve " "$(complete_words settle re)"
t_eq "every command from settle --help" \
  "$("$SETTLE" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}' | sort | tr '\n' ' ')" \
  "$(complete_words settle '')"
t_eq "after a global option, still commands" "status " "$(complete_words settle -q --config "$T_TMP/a.conf" sta)"
t_eq "global options" "--config --help --log-format= --quiet --verbose --version " "$(complete_words settle --)"
t_eq "fetch's options from its --help" "--dry-run --help --source " "$(complete_words settle fetch --)"
t_eq "resolve --as values" "ignore paid refund " "$(complete_words settle resolve 42 --as '')"
t_eq "--source: the sources of the --config file, not profiles or destinations" "bb itau-cnab " \
  "$(complete_words settle --config "$T_TMP/a.conf" fetch --source '')"
t_eq "--source with a prefix" "itau-cnab " "$(complete_words settle --config "$T_TMP/a.conf" ingest --source it)"
t_eq "--source from SETTLE_CONFIG" "other " "$(SETTLE_CONFIG=$T_TMP/b.conf complete_words settle fetch --source '')"
t_eq "--config= wins over SETTLE_CONFIG" "bb itau-cnab " \
  "$(SETTLE_CONFIG=$T_TMP/b.conf complete_words settle --config="$T_TMP/a.conf" fetch --source '')"
t_eq "an unreadable config: no names, no error" "" "$(complete_words settle --config "$T_TMP/none.conf" fetch --source '' 2>&1)"
t_eq "help topics" "config-keys " "$(complete_words settle help conf)"
t_done
