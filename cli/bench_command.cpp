// tcpkit bench sixteen|uppercase|lines: the options; bench_run.cpp runs them.
#include "commands.hpp"
#include "common_options.hpp"
#include "actions.hpp"

#include <memory>

namespace tcpkit::cli {
namespace {

constexpr std::size_t kMaxConnections = 1'000'000;
// Streams connect all first (load_plan::together), a few hundred at a time (load.hpp).
constexpr std::size_t kDefaultStreamRamp = 256;

// The options every mode shares: where, how many at once, the per-exchange deadline.
void add_load_options(CLI::App& command, common_options& options, bench_settings& settings) {
  add_common_options(command, options, "server name or address");
  command.add_option("--connect-timeout", options.connect_timeout_s, "seconds to resolve the name (default 10)")
      ->check(CLI::PositiveNumber);
  command.add_option("-c,--connections", settings.connections, "clients at once (default 1)")
      ->check(CLI::Range(std::size_t{1}, kMaxConnections));
  command.add_option("--deadline", settings.deadline_s,
                     "seconds an exchange may take, connect included (streams: without progress); past it, it "
                     "fails as a timeout (default 10)")
      ->check(CLI::PositiveNumber);
  command.add_option("--ramp", settings.ramp, "at most N connects in progress at once (0: no limit)")
      ->capture_default_str();
}

void add_stream_options(CLI::App& command, bench_settings& settings, const char* bytes_help) {
  command.add_option("-b,--bytes", settings.bytes, bytes_help)
      ->transform(CLI::AsSizeValue(true))
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 50));
  command.add_option("--send-size", settings.send_size, "bytes per send (default 262144)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{256 * 1024}));
}

}  // namespace

void add_bench_command(CLI::App& app, action& chosen) {
  auto* program = app.add_subcommand("bench", "load generator: many clients against any server of one program");
  program->require_subcommand(1);
  program->footer(
      "Exit status: 0 if every exchange was ok; otherwise that of the first failure (e.g. 3 refused, 6 wrong reply),\n"
      "after the table. --json prints one NDJSON \"end\" event with the same figures.\nExamples:\n"
      "  tcpkit bench sixteen 127.0.0.1 -p 1060 --connections 64      # against a running sixteen server\n"
      "  tcpkit bench uppercase ::1 -p 1060 --connections 4 --bytes 64M --json");

  static common_options sixteen_options;
  static bench_settings sixteen_settings;
  auto* sixteen = program->add_subcommand("sixteen", "exchanges/s and latency of connect, 16 bytes each way, close");
  add_load_options(*sixteen, sixteen_options, sixteen_settings);
  sixteen->add_option("-n,--total", sixteen_settings.total, "exchanges in all, each on a new connection (default 1000)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  sixteen->callback([&chosen] { chosen = [] { return bench_sixteen_main(sixteen_options, sixteen_settings); }; });
  sixteen->footer(
      "Examples:\n"
      "  tcpkit bench sixteen 127.0.0.1 -p 1060 --connections 64 --total 20000\n"
      "  tcpkit bench sixteen ::1 -p 1060 --json");

  static common_options uppercase_options;
  static bench_settings uppercase_settings;
  uppercase_settings.ramp = kDefaultStreamRamp;
  auto* uppercase = program->add_subcommand("uppercase", "MB/s of concurrent streams, every byte verified");
  add_load_options(*uppercase, uppercase_options, uppercase_settings);
  add_stream_options(*uppercase, uppercase_settings,
                     "bytes each connection streams, rounded up to a multiple of 16; 1G = 10^9, 1GiB = 2^30 (default 1M)");
  uppercase->add_option("--recv-size", uppercase_settings.recv_size,
                        "bytes per receive (default 262144, less with many connections: 256 MiB in all)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{256 * 1024}));
  uppercase->callback([&chosen] { chosen = [] { return bench_uppercase_main(uppercase_options, uppercase_settings); }; });
  uppercase->footer(
      "Examples:\n"
      "  tcpkit bench uppercase 127.0.0.1 -p 1060 --connections 1 --bytes 1G\n"
      "  tcpkit bench uppercase 127.0.0.1 -p 1060 --connections 8 --bytes 128MiB --json");

  static common_options lines_options;
  static bench_settings lines_settings;
  lines_settings.ramp = kDefaultStreamRamp;
  auto* lines = program->add_subcommand("lines", "lines/s and MB/s of connections sending lines, acknowledgements checked");
  add_load_options(*lines, lines_options, lines_settings);
  add_stream_options(*lines, lines_settings,
                     "bytes of 53-byte lines each connection sends, rounded up to whole lines (default 1M)");
  lines->callback([&chosen] { chosen = [] { return bench_lines_main(lines_options, lines_settings); }; });
  lines->footer(
      "Examples:\n"
      "  tcpkit bench lines 127.0.0.1 -p 1060 --bytes 100M\n"
      "  tcpkit bench lines 127.0.0.1 -p 1060 --connections 4 --bytes 25M --json");
}

}  // namespace tcpkit::cli
