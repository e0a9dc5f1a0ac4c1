#!/usr/bin/env bash
# Every contender, the same load, one run: tcpkit's servers and clients against the seeds'
# Python programs, socat + tr, a Python makefile() line server, small C yardsticks and
# iperf3. Writes the results, the machine, the exact commands and the ratios the performance
# targets are about into docs/BENCHMARKS.md (between its generated-section markers) and a
# plot into docs/benchmarks.svg.
#
#   bench/run.sh                 full run, about 5 minutes; updates docs/
#   bench/run.sh --quick         smaller loads, one repetition, 1-2 minutes; prints the table
#                                and writes BUILD/bench-results/ only
#   options: --build-dir DIR     the Release build to use or make (default: build-bench)
#            --output FILE       write the markdown there instead
#            --only LIST         run only these parts, comma-separated: uppercase, sixteen,
#                                many, lines (for iteration; docs/ is then left alone)
#
# Everything listens on 127.0.0.1 only. Every server is started here and killed on exit, every
# wait is bounded, and a contender that is not there (not built yet, tool not installed) gives
# a "not run: ... missing" row instead of a failed run. Needs: cmake, g++, python3, iproute2
# (ss); optional: socat, iperf3, gnuplot (scripts/install-deps.sh --bench).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build-bench"
QUICK=0
OUTPUT=""
ONLY=""
while (($#)); do
  case "$1" in
    --quick) QUICK=1 ;;
    --build-dir) BUILD=$(realpath -m "$2"); shift ;;
    --output) OUTPUT=$(realpath -m "$2"); shift ;;
    --only) ONLY=",$2,"; shift ;;
    -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if ((QUICK)); then
  UPPER_BYTES=200000000   # per single-stream run
  REPS=1                  # runs of each target pair, alternating; the median counts
  SIXTEEN_TOTAL=5000      # exchanges at 64 concurrent
  SIXTEEN_1000_TOTAL=10000
  MANY_STREAMS=1000       # concurrent uppercase streams of 1 MB
  LINES_BYTES=20000000
  IPERF_SECONDS=2
else
  UPPER_BYTES=1000000000
  REPS=5
  SIXTEEN_TOTAL=20000
  SIXTEEN_1000_TOTAL=50000
  MANY_STREAMS=10000
  LINES_BYTES=100000000
  IPERF_SECONDS=5
fi
RESULTS_DIR="$BUILD/bench-results"
if [[ -z "$OUTPUT" ]]; then
  if ((QUICK)) || [[ -n "$ONLY" ]]; then OUTPUT="$RESULTS_DIR/BENCHMARKS.md"; else OUTPUT="$ROOT/docs/BENCHMARKS.md"; fi
fi
# part NAME: whether to run that part (all, unless --only says otherwise).
part() { [[ -z "$ONLY" || "$ONLY" == *",$1,"* ]]; }
PLOT="$(dirname "$OUTPUT")/benchmarks.svg"

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
have() { command -v "$1" > /dev/null 2>&1; }

# --- build --------------------------------------------------------------------------------
if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
  log "configuring a Release build in $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DTCPKIT_BUILD_BENCH=ON > /dev/null
fi
log "building tcpkit and the yardsticks in $BUILD"
cmake --build "$BUILD" -j2 --target tcpkit_cli sixteen_epoll sixteen_graceful_epoll \
  sixteen_load_epoll uppercase_blocking uppercase_poll_client > /dev/null
TCPKIT="$BUILD/tcpkit"
YARD="$BUILD/bench"
SEEDS=$(realpath -m "$ROOT/../shared/seeds/py")
MAKEFILE_SERVER="$ROOT/bench/python/makefile_server.py"

# has_program NAME: this tcpkit build has the program (a new one may not be written yet).
has_program() { "$TCPKIT" "$1" --help > /dev/null 2>&1; }

