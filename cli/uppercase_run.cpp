// tcpkit uppercase server|client, once parsed: wiring options to tcpkit/uppercase_server.hpp and
// tcpkit/uppercase_client.hpp.
#include "actions.hpp"
#include "packets.hpp"
#include "run_guard.hpp"
#include "server_command.hpp"
#include "tracing.hpp"

#include "tcpkit/errors.hpp"
#include "tcpkit/listen.hpp"
#include "tcpkit/uppercase_client.hpp"
#include "tcpkit/uppercase_server.hpp"

#include <asio/io_context.hpp>

#include <stop_token>

namespace tcpkit::cli {

int uppercase_server_main(const common_options& options, std::size_t chunk) {
  output out(options);
  packets wire(options, out.report());
  const std::unique_ptr<tracer> trace = open_trace(options);
  asio::io_context io;
  server srv = open_server(io, options, wire.report(), options.server(), trace.get());
  wire.start_server(srv.local_endpoint());
  announce_listening(out.report(), srv, "uppercase", {{"chunk_bytes", std::uint64_t{chunk}}});
  const run_result result = serve_until_stopped(io, srv, uppercase_handler(chunk));
  wire.finish();
  return end_trace(out.report(), trace.get(), end_server(out.report(), srv, result, options.once));
}

int uppercase_client_main(const common_options& options, const uppercase_client_settings& settings) {
  require_destination_port(options);
  output out(options);
  packets wire(options, out.report());
  wire.start_client(options);
  uppercase_client_options client;
  client.host = options.host;
  client.port = options.port;
  client.connect = options.connect();
  client.connect.before_connect = wire.before_connect();  // --packets: capture from the SYN on
  client.bytecount = settings.bytecount;
  client.strategy = parse_uppercase_strategy(settings.strategy).value();  // CLI11 checked the name
  client.send_size = settings.send_size;
  client.stall_timeout = seconds(settings.stall_timeout_s);
  client.idle_timeout = seconds(options.idle_timeout_s);
  const std::unique_ptr<tracer> trace = open_trace(options);
  client.trace = trace.get();

  std::stop_source stop;
  auto body = [&] {
    run_uppercase_client(client, wire.report(), stop.get_token());
    return 0;
  };
  const int status = run_blocking_with_signals(body, [&] { stop.request_stop(); }).status;
  wire.finish();
  return status;
}

}  // namespace tcpkit::cli
