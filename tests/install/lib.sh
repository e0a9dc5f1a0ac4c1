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
