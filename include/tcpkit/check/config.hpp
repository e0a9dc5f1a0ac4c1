// What a run of `tcpkit check` tests: which suite, against which program, and how strictly.
// A plain struct, so the command line's parse layer can fill it directly (cli/actions.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tcpkit::check {

struct check_config {
  std::string program;  // sixteen | uppercase | lines
  std::string role;     // server | client
  std::string host;     // a server already running at HOST:PORT...
  std::uint16_t port = 0;
  std::vector<std::string> command;  // ...or one that tcpkit runs: -- COMMAND
  std::string case_pattern;          // glob over ids or names ("*split*"); empty: all
  double case_timeout_s = 20;        // the bound on any one case
  std::optional<std::string> message;       // pins the sixteen request (--message)
  std::optional<std::string> expect_reply;  // pins the sixteen reply (--expect-reply)
};

}  // namespace tcpkit::check
