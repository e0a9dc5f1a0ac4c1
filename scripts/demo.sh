#!/usr/bin/env bash
# The main job in one terminal: starts a tcpkit server in the background, runs the clients
# against it, shows both sides' output, and stops the server. Used by the README's first command.
#
#   scripts/demo.sh [BUILD_DIR]      (default: build)
set -euo pipefail
build=${1:-build}
tcpkit="$build/tcpkit"
[[ -x "$tcpkit" ]] || { echo "demo: $tcpkit not found; build first" >&2; exit 1; }

log=$(mktemp)
cleanup() { [[ -n "${server_pid:-}" ]] && kill "$server_pid" 2>/dev/null; rm -f "$log"; }
trap cleanup EXIT

# Port 0: the kernel picks a free port; the server says which in its first line.
"$tcpkit" sixteen server 127.0.0.1 -p 0 >"$log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do grep -q '^Listening at' "$log" && break; sleep 0.05; done
port=$(sed -n 's/^Listening at .*:\([0-9]*\)$/\1/p' "$log")
[[ -n "$port" ]] || { echo "demo: the server did not start:"; cat "$log"; exit 1; }

run() { printf "\n$ %s\n" "$*"; "$@" 2>&1 || echo "(exit status $?)"; }

echo "== tcpkit sixteen: a client and a server exchange exactly sixteen octets each way"
run "$tcpkit" sixteen client 127.0.0.1 -p "$port"
run "$tcpkit" sixteen client 127.0.0.1 -p "$port" --message 'Hi there, server!'
run "$tcpkit" sixteen client 127.0.0.1 -p "$port" --message 'Hi th'

kill -INT "$server_pid"; wait "$server_pid" || true; server_pid=""
printf '\n== what the server printed (tcpkit sixteen server 127.0.0.1 -p %s)\n' "$port"
cat "$log"

printf '\n== and when nothing listens:\n'
run "$tcpkit" sixteen client 127.0.0.1 -p "$port"
