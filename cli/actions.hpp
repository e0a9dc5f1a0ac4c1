// What each command runs once its command line has been parsed.
//
// The seam between parsing and running: cli/*_command.cpp declare the options (CLI11, bound
// straight into the library's option structs where a program has them) and, in
// a subcommand's callback, choose one of these functions; cli/*_run.cpp define them (sockets,
// coroutines, signals). Parsing therefore needs none of the networking code, so the argument
// fuzzer (tests/fuzz/args_fuzz.cpp) links stubs for these instead, and can be built with clang.
#pragma once

#include "common_options.hpp"

#include "tcpkit/check/config.hpp"

#include "tcpkit/programs/shaper.hpp"
#include "tcpkit/instruments/load.hpp"
#include "tcpkit/instruments/load_lines.hpp"
#include "tcpkit/instruments/load_uppercase.hpp"
#include "tcpkit/programs/lines_client.hpp"
#include "tcpkit/programs/sixteen.hpp"
#include "tcpkit/programs/uppercase_client.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tcpkit::cli {

int sixteen_server_main(const common_options& options);
int sixteen_client_main(const common_options& options, const sixteen_client_options& client);

int lines_server_main(const common_options& options, std::size_t max_line);
// `path`: FILE, or "-" for stdin (the library is given the opened input, named in `client`).
int lines_client_main(const common_options& options, const lines_client_options& client, const std::string& path);

int uppercase_server_main(const common_options& options, std::size_t chunk);
int uppercase_client_main(const common_options& options, const uppercase_client_options& client);

// `plan`: -c, -n (sixteen), --deadline, --ramp; its host, port and connect are filled from
// `options` when it runs, and a stream mode runs one exchange per connection, all together.
int bench_sixteen_main(const common_options& options, const load_plan& plan);
int bench_uppercase_main(const common_options& options, const load_plan& plan, const uppercase_load_options& load);
int bench_lines_main(const common_options& options, const load_plan& plan, const lines_load_options& load);

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