# --- processes: every contender in its own process group, all killed on exit ---------------
set -m  # background jobs get their own process group: killing it ends socat's children too
ulimit -n "$(ulimit -Hn)"  # 10,000 connections need 10,000 descriptors on each side
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tcpkit-bench.XXXXXX")
mkdir -p "$RESULTS_DIR"
rm -f "$RESULTS_DIR"/*.json
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2> /dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2> /dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# free_port: a port nothing listens at now (the kernel's choice for port 0), remembered so
# that the commands shown in the document can say PORT instead.
PORTS=()
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_listening PORT PID: until something listens at 127.0.0.1:PORT (10 s at most).
wait_listening() {
  local port=$1 pid=$2
  for _ in $(seq 200); do
    kill -0 "$pid" 2> /dev/null || return 1
    [[ -n "$(ss -Hltn "src 127.0.0.1:$port")" ]] && return 0
    sleep 0.05
  done
  return 1
}

# show COMMAND...: the command as it appears in the document: the ports chosen in this run
# become PORT, the build, seeds and work folders BUILD, SEEDS and WORK.
show() {
  local word port out=()
  for word in "$@"; do
    word=${word//$BUILD/BUILD}
    word=${word//$SEEDS/SEEDS}
    word=${word//$WORK/WORK}
    word=${word//$ROOT/.}
    for port in "${PORTS[@]}"; do
      [[ "$word" == "$port" ]] && word=PORT
      word=${word//:$port,/:PORT,}
      word=${word//-p $port /-p PORT }
    done
    [[ "$word" =~ [[:space:]\'\"] ]] && word="'$word'"
    out+=("$word")
  done
  printf '%s\n' "${out[*]}"
}

# start NAME PORT COMMAND...: starts a server listening at 127.0.0.1:PORT (its stdout goes to
# WORK/NAME.out unless COMMAND redirects it); sets SERVER_PID. Returns 1, having said why, if
# it is not listening within 10 s.
SERVER_PID=""
declare -A SHOWN_AT    # port -> the server's command as shown in the document
declare -A PID_AT      # port -> the server's process id
start() {
  local name=$1 port=$2
  shift 2
  PORTS+=("$port")
  SHOWN_AT[$port]=$(show "$@")
  "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" < /dev/null &
  SERVER_PID=$!
  PID_AT[$port]=$SERVER_PID
  PIDS+=("$SERVER_PID")
  if ! wait_listening "$port" "$SERVER_PID"; then
    log "$name did not start listening on port $port: $(tail -c 300 "$WORK/$name.err")"
    return 1
  fi
}

stop() {
  local pid=$1
  kill -TERM -- "-$pid" 2> /dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true  # reaped here, so the shell does not announce it
}

# cpu_seconds PID: CPU time of a process so far, user + system, its reaped children included
# (socat forks one per connection; threads are counted in the process).
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13 + $14 + $15) / hz }' \
    "/proc/$1/stat" 2> /dev/null || echo ""
}

# children_cpu: sets CHILDREN_CPU to the CPU time of this shell's finished children so far
# (the clients), in seconds. `times` must run in this shell, not in a $(...) subshell.
CHILDREN_CPU=0
children_cpu() {
  times > "$WORK/times"
  CHILDREN_CPU=$(awk 'NR == 2 {
    n = split($0, t, " "); s = 0
    for (i = 1; i <= n; i++) { split(t[i], p, "m"); s += p[1] * 60 + p[2] }
    printf "%.2f", s }' "$WORK/times")
}

# peak_rss_mb PID: the process's peak resident memory (VmHWM) so far, in MB.
peak_rss_mb() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2> /dev/null || echo ""; }

# --- results: one TSV row per measurement; bench/report.py turns them into the document ----
RESULTS="$WORK/results.tsv"
FIELDS=(key contender load value unit failures p50_ms p99_ms p999_ms rss_mb server_cpu_s client_cpu_s amount failure_note command)
(IFS=$'\t'; printf '%s\n' "${FIELDS[*]}") > "$RESULTS"

# record FIELD=VALUE...: one row; fields not given are "-".
record() {
  local -A row=()
  local pair field out=()
  for pair in "$@"; do row[${pair%%=*}]=${pair#*=}; done
  for field in "${FIELDS[@]}"; do out+=("${row[$field]:--}"); done
  (IFS=$'\t'; printf '%s\n' "${out[*]}") >> "$RESULTS"
}
not_run() {
  record key="$1" contender="$2" load="$3" value="not run" command="$4"
  log "not run: $2 ($4)"
}

# jget FILE KEY: a field of the NDJSON "end" event in FILE (or of one JSON document, with a
# dotted path); empty if absent.
jget() {
  python3 - "$1" "$2" << 'PY'
import json, sys
text = open(sys.argv[1]).read()
doc = None
try:
    doc = json.loads(text)
except ValueError:
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("event", "end") == "end":
            doc = event
value = doc
for part in sys.argv[2].split("."):
    value = value.get(part) if isinstance(value, dict) else None
print("" if value is None else value)
PY
}

# tcp_aborts_on_memory: the kernel's count of connections it reset for lack of TCP memory
# (TcpExt TCPAbortOnMemory; "TCP: out of memory -- consider tuning tcp_mem" in its log).
tcp_aborts_on_memory() {
  awk '$1 == "TcpExt:" && !names { for (i = 2; i <= NF; i++) col[$i] = i; names = 1; next }
       $1 == "TcpExt:" && names { print $col["TCPAbortOnMemory"] + 0; exit }' /proc/net/netstat 2> /dev/null || echo 0
}

ms() { [[ -n "$1" ]] && awk -v v="$1" 'BEGIN { printf "%.2f", v / 1000 }' || echo "-"; }

# measure KEY CONTENDER LOAD AMOUNT VALUE_FIELD UNIT PORT COMMAND...: runs a client (with a time
# limit) against the server at PORT and records VALUE_FIELD of its JSON output, the failures it
# counted, its latencies, and the CPU time the server and the client used meanwhile.
measure() {
  local key=$1 contender=$2 load=$3 amount=$4 field=$5 unit=$6 port=$7
  shift 7
  local out="$WORK/$key.$RANDOM.json" pid=${PID_AT[$port]:-}
  local server_before client_before server_after client_after status
  local aborts_before aborts_after
  aborts_before=$(tcp_aborts_on_memory)
  server_before=$([[ -n "$pid" ]] && cpu_seconds "$pid")
  children_cpu
  client_before=$CHILDREN_CPU
  set +e
  timeout --kill-after=5 600 "$@" > "$out" 2>> "$WORK/clients.err" < /dev/null
  status=$?
  set -e
  children_cpu
  client_after=$CHILDREN_CPU
  server_after=$([[ -n "$pid" ]] && cpu_seconds "$pid")
  aborts_after=$(tcp_aborts_on_memory)
  ((status == 124 || status == 137)) && log "timed out after 600 s: $*"

  local value failed note
  value=$(jget "$out" "$field")
  # "1721 timeout; first: ...": what the failures were, for the document.
  note=$(python3 - "$out" << 'PY'
import json, sys
end = {}
for line in open(sys.argv[1]):
    if line.startswith("{") and '"event":"end"' in line:
        end = json.loads(line)
kinds = [f"{v} {k[len('failed_'):]}" for k, v in end.items() if k.startswith("failed_") and v]
if kinds:
    print(", ".join(kinds) + "; first: " + end.get("first_failure", "?").replace("\t", " "))
PY
)
  if ((aborts_after > aborts_before)); then
    note="${note:+$note; }the kernel reset $((aborts_after - aborts_before)) connection(s) for lack of TCP memory (TcpExt TCPAbortOnMemory)"
  fi
  [[ "$field" == *bits_per_second ]] && [[ -n "$value" ]] && value=$(awk -v b="$value" 'BEGIN { printf "%.1f", b / 8 / 1e6 }')
  failed=$(jget "$out" failed)
  [[ -z "$failed" ]] && failed=$([[ -n "$value" && $status -eq 0 ]] && echo 0 || echo 1)
  local server_cpu="-" rss="-"
  if [[ -n "$pid" && -n "$server_before" && -n "$server_after" ]]; then
    server_cpu=$(awk -v a="$server_before" -v b="$server_after" 'BEGIN { printf "%.2f", b - a }')
    rss=$(peak_rss_mb "$pid")
  fi
  record key="$key" contender="$contender" load="$load" value="${value:-error}" unit="$unit" failures="$failed" \
    p50_ms="$(ms "$(jget "$out" latency_p50_us)")" p99_ms="$(ms "$(jget "$out" latency_p99_us)")" \
    p999_ms="$(ms "$(jget "$out" latency_p999_us)")" rss_mb="$rss" server_cpu_s="$server_cpu" \
    client_cpu_s="$(awk -v a="$client_before" -v b="$client_after" 'BEGIN { printf "%.2f", b - a }')" \
    amount="$amount" failure_note="${note:--}" command="${SHOWN_AT[$port]:-?} ; $(show "$@")"
  if [[ -z "$value" ]]; then
    log "$contender: no result ($(tail -n 1 "$WORK/clients.err" 2> /dev/null))"
  else
    log "$contender, $load: $value $unit, $failed failed"
  fi
}

# bench_* PORT ...: our load generator, the same client for every server.
bench_upper() {  # KEY CONTENDER PORT CONNECTIONS BYTES
  measure "$1" "$2" "$4 stream(s) of $5 bytes" "$(($4 * $5))" mb_per_s MB/s "$3" \
    "$TCPKIT" bench uppercase 127.0.0.1 -p "$3" --connections "$4" --bytes "$5" --json
}
bench_sixteen() {  # KEY CONTENDER PORT CONNECTIONS TOTAL
  measure "$1" "$2" "$4 concurrent, $5 exchanges" "$5" exchanges_per_s exchanges/s "$3" \
    "$TCPKIT" bench sixteen 127.0.0.1 -p "$3" --connections "$4" --total "$5" --json
}
bench_lines() {  # KEY CONTENDER PORT BYTES
  measure "$1" "$2" "1 connection, $4 bytes of 53-byte lines, to a file" "$4" mb_per_s MB/s "$3" \
    "$TCPKIT" bench lines 127.0.0.1 -p "$3" --connections 1 --bytes "$4" --json
}

# ============================================================================================
# 1. Uppercase, one connection: pipelines (client + server), and servers under the same client
# ============================================================================================
UP_LOAD="1 stream(s) of $UPPER_BYTES bytes"
measure_uppercase() {
  log "uppercase: one stream of $UPPER_BYTES bytes; $REPS alternating run(s) of each target pair"
  port_c=$(free_port)
  start upper_c "$port_c" "$YARD/uppercase_blocking" 127.0.0.1 "$port_c"
  upper_c_pid=$SERVER_PID
  port_ours=""
  if has_program uppercase; then
    port_ours=$(free_port)
    start upper_ours "$port_ours" "$TCPKIT" uppercase server 127.0.0.1 -p "$port_ours" -q
    upper_ours_pid=$SERVER_PID
  else
    for key in upper_pipeline_ours upper_server_ours upper_many_ours; do
      not_run "$key" "tcpkit uppercase" "$UP_LOAD" "tcpkit uppercase missing in this build"
    done
  fi

  for rep in $(seq "$REPS"); do
    if [[ -n "$port_ours" ]]; then
      measure upper_pipeline_ours "tcpkit uppercase client --strategy async -> tcpkit uppercase server" "$UP_LOAD" \
        "$UPPER_BYTES" mb_per_s MB/s "$port_ours" \
        "$TCPKIT" uppercase client 127.0.0.1 "$UPPER_BYTES" -p "$port_ours" --strategy async --json
    fi
    measure upper_pipeline_c "C yardsticks: uppercase_poll_client -> uppercase_blocking" "$UP_LOAD" \
      "$UPPER_BYTES" mb_per_s MB/s "$port_c" "$YARD/uppercase_poll_client" 127.0.0.1 "$port_c" "$UPPER_BYTES"
    if [[ -n "$port_ours" ]]; then
      bench_upper upper_server_ours "tcpkit uppercase server" "$port_ours" 1 "$UPPER_BYTES"
    fi
    bench_upper upper_server_c "C yardstick uppercase_blocking" "$port_c" 1 "$UPPER_BYTES"
  done
  if [[ -n "$port_ours" ]]; then stop "$upper_ours_pid"; fi
  stop "$upper_c_pid"

  # The slow contenders: once each, same client, same bytes.
  if [[ -f "$SEEDS/tcp_deadlock.py" ]]; then
    port=$(free_port)
    if start upper_python "$port" python3 "$SEEDS/tcp_deadlock.py" server 127.0.0.1 -p "$port"; then
      bench_upper upper_server_python "the seeds' Python server (tcp_deadlock.py, recv(1024))" "$port" 1 "$UPPER_BYTES"
      stop "$SERVER_PID"
    fi
  else
    not_run upper_server_python "the seeds' Python server" "$UP_LOAD" "$SEEDS/tcp_deadlock.py missing"
  fi
  if have socat; then
    port=$(free_port)
    if start upper_socat "$port" socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" SYSTEM:'tr a-z A-Z'; then
      bench_upper upper_server_socat "socat TCP-LISTEN:PORT,fork SYSTEM:'tr a-z A-Z'" "$port" 1 "$UPPER_BYTES"
      stop "$SERVER_PID"
    fi
  else
    not_run upper_server_socat "socat + tr" "$UP_LOAD" "socat missing (scripts/install-deps.sh --bench)"
  fi

  # The ceiling: iperf3, one stream, one direction (two copies per byte instead of four).
  if have iperf3; then
    for rep in $(seq "$REPS"); do
      port=$(free_port)
      start iperf3 "$port" iperf3 -s -1 -B 127.0.0.1 -p "$port" || continue
      measure iperf3 "iperf3, one stream, one direction (the copy ceiling)" "${IPERF_SECONDS} s" - \
        end.sum_received.bits_per_second MB/s "$port" iperf3 -c 127.0.0.1 -p "$port" -t "$IPERF_SECONDS" -J
      stop "$SERVER_PID"
    done
  else
    not_run iperf3 "iperf3" "${IPERF_SECONDS} s" "iperf3 missing (scripts/install-deps.sh --bench)"
  fi
}

# ============================================================================================
# 2. Sixteen: exchanges/s at 64 concurrent, then 1000 concurrent
# ============================================================================================
measure_sixteen() {
  log "sixteen: $SIXTEEN_TOTAL exchanges, 64 at once, against each server"
  port_epoll=$(free_port)
  start sixteen_epoll "$port_epoll" "$YARD/sixteen_epoll" 127.0.0.1 "$port_epoll"
  sixteen_epoll_pid=$SERVER_PID
  port_six=$(free_port)
  start sixteen_ours "$port_six" "$TCPKIT" sixteen server 127.0.0.1 -p "$port_six" -q
  sixteen_ours_pid=$SERVER_PID
  # The graceful yardstick closes as ours does (shutdown, read to EOF, close): the server CPU
  # target compares with it. It is also the server both load clients are measured against.
  port_graceful=$(free_port)
  start sixteen_graceful "$port_graceful" "$YARD/sixteen_graceful_epoll" 127.0.0.1 "$port_graceful"
  sixteen_graceful_pid=$SERVER_PID
  for rep in $(seq "$REPS"); do
    bench_sixteen sixteen64_ours "tcpkit sixteen server (-q)" "$port_six" 64 "$SIXTEEN_TOTAL"
    bench_sixteen sixteen64_epoll "C yardstick sixteen_epoll" "$port_epoll" 64 "$SIXTEEN_TOTAL"
    bench_sixteen sixteen64_graceful "C yardstick sixteen_graceful_epoll (graceful close)" "$port_graceful" 64 \
      "$SIXTEEN_TOTAL"
  done

  # The load generator itself: client CPU per exchange, ours against the C load client, both
  # against the graceful C server.
  log "sixteen: the load clients, $SIXTEEN_TOTAL exchanges, 64 at once, against sixteen_graceful_epoll"
  for rep in $(seq "$REPS"); do
    bench_sixteen sixteen_load_ours "tcpkit bench sixteen (load client) -> sixteen_graceful_epoll" "$port_graceful" 64 \
      "$SIXTEEN_TOTAL"
    measure sixteen_load_c "C yardstick sixteen_load_epoll (load client) -> sixteen_graceful_epoll" \
      "64 concurrent, $SIXTEEN_TOTAL exchanges" "$SIXTEEN_TOTAL" exchanges_per_s exchanges/s "$port_graceful" \
      "$YARD/sixteen_load_epoll" 127.0.0.1 "$port_graceful" 64 "$SIXTEEN_TOTAL"
  done
  stop "$sixteen_graceful_pid"

  log "sixteen: $SIXTEEN_1000_TOTAL exchanges, 1000 at once"
  bench_sixteen sixteen1000_ours "tcpkit sixteen server (-q)" "$port_six" 1000 "$SIXTEEN_1000_TOTAL"
  bench_sixteen sixteen1000_epoll "C yardstick sixteen_epoll" "$port_epoll" 1000 "$SIXTEEN_1000_TOTAL"
  stop "$sixteen_ours_pid"
  stop "$sixteen_epoll_pid"

  # What logging every connection costs (the seed's lines, to a file as a log would go).
  port=$(free_port)
  if start sixteen_ours_logging "$port" "$TCPKIT" sixteen server 127.0.0.1 -p "$port"; then
    bench_sixteen sixteen64_ours_logging "tcpkit sixteen server, logging every connection to a file" "$port" 64 "$SIXTEEN_TOTAL"
    stop "$SERVER_PID"
  fi
  # --threads 2: connections dealt out to two event loops on two threads (docs/DESIGN.md).
  port=$(free_port)
  if [[ "$("$TCPKIT" sixteen server --help 2> /dev/null)" != *--threads* ]]; then
    not_run sixteen64_ours_threads2 "tcpkit sixteen server --threads 2 (-q)" "64 concurrent" "--threads missing in this build"
  elif start sixteen_ours_threads2 "$port" "$TCPKIT" sixteen server 127.0.0.1 -p "$port" -q --threads 2; then
    bench_sixteen sixteen64_ours_threads2 "tcpkit sixteen server --threads 2 (-q)" "$port" 64 "$SIXTEEN_TOTAL"
    stop "$SERVER_PID"
  fi
  if [[ -f "$SEEDS/tcp_sixteen.py" ]]; then
    port=$(free_port)
    if start sixteen_python "$port" python3 "$SEEDS/tcp_sixteen.py" server 127.0.0.1 -p "$port"; then
      bench_sixteen sixteen64_python "the seeds' Python server (tcp_sixteen.py, listen(1))" "$port" 64 "$SIXTEEN_TOTAL"
      stop "$SERVER_PID"
    fi
  else
    not_run sixteen64_python "the seeds' Python server" "64 concurrent" "$SEEDS/tcp_sixteen.py missing"
  fi
}

# ============================================================================================
# 3. Many streams: MANY_STREAMS concurrent uppercase streams of 1 MB against a fresh server
# ============================================================================================
measure_many() {
  if has_program uppercase; then
    log "uppercase: $MANY_STREAMS concurrent streams of 1 MB"
    port=$(free_port)
    if start upper_many "$port" "$TCPKIT" uppercase server 127.0.0.1 -p "$port" -q; then
      bench_upper upper_many_ours "tcpkit uppercase server" "$port" "$MANY_STREAMS" 1000000
      stop "$SERVER_PID"
    fi
    port=$(free_port)
    if start upper_many_c "$port" "$YARD/uppercase_blocking" 127.0.0.1 "$port"; then
      bench_upper upper_many_c "C yardstick uppercase_blocking (a thread each)" "$port" "$MANY_STREAMS" 1000000
      stop "$SERVER_PID"
    fi
  else
    not_run upper_many_ours "tcpkit uppercase server" "$MANY_STREAMS streams of 1 MB" "tcpkit uppercase missing in this build"
  fi
}

# ============================================================================================
# 4. Lines: LINES_BYTES of lines over one connection, the server writing them to a file
# ============================================================================================
LINES_LOAD="1 connection, $LINES_BYTES bytes of 53-byte lines, to a file"
measure_lines() {
  log "lines: $LINES_BYTES bytes of lines, server output to a file"
  port=$(free_port)
  port_python=$(free_port)
  lines_ours_pid="" lines_python_pid=""
  if ! has_program lines; then
    not_run lines_ours "tcpkit lines server" "$LINES_LOAD" "tcpkit lines missing in this build"
  elif start lines_ours "$port" sh -c 'exec "$0" lines server 127.0.0.1 -p "$1" >> "$2"' "$TCPKIT" "$port" "$WORK/lines_ours.txt"; then
    lines_ours_pid=$SERVER_PID
  fi
  if [[ ! -f "$MAKEFILE_SERVER" ]]; then
    not_run lines_python "Python makefile() server" "$LINES_LOAD" "bench/python/makefile_server.py missing"
  elif start lines_python "$port_python" sh -c 'exec python3 "$0" 127.0.0.1 -p "$1" >> "$2"' \
    "$MAKEFILE_SERVER" "$port_python" "$WORK/lines_python.txt"; then
    lines_python_pid=$SERVER_PID
  fi
  # Every run starts from an empty output file and no dirty pages: the servers append (>>), the
  # file is emptied and synced before each run. Otherwise a server kept across runs writes into
  # an ever larger file, and the kernel's dirty-page throttling slows the later runs (ours went
  # 1,728 → 532 MB/s over five runs that way, while the one Python run had a fresh file).
  fresh_output() { : > "$1"; sync; }
  for rep in $(seq "$REPS"); do
    if [[ -n "$lines_ours_pid" ]]; then
      fresh_output "$WORK/lines_ours.txt"
      bench_lines lines_ours "tcpkit lines server >> file" "$port" "$LINES_BYTES"
    fi
    if [[ -n "$lines_python_pid" ]]; then
      fresh_output "$WORK/lines_python.txt"
      bench_lines lines_python "Python makefile() server >> file (bench/python/makefile_server.py)" "$port_python" "$LINES_BYTES"
    fi
  done
  if [[ -n "$lines_ours_pid" ]]; then stop "$lines_ours_pid"; fi
  if [[ -n "$lines_python_pid" ]]; then stop "$lines_python_pid"; fi
}

# ============================================================================================
# The run, and the document
# ============================================================================================
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${LOAD_AT_START%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
  log "the machine is busy (load average $LOAD_AT_START on $(nproc) cores): rates will be low and noisy; CPU per unit less so"
fi
if part uppercase; then measure_uppercase; fi
if part sixteen; then measure_sixteen; fi
if part many; then measure_many; fi
if part lines; then measure_lines; fi

cp "$RESULTS" "$RESULTS_DIR/results.tsv"
cp "$WORK"/*.json "$RESULTS_DIR/" 2> /dev/null || true  # every client's own output, for a closer look
MACHINE="$WORK/machine.txt"
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "nproc=$(nproc)"
  echo "kernel=$(uname -sr)"
  echo "cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "memory=$(awk '/^MemTotal:/ { printf "%.1f GB", $2 / 1024 / 1024 }' /proc/meminfo)"
  echo "compiler=$(g++ --version | head -n 1)"
  echo "asio=$(awk '/define ASIO_VERSION [0-9]/ { v = $3; printf "%d.%d.%d", v / 100000, v / 100 % 1000, v % 100 }' \
    /usr/include/asio/version.hpp 2> /dev/null)"
  echo "python=$(python3 --version 2>&1)"
  echo "socat=$(socat -V 2> /dev/null | awk '/socat version/ { print $3; exit }')"
  echo "iperf3=$(iperf3 --version 2> /dev/null | head -n 1)"
  echo "command=bench/run.sh$([[ $QUICK == 1 ]] && echo ' --quick')"
  echo "load_average=$LOAD_AT_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
} > "$MACHINE"
cp "$MACHINE" "$RESULTS_DIR/machine.txt"
# Every run is kept, so that the document can be made again from any of them with
# bench/report.py (e.g. the one taken on the quietest machine).
ARCHIVE="$RESULTS_DIR/runs/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$ARCHIVE" && cp "$RESULTS" "$MACHINE" "$ARCHIVE/"
python3 "$ROOT/bench/report.py" --results "$RESULTS" --machine "$MACHINE" --output "$OUTPUT" \
  --plot "$PLOT" --plot-data "$RESULTS_DIR"
if have gnuplot; then
  gnuplot "$RESULTS_DIR/benchmarks.gp" && log "plot: $PLOT"
else
  log "plot not drawn: gnuplot missing (scripts/install-deps.sh --bench)"
fi
log "results: $OUTPUT"
if ((QUICK)); then sed -n '/<!-- bench:begin -->/,/<!-- bench:end -->/p' "$OUTPUT"; fi
exit 0
