# Shared by the install tests: a scratch folder removed on exit, background processes killed on
# exit, and waiting for a server's "Listening at ADDR:PORT" line within a deadline.
tmp=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# wait_for_port FILE -> prints the port from the first "Listening at 127.0.0.1:PORT" in FILE,
# polling until it appears (at most 10 s).
wait_for_port() {
  local file=$1 deadline=$((SECONDS + 10)) port
  while ((SECONDS < deadline)); do
    port=$(sed -n 's/.*Listening at 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$file" 2>/dev/null | head -n1)
    if [[ -n "$port" ]]; then echo "$port"; return 0; fi
    sleep 0.05
  done
  fail "no 'Listening at' line in $file within 10 s: $(cat "$file" 2>/dev/null)"
}

# expect_line FILE TEXT: FILE has a line equal to TEXT.
expect_line() {
  grep -qxF -- "$2" "$1" || fail "expected the line '$2' in $1, got: $(cat "$1")"
}

# expect_docs DOCDIR: the docs a user of the installed tool reads are in DOCDIR.
expect_docs() {
  local doc
  for doc in README.md TUTORIAL.md CLI.md DEADLOCK.md LINES.md JSON.md json-schema.json deadlock-naive.svg; do
    [[ -s "$1/$doc" ]] || fail "the docs lack $1/$doc: $(ls "$1" 2>&1)"
  done
}

# expect_deadlock_doc BIN DOC: BIN's naive uppercase client, deadlocked against BIN's own
# server, points at DOC (an installed file), not at the source tree's docs/DEADLOCK.md.
expect_deadlock_doc() {
  local bin=$1 doc=$2 server port
  "$bin" uppercase server 127.0.0.1 -p 0 --once >"$tmp/deadlock-server.out" 2>&1 &
  server=$!; pids+=("$server")
  port=$(wait_for_port "$tmp/deadlock-server.out")
  timeout 30 "$bin" uppercase client 127.0.0.1 67108864 -p "$port" --stall-timeout 1 >"$tmp/deadlock.out" 2>&1 && fail "the naive client did not deadlock"
  grep -qF "See $doc." "$tmp/deadlock.out" || fail "the deadlock explanation does not point at $doc: $(grep See "$tmp/deadlock.out")"
  [[ -s "$doc" ]] || fail "$doc, which the deadlock explanation names, is not there"
  echo "deadlock explanation: $(grep -o 'See .*' "$tmp/deadlock.out")"
  kill "$server" 2>/dev/null || true
}
