// tcpkit sixteen server|client, once parsed: wiring options to tcpkit/sixteen.hpp.
#include "actions.hpp"
#include "packets.hpp"
#include "run_guard.hpp"
#include "server_command.hpp"
#include "tracing.hpp"

#include "tcpkit/errors.hpp"
#include "tcpkit/listen.hpp"
#include "tcpkit/sixteen.hpp"

#include <asio/io_context.hpp>

namespace tcpkit::cli {

int sixteen_server_main(const common_options& options) {
  output out(options);
  packets wire(options, out.report());
  const std::unique_ptr<tracer> trace = open_trace(options);
  asio::io_context io;
  server srv = open_server(io, options, wire.report(), sixteen_server_options(options.server()), trace.get());
  wire.start_server(srv.local_endpoint());
  announce_listening(out.report(), srv, "sixteen");
  const run_result result = serve_until_stopped(io, srv, serve_sixteen_client);
  wire.finish();
  return end_trace(out.report(), trace.get(), end_server(out.report(), srv, result, options.once));
}

int sixteen_client_main(const common_options& options, const std::string& message) {
  require_destination_port(options);
  output out(options);
  packets wire(options, out.report());
  wire.start_client(options);
  asio::io_context io;
  sixteen_client_options client;
  client.host = options.host;
  client.port = options.port;
  client.connect = options.connect();
  client.connect.before_connect = wire.before_connect();  // --packets: capture from the SYN on
  client.message = message;
  client.io_timeout = seconds(options.idle_timeout_s);
  auto main = [&]() -> asio::awaitable<int> {
    co_await run_sixteen_client(client, wire.report());
    co_return 0;
  };
  const int status = run_with_signals(io, main()).status;
  wire.finish();
  return status;
}

}  // namespace tcpkit::cli
