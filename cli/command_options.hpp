// Every value a command line can set, one struct per program, filled by CLI11 and read by the
// action it chose. parse_command_line() makes a fresh command_options for each parse and the
// result owns it (cli/app.hpp), so no parse starts from another's values. Plain data, no
// coroutine code: the argument fuzzer links this with the parse layer.
#pragma once

#include "actions.hpp"
#include "common_options.hpp"

#include "tcpkit/core/line_buffer.hpp"
#include "tcpkit/programs/sixteen.hpp"
#include "tcpkit/programs/uppercase.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace tcpkit::cli {

// A client's own options are the library's struct, bound by CLI11; its client_target part is
// filled from the common options when it runs (client_runner::aimed).
struct sixteen_command_options {
  common_options server;
  common_options client;
  sixteen_client_options client_options;  // --message
};

struct uppercase_command_options {
  common_options server;
  std::size_t chunk = kDefaultChunk;  // the server's --chunk
  common_options client;
  uppercase_client_options client_options;  // BYTECOUNT, --strategy, --send-size, --stall-timeout
};

struct lines_command_options {
  common_options server;
  std::size_t max_line = kDefaultMaxLine;  // the server's --max-line
  common_options client;
  lines_client_options client_options;  // --no-ack
  std::string path = "-";               // FILE, or "-" for stdin
};

// One set per mode: `tcpkit bench uppercase` does not see what `bench sixteen` would have set.
struct bench_command_options {
  common_options sixteen, uppercase, lines;
  load_plan sixteen_plan, uppercase_plan, lines_plan;
  uppercase_load_options uppercase_load;  // --bytes, --send-size, --recv-size
  lines_load_options lines_load;          // --bytes, --send-size
};

// The proxy's flags as written; proxy_command.cpp turns them into proxy_settings once parsed.
struct proxy_flags {
  std::string to;     // --to HOST:PORT
  std::string slice;  // --slice N[-M]
  std::optional<std::uint64_t> delay_ms;  // none: 0, or 10 ms with --slice
  std::uint64_t latency_ms = 0;
  std::uint64_t rate = 0;
  std::optional<std::uint64_t> close_after;
  std::optional<std::uint64_t> reset_after;
  bool up = false;
  bool down = false;
  std::optional<std::uint32_t> seed;
};

struct proxy_command_options {
  common_options common;
  proxy_flags flags;
};

struct check_command_options {
  check_settings settings;
  std::string message;       // --message, copied into settings only if given
  std::string expect_reply;  // --expect-reply, likewise
};

struct command_options {
  sixteen_command_options sixteen;
  uppercase_command_options uppercase;
  lines_command_options lines;
  bench_command_options bench;
  plot_settings plot;
  proxy_command_options proxy;
  check_command_options check;
};

}  // namespace tcpkit::cli
