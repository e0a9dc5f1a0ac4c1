#!/usr/bin/env bash
# Two hosts joined by a cable: network namespaces A and B with a veth pair, so that client and
# server have different addresses and the seeds' interface lessons can be seen for real:
#
#   ns A: 198.18.0.1/24 (+ 198.18.0.3) ── veth ── ns B: 198.18.0.2/24
#
# 198.18.0.0/15 is the range reserved for network tests (RFC 2544); the namespaces have no
# route anywhere else, so no packet leaves them. Needs root and iproute2; exits 77 (skipped)
# without them.
#
#   two_hosts_test.sh PATH/TO/tcpkit
set -uo pipefail
tcpkit=$(realpath "$1")
skip() { echo "SKIPPED: $*"; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "needs root to create network namespaces"
command -v ip >/dev/null || skip "needs iproute2 (ip)"

a="tk$$a"; b="tk$$b"
cleanup() {
  ip netns pids "$a" 2>/dev/null | xargs -r kill -9 2>/dev/null
  ip netns pids "$b" 2>/dev/null | xargs -r kill -9 2>/dev/null
  ip netns del "$a" 2>/dev/null; ip netns del "$b" 2>/dev/null
  rm -rf "$tmp"
}
tmp=$(mktemp -d)
trap cleanup EXIT
ip netns add "$a" && ip netns add "$b" || skip "cannot create network namespaces here"
ip link add "v$$a" netns "$a" type veth peer name "v$$b" netns "$b" || skip "cannot create a veth pair here"
ip -n "$a" addr add 198.18.0.1/24 dev "v$$a"
ip -n "$a" addr add 198.18.0.3/24 dev "v$$a"
ip -n "$b" addr add 198.18.0.2/24 dev "v$$b"
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
ip -n "$a" link set "v$$a" up; ip -n "$b" link set "v$$b" up

failures=0
check() {  # check NAME EXPECTED_STATUS ACTUAL_STATUS [OUTPUT_FILE PATTERN]
  local name=$1 want=$2 got=$3
  if [[ "$got" != "$want" ]]; then
    echo "FAIL: $name: exit status $got, expected $want"; failures=$((failures + 1)); return
  fi
  if [[ $# -ge 5 ]] && ! grep -q -- "$5" "$4"; then
    echo "FAIL: $name: no '$5' in:"; cat "$4"; failures=$((failures + 1)); return
  fi
  echo "ok: $name"
}

# start_server NS HOST: a sixteen server in NS listening at HOST:1060; waits for its first line.
start_server() {
  ip netns exec "$1" timeout 30 "$tcpkit" sixteen server "$2" -p 1060 >"$tmp/server.out" 2>&1 &
  server_pid=$!
  for _ in $(seq 200); do grep -q '^Listening at' "$tmp/server.out" 2>/dev/null && return 0; sleep 0.02; done
  echo "server did not start:"; cat "$tmp/server.out"; return 1
}
stop_server() { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; }
client() {  # client NS HOST: prints to $tmp/client.out, returns the exit status
  ip netns exec "$1" timeout 20 "$tcpkit" sixteen client "$2" -p 1060 --connect-timeout 3 >"$tmp/client.out" 2>&1
}

# 1. "" means every interface: a client on the other host gets in, and the server sees its address.
start_server "$a" ""
client "$b" 198.18.0.1; check 'server at "" is reachable from the other host' 0 $? "$tmp/client.out" 'Farewell, client'
check 'the server sees the remote address' 0 0 "$tmp/server.out" 'accepted a connection from 198.18.0.2:'
client "$a" 127.0.0.1; check 'server at "" is reachable on loopback too' 0 $?
stop_server

# 2. 127.0.0.1 means this machine only: the other host is refused.
start_server "$a" 127.0.0.1
client "$b" 198.18.0.1; check 'server at 127.0.0.1 refuses the other host' 3 $? "$tmp/client.out" 'Connection refused'
client "$a" 127.0.0.1; check 'server at 127.0.0.1 serves local clients' 0 $?
stop_server

# 3. A specific address accepts only connections to that address, not to the host's others.
start_server "$a" 198.18.0.1
client "$b" 198.18.0.1; check 'server at 198.18.0.1 is reachable at that address' 0 $?
client "$b" 198.18.0.3; check 'but not through the same host'"'"'s other address' 3 $? "$tmp/client.out" 'Connection refused'
client "$a" 127.0.0.1; check 'nor on loopback' 3 $?
stop_server

echo "$failures failed"
[[ $failures -eq 0 ]]
