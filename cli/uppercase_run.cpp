// tcpkit uppercase server|client, once parsed: wiring options to tcpkit/uppercase_server.hpp and
// tcpkit/uppercase_client.hpp.
#include "actions.hpp"
#include "run_guard.hpp"
#include "server_exit.hpp"
#include "tracing.hpp"

#include "tcpkit/errors.hpp"
#include "tcpkit/listen.hpp"
#include "tcpkit/uppercase_client.hpp"
#include "tcpkit/uppercase_server.hpp"

#include <asio/io_context.hpp>

#include <stop_token>

namespace tcpkit::cli {
namespace {

clock::duration seconds(double s) {
  return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(s));
}

}  // namespace

int uppercase_server_main(const common_options& options, std::size_t chunk) {
  output out(options);
  const std::unique_ptr<tracer> trace = open_trace(options);
  asio::io_context io;
  listen_options listen;
  listen.family = options.family();
  server_options serving = options.server();
  serving.trace = trace.get();
  server srv(open_listener(io.get_executor(), options.host, options.port, listen), out.report(), serving);
  out.report().emit({event_type::start,
                     "Listening at {local}",
                     {{"program", std::string("uppercase")},
                      {"role", std::string("server")},
                      {"local", format_endpoint(srv.local_endpoint())},
                      {"chunk_bytes", std::uint64_t{chunk}}}});
  auto main = [&]() -> asio::awaitable<int> {
    co_await srv.run(uppercase_handler(chunk));
    co_return 0;
  };
  const run_result result = run_with_signals(io, main(), [&] { srv.stop(); });
  srv.join_workers();  // with --threads: the sessions of the other loops end too
  return end_server(out.report(), srv, result, options.once);
}

int uppercase_client_main(const common_options& options, const uppercase_client_settings& settings) {
  require_destination_port(options);
  output out(options);
  uppercase_client_options client;
  client.host = options.host;
  client.port = options.port;
  client.connect = options.connect();
  client.bytecount = settings.bytecount;
  client.strategy = parse_uppercase_strategy(settings.strategy).value();  // CLI11 checked the name
  client.send_size = settings.send_size;
  client.stall_timeout = seconds(settings.stall_timeout_s);
  client.idle_timeout = seconds(options.idle_timeout_s);
  const std::unique_ptr<tracer> trace = open_trace(options);
  client.trace = trace.get();

  std::stop_source stop;
  auto body = [&] {
    run_uppercase_client(client, out.report(), stop.get_token());
    return 0;
  };
  return run_blocking_with_signals(body, [&] { stop.request_stop(); }).status;
}

}  // namespace tcpkit::cli
