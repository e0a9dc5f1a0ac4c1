#!/usr/bin/env bash
# Makes the three pictures in docs/DEADLOCK.md, one run each on 127.0.0.1:
#   docs/deadlock-naive.svg, docs/deadlock-threads.svg, docs/deadlock-async.svg
# Usage: scripts/deadlock_pictures.sh [BUILD_DIR] [OUT_DIR]   (defaults: build, docs)
set -euo pipefail
build=${1:-build}
out=${2:-docs}
tcpkit="$build/tcpkit"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One traced run: a server for one connection, one client, then the chart of both traces.
picture() {
  local name=$1 bytes=$2 strategy=$3
  "$tcpkit" uppercase server 127.0.0.1 -p 0 --once --trace "$work/$name-server.csv" >"$work/$name-server.out" 2>&1 &
  local server=$!
  local port=""
  for _ in $(seq 100); do
    port=$(grep -o 'Listening at 127.0.0.1:[0-9]*' "$work/$name-server.out" | cut -d: -f2 || true)
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { echo "the server did not start" >&2; kill "$server"; exit 1; }
  "$tcpkit" uppercase client 127.0.0.1 "$bytes" -p "$port" --strategy "$strategy" --trace "$work/$name-client.csv" || true
  wait "$server" || true
  "$tcpkit" plot "$work/$name-client.csv" "$work/$name-server.csv" -o "$out/deadlock-$name.svg"
  echo "wrote $out/deadlock-$name.svg"
}

picture naive 67108864 naive        # 64 MiB: freezes after a few MB; the watchdog stops it after 5 s
picture threads 268435456 threads   # 256 MiB: flows
picture async 268435456 async       # 256 MiB: flows
