#!/usr/bin/env bash
# The main job in one terminal: starts each tcpkit server in the background, runs clients
# against it, shows both sides' output, and stops the server. The README's first command.
#
#   scripts/demo.sh [BUILD_DIR]      (default: build)
set -euo pipefail
build=${1:-build}
tcpkit="$build/tcpkit"
[[ -x "$tcpkit" ]] || { echo "demo: $tcpkit not found; build first" >&2; exit 1; }

tmp=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT

# start NAME STREAM ARGS...: runs a tcpkit server on port 0 in the background, its output in
# $tmp/NAME.log, and sets $port to the port it reports in its "Listening at" line on STREAM.
start() {
  local name=$1; shift
  # The lines server keeps stdout for the lines; the others get one log in output order.
  if [[ "$name" == lines ]]; then
    "$tcpkit" "$@" -p 0 >"$tmp/$name.out" 2>"$tmp/$name.err" &
  else
    "$tcpkit" "$@" -p 0 >"$tmp/$name.out" 2>&1 &
  fi
  pids+=($!)
  local line=""
  for _ in $(seq 200); do
    line=$(grep -h -m1 '^Listening at' "$tmp/$name.out" "$tmp/$name.err" 2>/dev/null || true)
    [[ -n "$line" ]] && break
    sleep 0.05
  done
  port=${line##*:}
  [[ -n "$port" ]] || { echo "demo: the $name server did not start:"; cat "$tmp/$name.err"; exit 1; }
}
stop() { kill -INT "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'; }
run() { printf '\n$ %s\n' "$*"; "$@" 2>&1 || echo "(exit status $?)"; }
show() { printf '\n-- the server printed:\n'; cat "$tmp/$1.out"; }

echo "== 1. sixteen: a client and a server exchange exactly sixteen octets each way"
start sixteen sixteen server 127.0.0.1
run "$tcpkit" sixteen client 127.0.0.1 -p "$port"
run "$tcpkit" sixteen client 127.0.0.1 -p "$port" --message 'Hi there, server!'
run "$tcpkit" sixteen client 127.0.0.1 -p "$port" --message 'Hi th'
stop; show sixteen
printf '\n-- and when nothing listens there any more:'
run "$tcpkit" sixteen client 127.0.0.1 -p "$port"

printf '\n== 2. uppercase: the naive client deadlocks on a large count; threads and async do not\n'
start uppercase uppercase server 127.0.0.1
run "$tcpkit" uppercase client 127.0.0.1 -p "$port"
run "$tcpkit" uppercase client 127.0.0.1 67108864 -p "$port" --stall-timeout 2
run "$tcpkit" uppercase client 127.0.0.1 67108864 -p "$port" --strategy threads
run "$tcpkit" uppercase client 127.0.0.1 67108864 -p "$port" --strategy async
stop

printf '\n== 3. lines: the server reads the socket like a file and prints each line\n'
start lines lines server 127.0.0.1
printf 'first line\r\nsecond line\nlast line, no newline' >"$tmp/lines.txt"
run "$tcpkit" lines client 127.0.0.1 "$tmp/lines.txt" -p "$port"
stop
printf '\n-- the server'"'"'s stdout (the lines, exactly as sent):\n'; cat "$tmp/lines.out"; echo
printf '\n-- its stderr:\n'; cat "$tmp/lines.err"
