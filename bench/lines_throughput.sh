#!/usr/bin/env bash
# Throughput of the lines service with the server's stdout redirected to a file, run the way a
# user would: the server and the client are two background processes.
#
#   bench/lines_throughput.sh [BUILD_DIR] [MEGABYTES] [RUNS]      (defaults: build 100 3)
#
# Servers: `tcpkit lines server` and bench/python/makefile_server.py (the lab's makefile() way).
# Clients: `tcpkit lines client FILE` and `nc -N` (netcat-openbsd). Every run checks that the
# copy is byte-for-byte the input. Time is from starting the client to its exit, i.e. until
# the acknowledgement arrived, which both servers send only after flushing stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
megabytes=${2:-100}
runs=${3:-3}
tcpkit=$(cd "$build" && pwd)/tcpkit
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# Random printable lines of 0..~300 bytes (mean ~50), one in ten CRLF: the same file every time.
python3 - "$work/input.txt" "$megabytes" <<'EOF'
import random, sys
random.seed(1060)
path, target = sys.argv[1], int(sys.argv[2]) * 1000 * 1000
alphabet = bytes(range(32, 127))
chunks, size = [], 0
while size < target:
    line = bytes(random.choices(alphabet, k=min(int(random.expovariate(1 / 50)), 300)))
    line += b"\r\n" if random.random() < 0.1 else b"\n"
    chunks.append(line)
    size += len(line)
open(path, "wb").write(b"".join(chunks))
EOF
bytes=$(stat -c %s "$work/input.txt")
lines=$(tr -dc '\n' < "$work/input.txt" | wc -c)
echo "input: $bytes bytes, $lines lines; $(nproc) cores; $(uname -r)"

# start_server NAME COMMAND...: runs COMMAND > $work/copy.txt, sets $server_pid and $port.
start_server() {
  rm -f "$work/copy.txt" "$work/server.err"
  "$@" > "$work/copy.txt" 2> "$work/server.err" &
  server_pid=$!
  for _ in $(seq 100); do
    grep -q "Listening at" "$work/server.err" 2>/dev/null && break
    sleep 0.05
  done
  port=$(grep -o 'Listening at [^ ]*' "$work/server.err" | sed 's/.*://')
}

# Both servers run with --once: they exit after the run's one connection. (A background job of
# a script ignores SIGINT, so Python would not even see a Ctrl-C.)
stop_server() {
  wait "$server_pid" 2>/dev/null || true
}

report() {  # report LABEL SECONDS
  awk -v label="$1" -v s="$2" -v b="$bytes" -v l="$lines" \
    'BEGIN { printf "%-42s %7.3f s  %8.1f MB/s  %7.2f M lines/s\n", label, s, b / 1e6 / s, l / 1e6 / s }'
}

run() {  # run LABEL CLIENT_KIND SERVER_COMMAND...
  local label=$1 kind=$2
  shift 2
  for run in $(seq "$runs"); do
    start_server "$@"
    local start end
    start=$(date +%s.%N)
    if [[ $kind == tcpkit ]]; then
      "$tcpkit" lines client 127.0.0.1 "$work/input.txt" -p "$port" -q
    else
      nc -N 127.0.0.1 "$port" < "$work/input.txt" > "$work/ack.txt"
    fi
    end=$(date +%s.%N)
    stop_server
    cmp -s "$work/input.txt" "$work/copy.txt" || { echo "$label: copy differs from the input" >&2; exit 1; }
    report "$label (run $run)" "$(echo "$end - $start" | bc -l)"
  done
}

run "tcpkit server <- tcpkit client" tcpkit "$tcpkit" lines server 127.0.0.1 -p 0 --once
run "tcpkit server <- nc -N" nc "$tcpkit" lines server 127.0.0.1 -p 0 --once
run "python makefile() server <- tcpkit client" tcpkit python3 "$here/python/makefile_server.py" 127.0.0.1 -p 0 --once
run "python makefile() server <- nc -N" nc python3 "$here/python/makefile_server.py" 127.0.0.1 -p 0 --once
