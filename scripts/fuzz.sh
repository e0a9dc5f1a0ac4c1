#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a bounded time on its
# committed corpus in tests/fuzz/corpus/TARGET. New inputs go to a scratch folder, so the
# committed corpus changes only when someone copies interesting inputs in on purpose.
# A crash stops the run with a non-zero status; the input is kept in build-fuzz/artifacts/.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]     (default 30)
#   scripts/fuzz.sh --build-only             only build the targets
set -euo pipefail
cd "$(dirname "$0")/.."
build_only=0
if [[ "${1:-}" == "--build-only" ]]; then build_only=1; shift; fi
seconds=${1:-30}
build=build-fuzz
CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DTCPKIT_FUZZ=ON \
  -DTCPKIT_SANITIZE=address,undefined -DTCPKIT_BUILD_TESTS=ON >/dev/null
targets=$(sed -n 's/^set(TCPKIT_FUZZ_TARGETS \(.*\))$/\1/p' tests/CMakeLists.txt)
cmake --build "$build" -j2 --target $targets
[[ $build_only -eq 1 ]] && exit 0
mkdir -p "$build/artifacts"
# The targets run side by side (the machine's cores share them), each with its own scratch
# folder and log; each log's summary is printed once all have finished, in order.
run_target() {
  local target=$1 scratch status=0
  scratch=$(mktemp -d)
  UBSAN_OPTIONS=halt_on_error=1 "$build/tests/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" "$scratch" "tests/fuzz/corpus/$target" \
    > "$build/artifacts/$target.log" 2>&1 || status=$?
  rm -rf "$scratch"
  return $status
}
declare -A pids
for target in $targets; do
  echo "fuzz: $target for ${seconds}s"
  run_target "$target" &
  pids[$target]=$!
done
failed=0
for target in $targets; do
  status=0
  wait "${pids[$target]}" || status=$?
  echo "fuzz: $target"
  grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)' \
    "$build/artifacts/$target.log" || true
  if [[ $status -ne 0 ]]; then
    echo "fuzz: $target FAILED (status $status); input in $build/artifacts/, log in $build/artifacts/$target.log"
    failed=1
  fi
done
[[ $failed -eq 0 ]] || exit 1
echo "fuzz: all targets ran ${seconds}s without a finding"
