#!/usr/bin/env bash
# Every test tcpkit has, as CI runs it (the README's test command is
# `scripts/install-deps.sh && scripts/check.sh`):
#
#   1. Release build (the product), all tests                           build/
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build, all tests   build-asan/
#   3. ThreadSanitizer build, all tests                                 build-tsan/
#   4. each libFuzzer target for a bounded time on its committed corpus build-fuzz/
#
# Any sanitizer report fails the run: the sanitizers abort the process that has the problem
# (the test binary or the tcpkit it started), so the test sees a wrong exit status.
#
# The sanitizer builds are -O0 (CMAKE_BUILD_TYPE=Debug): GCC compiles our coroutine code in
# half the time it needs at -O1 (113 s against 215 s of CPU for the library under ASan), and
# the tests that move gigabytes scale their loads down under TCPKIT_SANITIZER. The Release
# build keeps the optimiser's view of the same code covered. They carry line tables only
# (-g1: a sanitizer's stack trace still names file and line), not full debug information,
# which is most of what GCC writes for coroutine code.
#
# The Release suite runs four tests at a time on CI's two cores: its tests mostly wait for
# peers, deadlines and child processes (at two at a time it used 81 s of CPU in 189 s).
# docs.Transcripts still runs alone (RUN_SERIAL). The sanitizer suites, which compute more,
# run SANITIZER_JOBS at a time.
#
#   scripts/check.sh [--quick]    --quick: only step 1
set -euo pipefail
cd "$(dirname "$0")/.."
quick=${1:-}
export CTEST_OUTPUT_ON_FAILURE=1
sanitizer_jobs=${SANITIZER_JOBS:-3}

started=$SECONDS
step() { printf '\n==== %s   (%d s so far)\n' "$*" $((SECONDS - started)); }
build() {
  local dir=$1; shift
  cmake -S . -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j2
}

step "1/4 release build and tests"
build build -DCMAKE_BUILD_TYPE=Release
ctest --test-dir build -j4 --output-on-failure
[[ "$quick" == "--quick" ]] && exit 0

step "2/4 ASan + UBSan build and tests"
build build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DTCPKIT_SANITIZE=address,undefined -DTCPKIT_BUILD_BENCH=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  TCPKIT_SANITIZER=1 ctest --test-dir build-asan -j"$sanitizer_jobs" --output-on-failure

step "3/4 TSan build and tests"
build build-tsan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DTCPKIT_SANITIZE=thread -DTCPKIT_BUILD_BENCH=OFF
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 TCPKIT_SANITIZER=1 ctest --test-dir build-tsan -j"$sanitizer_jobs" --output-on-failure

step "4/4 fuzzing"
scripts/fuzz.sh "${TCPKIT_FUZZ_SECONDS:-20}"
step "done: release, ASan+UBSan, TSan and fuzzing all passed"
