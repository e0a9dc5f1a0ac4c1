// tcpkit bench sixteen|uppercase|lines, once parsed: wiring options to the load generator
// (tcpkit/load*.hpp) and its report (tcpkit/present/load_report.hpp).
#include "actions.hpp"
#include "run_guard.hpp"

#include "tcpkit/core/errors.hpp"
#include "tcpkit/instruments/load_lines.hpp"
#include "tcpkit/present/load_report.hpp"
#include "tcpkit/instruments/load_sixteen.hpp"
#include "tcpkit/instruments/load_uppercase.hpp"
#include "tcpkit/programs/uppercase.hpp"

#include <asio/io_context.hpp>
#include <fmt/format.h>

#include <sys/resource.h>

namespace tcpkit::cli {
namespace {

constexpr std::size_t kSpareDescriptors = 64;  // stdio, the event loop's own, the resolver's
constexpr auto kWindDown = std::chrono::seconds(5);

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

int run_load(const common_options& options, const bench_settings& settings, std::string mode, load_job job,
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
  plan.deadline = seconds(settings.deadline_s);
  plan.max_opening = settings.ramp;
  plan.together = mode != "sixteen";  // uppercase and lines: one stream per connection, all at once
  plan.no_delay = mode != "sixteen";  // one 16-byte write per connection: Nagle never delays it
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

}  // namespace

int bench_sixteen_main(const common_options& options, const bench_settings& settings) {
  return run_load(options, settings, "sixteen", sixteen_load_job(), [](load_summary&) {}, settings.total, 0);
}

int bench_uppercase_main(const common_options& options, const bench_settings& settings) {
  uppercase_load_options load;
  load.bytes = round_up_to_messages(settings.bytes);
  load.send_size = settings.send_size;
  load.recv_size = settings.recv_size;
  uppercase_load_totals totals;
  auto add_totals = [&totals](load_summary& summary) { summary.bytes = totals.bytes_verified; };
  return run_load(options, settings, "uppercase", uppercase_load_job(load, settings.connections, totals), add_totals,
                   settings.connections, load.bytes);
}

int bench_lines_main(const common_options& options, const bench_settings& settings) {
  lines_load_options load;
  load.bytes = (settings.bytes + kLoadLineBytes - 1) / kLoadLineBytes * kLoadLineBytes;
  load.send_size = settings.send_size;
  lines_load_totals totals;
  auto add_totals = [&totals](load_summary& summary) {
    summary.bytes = totals.bytes_acknowledged;
    summary.lines = totals.lines_acknowledged;
    summary.has_lines = true;
  };
  return run_load(options, settings, "lines", lines_load_job(load, totals), add_totals, settings.connections, load.bytes);
}

}  // namespace tcpkit::cli
