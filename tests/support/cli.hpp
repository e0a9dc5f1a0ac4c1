// Starting the tcpkit CLI and the seeds' Python programs as real processes, on port 0.
#pragma once

#include "support/process.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tcpkit::test {

struct running_server {
  process proc;
  std::uint16_t port = 0;
};

// Runs `tcpkit ARGS...` (ARGS should include "-p 0") and waits for its "Listening at ADDR:PORT"
// line on stdout (or stderr, for the lines server). Fails the test (fatal) if it does not
// appear within `timeout`.
running_server start_tcpkit_server(const std::vector<std::string>& args, bool listening_on_stderr = false,
                                   clock::duration timeout = std::chrono::seconds(10));

// Runs `python3 -u SEEDS/SCRIPT server 127.0.0.1 -p 0` and reads its port from
// "Listening at ('127.0.0.1', PORT)".
running_server start_seed_server(const std::string& script, clock::duration timeout = std::chrono::seconds(10));

// Runs `tcpkit ARGS...` to completion within `timeout`; the result has its exit code set.
process run_tcpkit(const std::vector<std::string>& args, clock::duration timeout = std::chrono::seconds(20),
                   std::optional<std::string> stdin_data = std::nullopt);

// The port in a Python sockname tuple: "('127.0.0.1', 43567)" -> 43567.
std::optional<std::uint16_t> port_from_python_tuple(std::string_view line);

}  // namespace tcpkit::test

// Skips the current test when the seeds' folder (../shared/seeds/py) is not there.
#define TCPKIT_REQUIRE_SEEDS()                                                                 \
  do {                                                                                         \
    if (!::tcpkit::test::seeds_dir()) GTEST_SKIP() << "../shared/seeds/py is absent: seed interop not tested"; \
  } while (0)
