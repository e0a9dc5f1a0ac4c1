// What every server command (sixteen, uppercase, lines, proxy) does the same way, in one place so
// that no server drifts from the others: open its output, --packets capture and --trace; listen
// where HOST, -p and -4/-6 say; announce; serve until stopped; end with the summary and the exit
// status (SPEC §2). A program says only what differs: its name, options, handler and extras.
#pragma once

#include "common_options.hpp"
#include "packets.hpp"

#include "tcpkit/core/report.hpp"
#include "tcpkit/lifecycle/server.hpp"
#include "tcpkit/instruments/trace.hpp"

#include <asio/io_context.hpp>

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace tcpkit::cli {

// What one server program adds to the common sequence.
struct server_program {
  std::string_view name;          // "program" in the start event
  server_options serving;         // usually options.server(): idle timeout, --max-conns, --once, --threads
  std::vector<field> announced{};  // the program's own fields in "Listening at"
  // The session handler, made once the server listens (it may keep `srv` to stop it).
  std::function<session_handler(server& srv)> handler;
  std::function<void(reporter&)> after_announce{};  // if set: more to say before serving
  std::function<void(reporter&)> after_serving{};   // if set: before "Served N connections"
};

// The output, capture, trace and io_context of one server run, made in that order (and so
// destroyed in the reverse one). The program may make what its handler needs on io() first.
class server_runner {
 public:
  // `text_to_stderr`: see cli::output (the lines server keeps stdout for payload). Throws as
  // cli::packets and open_trace() do, before anything listens.
  explicit server_runner(const common_options& options, bool text_to_stderr = false);
  asio::io_context& io() noexcept { return io_; }
  reporter& report() noexcept { return out_.report(); }

  // Listens, announces, serves until the server ends by itself (--once, an accept failure) or is
  // stopped: SIGINT, SIGTERM or SIGHUP, or server::stop() from the program. Stopping ends each
  // live session FIN-first with its summary (a second signal does not wait). Returns the exit
  // status: 0 when stopped by a signal; the last session's error class with --once; else what
  // the loop returned; 1 if the trace failed on the way. If it cannot listen, reports the run's
  // error and end (tcpkit/lifecycle/run_outcome.hpp) and throws.
  int run(server_program program);

 private:
  const common_options& options_;
  output out_;
  packets wire_;
  std::unique_ptr<tracer> trace_;
  // Run by this thread alone (the other loops of --threads are the server's own): the hint lets
  // Asio queue what this thread posts to itself without taking the scheduler's lock.
  asio::io_context io_{1};
};

}  // namespace tcpkit::cli
