#!/usr/bin/env bash
# The shaping proxy, unshaped, against socat's TCP relay: the same stream through each, in
# the same run, alternated, median of REPS runs (docs/BENCHMARKS.md, "The proxy").
#
#   bench/proxy.sh [--build-dir DIR] [--bytes N] [--reps N]
#
#   client ──N bytes──> relay ──> uppercase_blocking ──N bytes back──> relay ──> client
#
# The ends are the C yardsticks (bench/yardsticks: uppercase_poll_client, uppercase_blocking),
# so that the relay in the middle is what is measured. The relay carries N bytes each way; the
# rate is N over the client's wall time (its mb_per_s, 10^6 bytes/s), and CPU per GB is the
# relay's user + system time (socat's forked children included) per 10^9 bytes relayed (2N).
# Prints a markdown table on stdout. Everything listens on 127.0.0.1; every wait is bounded.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build-bench"
BYTES=1000000000
REPS=5
while (($#)); do
  case "$1" in
    --build-dir) BUILD=$(realpath -m "$2"); shift ;;
    --bytes) BYTES="$2"; shift ;;
    --reps) REPS="$2"; shift ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "proxy.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
command -v socat > /dev/null || { echo "proxy.sh: socat is not installed (scripts/install-deps.sh --bench)" >&2; exit 1; }
if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DTCPKIT_BUILD_BENCH=ON > /dev/null
fi
cmake --build "$BUILD" -j2 --target tcpkit_cli uppercase_blocking uppercase_poll_client > /dev/null
TCPKIT="$BUILD/tcpkit"
YARD="$BUILD/bench"
TICKS=$(getconf CLK_TCK)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2> /dev/null || true; done; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# wait_listening PORT: until something accepts on 127.0.0.1:PORT, at most 10 s.
wait_listening() {
  python3 - "$1" << 'PY'
import socket, sys, time
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.02)
sys.exit("nothing listens on port " + sys.argv[1])
PY
}
# cpu_seconds PID: user + system time of PID and of its reaped children.
cpu_seconds() { awk -v t="$TICKS" '{ printf "%.3f", ($14 + $15 + $16 + $17) / t }' "/proc/$1/stat"; }

upstream_port=$(free_port)
"$YARD/uppercase_blocking" 127.0.0.1 "$upstream_port" > /dev/null &
PIDS+=($!)
wait_listening "$upstream_port"

# one_run NAME: one stream through a fresh relay of that kind; prints "MB/s CPU-seconds".
one_run() {
  local port pid rate cpu
  port=$(free_port)
  case "$1" in
    tcpkit) "$TCPKIT" proxy 127.0.0.1 -p "$port" --to "127.0.0.1:$upstream_port" -q & ;;
    socat) socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" "TCP:127.0.0.1:$upstream_port" & ;;
  esac
  pid=$!
  PIDS+=("$pid")
  wait_listening "$port"
  sleep 0.2  # socat reaps the probe connection's child
  local before; before=$(cpu_seconds "$pid")
  rate=$(timeout 120 "$YARD/uppercase_poll_client" 127.0.0.1 "$port" "$BYTES" | python3 -c 'import json,sys; print(json.load(sys.stdin)["mb_per_s"])')
  sleep 0.2  # socat's child ends and is reaped: its time joins cutime/cstime
  cpu=$(awk -v a="$(cpu_seconds "$pid")" -v b="$before" 'BEGIN { printf "%.3f", a - b }')
  kill "$pid"
  wait "$pid" 2> /dev/null || true
  echo "$rate $cpu"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A RATES CPUS
for ((i = 1; i <= REPS; i++)); do
  if ((i % 2)); then order="tcpkit socat"; else order="socat tcpkit"; fi
  for relay in $order; do
    read -r rate cpu < <(one_run "$relay")
    echo "[proxy bench] run $i $relay: $rate MB/s, $cpu s CPU" >&2
    RATES[$relay]+="$rate "
    CPUS[$relay]+="$cpu "
  done
done

gb=$(awk -v b="$BYTES" 'BEGIN { print 2 * b / 1e9 }')
echo "| relay | median MB/s (each way) | runs (MB/s) | CPU s per GB relayed (median) |"
echo "| --- | ---: | --- | ---: |"
for relay in tcpkit socat; do
  m=$(tr ' ' '\n' <<< "${RATES[$relay]}" | grep . | median)
  c=$(tr ' ' '\n' <<< "${CPUS[$relay]}" | grep . | median)
  per_gb=$(awk -v c="$c" -v g="$gb" 'BEGIN { printf "%.2f", c / g }')
  echo "| $relay | $m | ${RATES[$relay]% } | $per_gb |"
  eval "median_$relay=$m"
done
ratio=$(awk -v a="$median_tcpkit" -v b="$median_socat" 'BEGIN { printf "%.2f", a / b }')
echo
echo "tcpkit proxy / socat: ${ratio}x (target: at least 0.8x)"
