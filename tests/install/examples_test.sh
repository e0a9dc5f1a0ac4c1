#!/usr/bin/env bash
# What a user of the library does: install tcpkit into a prefix, build examples/ against it
# with find_package(tcpkit), and run each example against tcpkit's own (installed) programs on
# 127.0.0.1 with ports the kernel picks. Then: the docs are installed (share/doc/tcpkit) and the
# installed tcpkit's deadlock explanation names that copy.
#
#   examples_test.sh BUILD_DIR SOURCE_DIR [CXX_COMPILER_LAUNCHER]
set -euo pipefail
build=$1 src=$2 launcher=${3:-}
source "$(dirname "$0")/lib.sh"

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src/examples" -B "$tmp/examples" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$tmp/prefix" \
  ${launcher:+-DCMAKE_CXX_COMPILER_LAUNCHER=$launcher} >/dev/null
cmake --build "$tmp/examples" -j2 >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "examples do not build"; }
tcpkit=$tmp/prefix/bin/tcpkit
bin=$tmp/examples

echo "--- sixteen_client against tcpkit sixteen server"
"$tcpkit" sixteen server 127.0.0.1 -p 0 --once >"$tmp/sixteen.out" 2>&1 &
server=$!; pids+=("$server")
port=$(wait_for_port "$tmp/sixteen.out")
timeout 20 "$bin/sixteen_client" 127.0.0.1 "$port" >"$tmp/client.out"
cat "$tmp/client.out"
expect_line "$tmp/client.out" 'The server said "Farewell, client"'
wait "$server" || fail "sixteen server exited $?"
expect_line "$tmp/sixteen.out" '  Incoming sixteen-octet message: "Hi there, server"'

echo "--- async_uppercase_client against tcpkit uppercase server"
"$tcpkit" uppercase server 127.0.0.1 -p 0 --once --chunk 7 >"$tmp/upper.out" 2>&1 &
server=$!; pids+=("$server")
port=$(wait_for_port "$tmp/upper.out")
timeout 20 "$bin/async_uppercase_client" 127.0.0.1 "$port" 'hello, tcpkit: 16 bytes and more' >"$tmp/client.out"
cat "$tmp/client.out"
expect_line "$tmp/client.out" 'The server sent back "HELLO, TCPKIT: 16 BYTES AND MORE"'
wait "$server" || fail "uppercase server exited $?"

echo "--- tcpkit lines client against line_server"
"$bin/line_server" 127.0.0.1 0 >"$tmp/lines.out" 2>&1 &
server=$!; pids+=("$server")
port=$(wait_for_port "$tmp/lines.out")
printf 'one\r\ntwo\n\nlast, without a newline' >"$tmp/input.txt"
# tcpkit's client exits 0 only if the acknowledgement matches what it sent (4 lines, 33 bytes).
timeout 20 "$tcpkit" lines client 127.0.0.1 -p "$port" "$tmp/input.txt" || fail "lines client exited $?"
deadline=$((SECONDS + 10))
until grep -q ': done, received 4 lines, 33 bytes$' "$tmp/lines.out"; do
  ((SECONDS < deadline)) || fail "line_server did not finish the connection: $(cat "$tmp/lines.out")"
  sleep 0.05
done
cat "$tmp/lines.out"
grep -qE '^127\.0\.0\.1:[0-9]+: two$' "$tmp/lines.out" || fail "line_server did not print the line 'two'"
grep -qE '^127\.0\.0\.1:[0-9]+: last, without a newline$' "$tmp/lines.out" || fail "line_server lost the last line"
echo "examples: all three built against the installed tree and talked to tcpkit"

echo "--- the docs, installed, and the messages that point at them"
expect_docs "$tmp/prefix/share/doc/tcpkit"
expect_deadlock_doc "$tcpkit" "$tmp/prefix/share/doc/tcpkit/DEADLOCK.md"
