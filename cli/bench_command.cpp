// tcpkit bench sixteen|uppercase|lines: wiring options to the load generator
// (tcpkit/load*.hpp) and its report (tcpkit/load_report.hpp).
#include "commands.hpp"
#include "common_options.hpp"
#include "run_guard.hpp"

#include "tcpkit/errors.hpp"
#include "tcpkit/load_lines.hpp"
#include "tcpkit/load_report.hpp"
#include "tcpkit/load_sixteen.hpp"
#include "tcpkit/load_uppercase.hpp"
#include "tcpkit/uppercase.hpp"

#include <asio/io_context.hpp>
#include <fmt/format.h>

#include <sys/resource.h>

namespace tcpkit::cli {
namespace {

constexpr std::size_t kMaxConnections = 1'000'000;
constexpr std::size_t kSpareDescriptors = 64;  // stdio, the event loop's own, the resolver's
constexpr auto kWindDown = std::chrono::seconds(5);

struct bench_settings {
  std::size_t connections = 1;
  std::uint64_t total = 1000;       // sixteen: exchanges in all
  std::uint64_t bytes = 1'000'000;  // uppercase, lines: per connection
  std::size_t send_size = 256 * 1024;
  std::size_t recv_size = 0;
  double deadline_s = 10;
  std::size_t ramp = 0;  // load_plan::max_opening
};

// Streams connect all first (load_plan::together), a few hundred at a time (load.hpp).
constexpr std::size_t kDefaultStreamRamp = 256;

// Every connection is a descriptor: raise the soft limit to the hard one, and say so up front
// if that is still too few, instead of failing thousands of connects with EMFILE.
void ensure_descriptors(std::size_t connections) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t needed = connections + kSpareDescriptors;
  if (limit.rlim_cur < needed && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
    throw error(errc::usage, "--connections", "",
                fmt::format("{} connections need about {} file descriptors, and the limit is {} (ulimit -n; hard limit {})",
                            connections, needed, limit.rlim_cur, limit.rlim_max));
  }
}

int run_bench(const common_options& options, const bench_settings& settings, std::string mode, load_job job,
              const std::function<void(load_summary&)>& add_totals, std::uint64_t exchanges,
              std::uint64_t bytes_per_exchange) {
  require_destination_port(options);
  ensure_descriptors(settings.connections);
  output out(options);
  asio::io_context io;

  load_plan plan;
  plan.host = options.host;
  plan.port = options.port;
  plan.connect = options.connect();
  plan.connections = settings.connections;
  plan.exchanges = exchanges;
  plan.deadline = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(settings.deadline_s));
  plan.max_opening = settings.ramp;
  plan.together = mode != "sixteen";  // uppercase and lines: one stream per connection, all at once
  load_runner runner(plan, std::move(job));

  auto main = [&]() -> asio::awaitable<int> {
    co_await runner.run();
    co_return 0;
  };
  const run_result result = run_with_signals(io, main());
  // After a signal, the workers close their connections; give them a moment, in the loop.
  const auto wind_down_until = clock::now() + kWindDown;
  while (runner.live_workers() > 0 && clock::now() < wind_down_until) {
    runner.stop();
    io.restart();
    io.run_for(std::chrono::milliseconds(100));
  }

  load_summary summary;
  summary.mode = mode;
  summary.target = format_host_port(options.host, options.port);
  summary.connections = settings.connections;
  summary.exchanges = exchanges;
  summary.stats = runner.stats();
  summary.bytes_per_exchange = bytes_per_exchange;
  summary.interrupted = result.signal != 0;
  summary.together = plan.together;
  add_totals(summary);
  report_load(out.report(), summary);

  if (result.signal != 0) return result.status;
  const auto& stats = runner.stats();
  if (stats.failed() != 0) {
    throw error(stats.failures.first_code, "bench " + mode, summary.target,
                fmt::format("{} of {} failed; first: {}", stats.failed(), stats.started, stats.failures.first_message));
  }
  return 0;
}

int run_sixteen(const common_options& options, const bench_settings& settings) {
  return run_bench(options, settings, "sixteen", sixteen_load_job(), [](load_summary&) {}, settings.total, 0);
}

int run_uppercase(const common_options& options, const bench_settings& settings) {
  uppercase_load_options load;
  load.bytes = round_up_to_messages(settings.bytes);
  load.send_size = settings.send_size;
  load.recv_size = settings.recv_size;
  uppercase_load_totals totals;
  auto add_totals = [&totals](load_summary& summary) { summary.bytes = totals.bytes_verified; };
  return run_bench(options, settings, "uppercase", uppercase_load_job(load, settings.connections, totals), add_totals,
                   settings.connections, load.bytes);
}

int run_lines(const common_options& options, const bench_settings& settings) {
  lines_load_options load;
  load.bytes = (settings.bytes + kLoadLineBytes - 1) / kLoadLineBytes * kLoadLineBytes;
  load.send_size = settings.send_size;
  lines_load_totals totals;
  auto add_totals = [&totals](load_summary& summary) {
    summary.bytes = totals.bytes_acknowledged;
    summary.lines = totals.lines_acknowledged;
    summary.has_lines = true;
  };
  return run_bench(options, settings, "lines", lines_load_job(load, totals), add_totals, settings.connections, load.bytes);
}

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
  sixteen->callback([&chosen] { chosen = [] { return run_sixteen(sixteen_options, sixteen_settings); }; });
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
  uppercase->callback([&chosen] { chosen = [] { return run_uppercase(uppercase_options, uppercase_settings); }; });
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
  lines->callback([&chosen] { chosen = [] { return run_lines(lines_options, lines_settings); }; });
  lines->footer(
      "Examples:\n"
      "  tcpkit bench lines 127.0.0.1 -p 1060 --bytes 100M\n"
      "  tcpkit bench lines 127.0.0.1 -p 1060 --connections 4 --bytes 25M --json");
}

}  // namespace tcpkit::cli
