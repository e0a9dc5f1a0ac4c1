// What each command runs once its command line has been parsed.
//
// The seam between parsing and running: cli/*_command.cpp declare the options (CLI11) and, in
// a subcommand's callback, choose one of these functions; cli/*_run.cpp define them (sockets,
// coroutines, signals). Parsing therefore needs none of the networking code, so the argument
// fuzzer (tests/fuzz/args_fuzz.cpp) links stubs for these instead, and can be built with clang.
#pragma once

#include "common_options.hpp"

#include "tcpkit/check/config.hpp"

#include "tcpkit/programs/shaper.hpp"
#include "tcpkit/programs/uppercase.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tcpkit::cli {

int sixteen_server_main(const common_options& options);
int sixteen_client_main(const common_options& options, const std::string& message);

int lines_server_main(const common_options& options, std::size_t max_line);
struct lines_client_settings {
  std::string path = "-";  // FILE, or "-" for stdin
  bool no_ack = false;     // the server sends no acknowledgement: success is its clean close
};

int lines_client_main(const common_options& options, const lines_client_settings& settings);

struct uppercase_client_settings {
  std::uint64_t bytecount = kCapitalizeMessage.size();
  std::string strategy = "naive";
  std::size_t send_size = 0;
  double stall_timeout_s = 5;
};

int uppercase_server_main(const common_options& options, std::size_t chunk);
int uppercase_client_main(const common_options& options, const uppercase_client_settings& settings);

struct bench_settings {
  std::size_t connections = 1;
  std::uint64_t total = 1000;       // sixteen: exchanges in all
  std::uint64_t bytes = 1'000'000;  // uppercase, lines: per connection
  std::size_t send_size = 256 * 1024;
  std::size_t recv_size = 0;
  double deadline_s = 10;
  std::size_t ramp = 0;  // load_plan::max_opening
};

int bench_sixteen_main(const common_options& options, const bench_settings& settings);
int bench_uppercase_main(const common_options& options, const bench_settings& settings);
int bench_lines_main(const common_options& options, const bench_settings& settings);

struct plot_settings {
  std::vector<std::string> traces;  // one or two --trace files
  std::string output;               // the SVG to write
  std::vector<std::string> pcaps;   // --pcap: captures whose zero windows are marked
};

int plot_main(const plot_settings& settings);

struct proxy_settings {
  std::string upstream_host;  // --to HOST:PORT
  std::uint16_t upstream_port = 0;
  shaping shape;              // applied to the directions chosen below
  bool shape_up = true;       // client -> server
  bool shape_down = true;     // server -> client
  std::optional<std::uint32_t> seed;  // none: a random seed, logged
};

int proxy_main(const common_options& options, const proxy_settings& settings);

// tcpkit check (SPEC §3.4, docs/CHECK.md).
// The suite's own configuration, as the library takes it, and what only the command line has.
struct check_settings : check::check_config {
  bool list = false;
  bool json = false;
  bool quiet = false;
  std::string junit_path;
  std::string html_path;
};

int check_main(const check_settings& settings);

}  // namespace tcpkit::cli
