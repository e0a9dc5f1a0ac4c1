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
# run SANITIZER_JOBS at a time. Each suite leaves most of the cores idle, so the next build
# (ASan, TSan, the fuzzers) runs beside it at nice 19.
#
#   scripts/check.sh [--quick]    --quick: only step 1
set -euo pipefail
cd "$(dirname "$0")/.."
quick=${1:-}
export CTEST_OUTPUT_ON_FAILURE=1
sanitizer_jobs=${SANITIZER_JOBS:-3}

started=$SECONDS
step() { printf '\n==== %s   (%d s so far)\n' "$*" $((SECONDS - started)); }
configure() {
  local dir=$1; shift
  cmake -S . -B "$dir" "$@" >/dev/null
}
# The next build runs beside a suite, at the lowest priority, so that the tests keep the cores
# they ask for and the build takes what their waiting leaves; its output goes to DIR/build.log,
# printed if it fails.
background_pid=
background_dir=
start_build() {
  background_dir=$1
  nice -n 19 cmake --build "$background_dir" -j2 > "$background_dir/build.log" 2>&1 &
  background_pid=$!
}
finish_build() {
  if ! wait "$background_pid"; then
    cat "$background_dir/build.log"
    echo "check: the build in $background_dir failed"
    exit 1
  fi
  echo "check: $background_dir built beside the suite before it"
}
# Sanitizer builds link with gold (binutils): their executables carry line tables, and it links
# them in about a third of ld.bfd's time.
sanitized=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=gold -DTCPKIT_BUILD_BENCH=OFF)

step "1/4 release build and tests"
configure build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2
if [[ "$quick" == "--quick" ]]; then
  ctest --test-dir build -j4 --output-on-failure
  exit 0
fi
configure build-asan "${sanitized[@]}" -DTCPKIT_SANITIZE=address,undefined
start_build build-asan
ctest --test-dir build -j4 --output-on-failure

step "2/4 ASan + UBSan build and tests"
finish_build
configure build-tsan "${sanitized[@]}" -DTCPKIT_SANITIZE=thread
start_build build-tsan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  TCPKIT_SANITIZER=1 ctest --test-dir build-asan -j"$sanitizer_jobs" --output-on-failure

step "3/4 TSan build and tests"
finish_build
nice -n 19 scripts/fuzz.sh --build-only > build-tsan/fuzz-build.log 2>&1 &
fuzz_build=$!
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 TCPKIT_SANITIZER=1 ctest --test-dir build-tsan -j"$sanitizer_jobs" --output-on-failure

step "4/4 fuzzing"
if ! wait "$fuzz_build"; then
  cat build-tsan/fuzz-build.log
  echo "check: the fuzzers' build failed"
  exit 1
fi
scripts/fuzz.sh "${TCPKIT_FUZZ_SECONDS:-20}"
step "done: release, ASan+UBSan, TSan and fuzzing all passed"
