// tcpkit bench sixteen|uppercase|lines: the options; bench_run.cpp runs them.
#include "commands.hpp"
#include "common_options.hpp"
#include "actions.hpp"
#include "typed_options.hpp"

#include <fmt/format.h>

#include <memory>

namespace tcpkit::cli {
namespace {

constexpr std::size_t kMaxConnections = 1'000'000;
// Streams connect all first (load_plan::together), a few hundred at a time (load.hpp).
constexpr std::size_t kDefaultStreamRamp = 256;
constexpr std::uint64_t kDefaultSixteenTotal = 1000;
constexpr std::size_t kMaxIoSize = 256 * 1024;  // --send-size, --recv-size

// The options every mode shares: where, how many at once, the per-exchange deadline.
void add_load_options(CLI::App& command, common_options& options, load_plan& plan) {
  add_common_options(command, options, "server name or address");
  add_seconds_option(command, "--connect-timeout", options.connect_timeout_s,
                     "seconds to wait for HOST to resolve, once before the run (default 10); each connect counts "
                     "against --deadline");
  add_count_option(command, "-c,--connections", plan.connections, "clients at once (default 1)", 1,
                   kMaxConnections);
  add_seconds_option(command, "--deadline", plan.deadline,
                     "seconds an exchange may take, connect included (streams: without progress); past it, it "
                     "fails as a timeout (default 10)");
  add_count_option(command, "--ramp", plan.max_opening,
                   fmt::format("at most N connects in progress at once (0: no limit; default {})", plan.max_opening), 0,
                   kMaxConnections);
}

template <class Load>
void add_stream_options(CLI::App& command, Load& load, const char* bytes_help) {
  add_size_option(command, "-b,--bytes", load.bytes, bytes_help, 1, std::uint64_t{1} << 50);
  add_size_option(command, "--send-size", load.send_size, "bytes per send, 1 to 256K (default 256K)", 1,
                  kMaxIoSize);
}

}  // namespace

void add_bench_command(CLI::App& app, bench_command_options& options, action& chosen) {
  auto* program = app.add_subcommand("bench", "load generator: many clients against any server of one program");
  program->require_subcommand(1);
  program->footer(
      "Exit status: 0 if every exchange was ok; otherwise that of the first failure (e.g. 3 refused, 6 wrong reply),\n"
      "after the table. --json prints one NDJSON \"end\" event with the same figures.\nExamples:\n"
      "  tcpkit bench sixteen 127.0.0.1 -p 1060 --connections 64      # against a running sixteen server\n"
      "  tcpkit bench uppercase ::1 -p 1060 --connections 4 --bytes 64M --json");

  auto* sixteen = program->add_subcommand("sixteen", "exchanges/s and latency of connect, 16 bytes each way, close");
  options.sixteen_plan.exchanges = kDefaultSixteenTotal;
  add_load_options(*sixteen, options.sixteen, options.sixteen_plan);
  add_count_option(*sixteen, "-n,--total", options.sixteen_plan.exchanges,
                   "exchanges in all, each on a new connection (default 1000)", 1, std::uint64_t{1} << 40);
  choose_when_parsed(*sixteen, options.sixteen, chosen,
                     [&options] { return bench_sixteen_main(options.sixteen, options.sixteen_plan); });
  sixteen->footer(
      "Examples:\n"
      "  tcpkit bench sixteen 127.0.0.1 -p 1060 --connections 64 --total 20000\n"
      "  tcpkit bench sixteen ::1 -p 1060 --json");

  options.uppercase_plan.max_opening = kDefaultStreamRamp;
  auto* uppercase = program->add_subcommand("uppercase", "MB/s of concurrent streams, every byte verified");
  add_load_options(*uppercase, options.uppercase, options.uppercase_plan);
  add_stream_options(*uppercase, options.uppercase_load,
                     "bytes each connection streams, rounded up to a multiple of 16; 1G = 2^30, 1GB = 10^9 "
                     "(default 1MB)");
  add_size_option(*uppercase, "--recv-size", options.uppercase_load.recv_size,
                  "bytes per receive, 1 to 256K (default 256K, less with many connections: 256M in all)", 1, kMaxIoSize);
  choose_when_parsed(*uppercase, options.uppercase, chosen,
                     [&options] { return bench_uppercase_main(options.uppercase, options.uppercase_plan, options.uppercase_load); });
  uppercase->footer(
      "Examples:\n"
      "  tcpkit bench uppercase 127.0.0.1 -p 1060 --connections 1 --bytes 1G\n"
      "  tcpkit bench uppercase 127.0.0.1 -p 1060 --connections 8 --bytes 128MiB --json");

  options.lines_plan.max_opening = kDefaultStreamRamp;
  auto* lines = program->add_subcommand("lines", "lines/s and MB/s of connections sending lines, acknowledgements checked");
  add_load_options(*lines, options.lines, options.lines_plan);
  add_stream_options(*lines, options.lines_load,
                     "bytes of 53-byte lines each connection sends, rounded up to whole lines (default 1MB)");
  choose_when_parsed(*lines, options.lines, chosen, [&options] { return bench_lines_main(options.lines, options.lines_plan, options.lines_load); });
  lines->footer(
      "Examples:\n"
      "  tcpkit bench lines 127.0.0.1 -p 1060 --bytes 100M\n"
      "  tcpkit bench lines 127.0.0.1 -p 1060 --connections 4 --bytes 25M --json");
}

}  // namespace tcpkit::cli
