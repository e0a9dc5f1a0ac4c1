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

// A mode's load: its plan aimed at HOST:PORT, and what its summary adds (the totals its job kept).
struct load_mode {
  std::string name;  // "sixteen", "uppercase", "lines"
  load_job job;
  std::function<void(load_summary&)> add_totals = [](load_summary&) {};
  std::uint64_t bytes_per_exchange = 0;
};

// Runs the plan on `io` until done or a signal, then lets the workers close for up to
// kWindDown. `io` must outlive `runner`, whose timers are bound to it.
run_result run_plan(asio::io_context& io, load_runner& runner) {
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
  return result;
}

int run_load(const common_options& options, load_plan plan, load_mode mode) {
  require_destination_port(options);
  ensure_descriptors(plan.connections);
  output out(options);
  plan.host = options.host;
  plan.port = options.port;
  plan.connect = options.connect();
  asio::io_context io{1};  // one thread runs it; before the runner: its timers are destroyed first
  load_runner runner(plan, std::move(mode.job));
  const run_result result = run_plan(io, runner);

  load_summary summary{.mode = mode.name,
                       .target = format_host_port(options.host, options.port),
                       .connections = plan.connections,
                       .exchanges = plan.exchanges,
                       .stats = runner.stats(),
                       .bytes_per_exchange = mode.bytes_per_exchange,
                       .interrupted = result.signal != 0,
                       .together = plan.together};
  mode.add_totals(summary);
  report_load(out.report(), summary);

  if (result.signal != 0) return result.status;
  const auto& stats = runner.stats();
  if (stats.failed() != 0) {
    throw error(stats.failures.first_code, "bench " + mode.name, summary.target,
                fmt::format("{} of {} failed; first: {}", stats.failed(), stats.started, stats.failures.first_message));
  }
  return 0;
}

// Uppercase and lines: one stream per connection, all at once.
load_plan streams(load_plan plan) {
  plan.exchanges = plan.connections;
  plan.together = true;
  return plan;
}

// Sixteen: one 16-byte write per connection, which Nagle never delays, so no TCP_NODELAY call.
load_plan sixteen_exchanges(load_plan plan) {
  plan.no_delay = false;
  return plan;
}

}  // namespace

int bench_sixteen_main(const common_options& options, const load_plan& plan) {
  return run_load(options, sixteen_exchanges(plan), {.name = "sixteen", .job = sixteen_load_job()});
}

int bench_uppercase_main(const common_options& options, const load_plan& plan, const uppercase_load_options& load) {
  uppercase_load_totals totals;
  const std::uint64_t bytes = round_up_to_messages(load.bytes);
  return run_load(options, streams(plan),
                  {.name = "uppercase",
                   .job = uppercase_load_job(load, plan.connections, totals),
                   .add_totals = [&totals](load_summary& summary) { summary.bytes = totals.bytes_verified; },
                   .bytes_per_exchange = bytes});
}

int bench_lines_main(const common_options& options, const load_plan& plan, const lines_load_options& load) {
  lines_load_totals totals;
  const std::uint64_t bytes = round_up_to_lines(load.bytes);
  return run_load(options, streams(plan),
                  {.name = "lines",
                   .job = lines_load_job(load, totals),
                   .add_totals =
                       [&totals](load_summary& summary) {
                         summary.bytes = totals.bytes_acknowledged;
                         summary.lines = totals.lines_acknowledged;
                         summary.has_lines = true;
                       },
                   .bytes_per_exchange = bytes});
}

}  // namespace tcpkit::cli
