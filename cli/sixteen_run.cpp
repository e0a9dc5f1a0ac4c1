// tcpkit sixteen server|client, once parsed: wiring options to tcpkit/sixteen.hpp.
#include "actions.hpp"
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
  const std::unique_ptr<tracer> trace = open_trace(options);
  asio::io_context io;
  server srv = open_server(io, options, out.report(), sixteen_server_options(options.server()), trace.get());
  announce_listening(out.report(), srv, "sixteen");
  const run_result result = serve_until_stopped(io, srv, serve_sixteen_client);
  return end_trace(out.report(), trace.get(), end_server(out.report(), srv, result, options.once));
}

int sixteen_client_main(const common_options& options, const std::string& message) {
  require_destination_port(options);
  output out(options);
  asio::io_context io;
  sixteen_client_options client;
  client.host = options.host;
  client.port = options.port;
  client.connect = options.connect();
  client.message = message;
  client.io_timeout = seconds(options.idle_timeout_s);
  auto main = [&]() -> asio::awaitable<int> {
    co_await run_sixteen_client(client, out.report());
    co_return 0;
  };
  return run_with_signals(io, main()).status;
}

}  // namespace tcpkit::cli
