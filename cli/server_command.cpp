#include "server_command.hpp"

#include "run_guard.hpp"
#include "tracing.hpp"

#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/listen.hpp"
#include "tcpkit/lifecycle/run_outcome.hpp"

#include <asio/co_spawn.hpp>
#include <asio/signal_set.hpp>

#include <csignal>
#include <exception>
#include <functional>
#include <string>

namespace tcpkit::cli {
namespace {

// A server listening where HOST, -p and -4/-6 say, every session traced into `trace` if not null.
server open_server(asio::io_context& io, const common_options& options, reporter& report, server_options serving,
                   tracer* trace) {
  listen_options listen;
  listen.family = options.family();
  serving.trace = trace;
  try {
    return server(open_listener(io.get_executor(), options.host, options.port, listen), report, serving);
  } catch (const std::exception& e) {
    report_run_failure(report, e);  // the run ends here: its error and end on the JSON stream
    throw;
  }
}

// "Listening at ADDR:PORT", with the program's name and its own `extra` fields in JSON.
void announce_listening(reporter& report, const server& srv, std::string_view program, std::vector<field> extra) {
  std::vector<field> fields{{"program", std::string(program)},
                            {"role", std::string("server")},
                            {"local", format_endpoint(srv.local_endpoint())}};
  fields.insert(fields.end(), std::make_move_iterator(extra.begin()), std::make_move_iterator(extra.end()));
  report.emit({event_type::start, "Listening at {local}", std::move(fields)});
}

// Every server stops through server::stop(): on SIGINT, SIGTERM or SIGHUP, or when the program
// calls it (the lines server's stdout broke); a second signal stops waiting for the drain.
run_result serve_until_stopped(asio::io_context& io, server& srv, session_handler handler) {
  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  run_result result;
  std::function<void(std::error_code, int)> on_signal = [&](std::error_code ec, int signal) {
    if (ec) return;  // cancelled: the server ended by itself
    if (result.signal != 0) {
      io.stop();  // a second signal: do not wait for the sessions' drain
      return;
    }
    result.signal = signal;
    srv.stop();  // run() completes once the live sessions have closed
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);
  std::exception_ptr failure;
  asio::co_spawn(io, srv.run(std::move(handler)), [&](std::exception_ptr e) {
    failure = e;
    signals.cancel();
    io.stop();
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return result;
}

// Waits for the sessions of the other loops (--threads), prints "Served N connections: F
// failed, R refused" and returns the exit status.
int end_server(reporter& report, server& srv, const run_result& result, bool once) {
  srv.join_workers();  // with --threads: the sessions of the other loops end too
  const server_stats stats = srv.stats();
  report.emit({event_type::end,
               stats.accepted == 1 ? "Served {connections} connection: {failed} failed, {refused} refused"
                                   : "Served {connections} connections: {failed} failed, {refused} refused",
               {{"connections", stats.accepted}, {"failed", stats.failed}, {"refused", stats.refused}}});
  if (result.signal != 0) return 0;
  if (once && srv.last_error()) return static_cast<int>(classify(srv.last_error()));
  return result.status;
}

}  // namespace

server_runner::server_runner(const common_options& options, bool text_to_stderr)
    : options_(options), out_(options, text_to_stderr), wire_(options, out_.report()), trace_(open_trace(options)) {}

int server_runner::run(server_program program) {
  server srv = open_server(io_, options_, wire_.report(), std::move(program.serving), trace_.get());
  wire_.start_server(srv.local_endpoint());  // the ladder: after listen, before accept
  announce_listening(out_.report(), srv, program.name, std::move(program.announced));
  if (program.after_announce) program.after_announce(out_.report());
  const run_result result = serve_until_stopped(io_, srv, program.handler(srv));
  wire_.finish();
  if (program.after_serving) program.after_serving(out_.report());
  return end_trace(out_.report(), trace_.get(), end_server(out_.report(), srv, result, options_.once));
}

}  // namespace tcpkit::cli
