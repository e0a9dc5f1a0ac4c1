#!/usr/bin/env bash
# The generated bash completion (build/tcpkit.bash, from scripts/gen_cli_docs.py) offers what a
# word can be: no file names after -p or any option that takes a number, the values of
# --strategy (also as --strategy=), listen addresses for a server's HOST, known host names for
# a client's, files for FILE, TRACE and --trace.
#   bash_completion_test.sh PATH/TO/tcpkit.bash
set -u
script=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/here" && cd "$work/here" && touch notes.txt trace.csv
printf '127.0.0.1 tcpkit-test-host\n' > "$work/hosts"
export HOSTFILE=$work/hosts  # what `compgen -A hostname` reads instead of /etc/hosts

# shellcheck source=/dev/null
source "$script" || exit 1
failures=0

# complete WORD... : the replies for the last word, the line split into words as bash splits
# it (COMP_WORDBREAKS has '=': `--strategy=a` is three words, `--strategy =` ends at '=').
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _tcpkit
  printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}

expect() {
  local want=$1
  shift
  local got
  got=$(complete_words "$@")
  if [[ "$got" != "$want" ]]; then
    echo "FAIL: $* -> [$got], want [$want]"
    failures=$((failures + 1))
  fi
}

[[ "$(complete -p tcpkit)" == "complete -F _tcpkit tcpkit" ]] || { echo "FAIL: complete -p tcpkit: $(complete -p tcpkit)"; failures=$((failures + 1)); }

# Values that are numbers: nothing (before: the files of the current directory).
expect "" tcpkit sixteen server -p ""
expect "" tcpkit sixteen client 127.0.0.1 --port ""
expect "" tcpkit sixteen server 127.0.0.1 --idle-timeout ""
expect "" tcpkit lines server 127.0.0.1 --max-line ""
expect "" tcpkit uppercase client 127.0.0.1 ""  # BYTECOUNT
# Choices, after a space or an '='.
expect "async naive threads" tcpkit uppercase client 127.0.0.1 --strategy ""
expect "async naive threads" tcpkit uppercase client 127.0.0.1 --strategy =
expect "async" tcpkit uppercase client 127.0.0.1 --strategy = a
# HOST: where a server listens, whom a client connects to.
expect "0.0.0.0 127.0.0.1 :: ::1" tcpkit sixteen server ""
expect "0.0.0.0 127.0.0.1 :: ::1" tcpkit simple server --json ""  # a flag takes no value
expect "127.0.0.1" tcpkit lines server 12
expect "0.0.0.0 127.0.0.1 :: ::1" tcpkit uppercase server -p 1060 ""
expect "tcpkit-test-host" tcpkit sixteen client tcpkit-t
expect "tcpkit-test-host" tcpkit bench sixteen tcpkit-t
# Files where a file is meant.
expect "notes.txt trace.csv" tcpkit lines client 127.0.0.1 ""
expect "trace.csv" tcpkit plot tr
expect "notes.txt trace.csv" tcpkit sixteen server 127.0.0.1 --trace ""
expect "trace.csv" tcpkit uppercase client 127.0.0.1 --trace = tr
# Programs, roles, options.
expect "uppercase" tcpkit upp
expect "--help -h client server" tcpkit lines ""
expect "--threads" tcpkit sixteen server 127.0.0.1 --thr
expect "" tcpkit lines server 127.0.0.1 --thr  # the lines server has no --threads

if ((failures > 0)); then
  echo "$failures completion check(s) failed"
  exit 1
fi
echo "bash completion: all checks passed"
