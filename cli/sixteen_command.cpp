// tcpkit sixteen server|client: wiring options to tcpkit/sixteen.hpp.
#include "commands.hpp"
#include "common_options.hpp"
#include "run_guard.hpp"

#include "tcpkit/errors.hpp"
#include "tcpkit/listen.hpp"
#include "tcpkit/sixteen.hpp"

#include <asio/io_context.hpp>

namespace tcpkit::cli {
namespace {

int run_server(const common_options& options) {
  output out(options);
  const std::unique_ptr<tracer> trace = open_trace(options);
  asio::io_context io;
  listen_options listen;
  listen.family = options.family();
  server_options serving = sixteen_server_options(options.server());
  serving.trace = trace.get();
  server srv(open_listener(io.get_executor(), options.host, options.port, listen), out.report(), serving);
  out.report().emit({event_type::start,
                     "Listening at {local}",
                     {{"program", std::string("sixteen")},
                      {"role", std::string("server")},
                      {"local", format_endpoint(srv.local_endpoint())}}});
  auto main = [&]() -> asio::awaitable<int> {
    co_await srv.run(serve_sixteen_client);
    co_return 0;
  };
  const run_result result = run_with_signals(io, main(), [&] { srv.stop(); });
  const auto& stats = srv.stats();
  out.report().emit({event_type::end,
                     "Served {connections} connections: {failed} failed, {refused} refused",
                     {{"connections", stats.accepted}, {"failed", stats.failed}, {"refused", stats.refused}}});
  if (result.signal != 0) return 0;  // a server asked to stop has done its job
  if (options.once && srv.last_error()) return static_cast<int>(classify(srv.last_error()));
  return result.status;
}

int run_client(const common_options& options, const std::string& message) {
  require_destination_port(options);
  output out(options);
  asio::io_context io;
  sixteen_client_options client;
  client.host = options.host;
  client.port = options.port;
  client.connect = options.connect();
  client.message = message;
  client.io_timeout = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(options.idle_timeout_s));
  auto main = [&]() -> asio::awaitable<int> {
    co_await run_sixteen_client(client, out.report());
    co_return 0;
  };
  return run_with_signals(io, main()).status;
}

}  // namespace

void add_sixteen_command(CLI::App& app, action& chosen) {
  auto* program = app.add_subcommand("sixteen", "exchange exactly sixteen octets each way (the seeds' first program)");
  program->alias("simple");
  program->require_subcommand(1);

  static common_options server_options;
  auto* server = program->add_subcommand("server", "answer every 16-byte message with \"Farewell, client\"");
  add_common_options(*server, server_options, "interface to listen at: \"\" or 0.0.0.0 (all IPv4), :: (all), or one address");
  add_server_options(*server, server_options);
  add_trace_options(*server, server_options);
  server->callback([&chosen] { chosen = [] { return run_server(server_options); }; });
  server->footer("Example:\n  tcpkit sixteen server \"\" -p 1060");

  static common_options client_options;
  static std::string message(kGreeting);
  auto* client = program->add_subcommand("client", "send a 16-byte message and read the 16-byte reply");
  add_common_options(*client, client_options, "server name or address");
  add_client_options(*client, client_options);
  client->add_option("--message", message, "text to send instead of \"Hi there, server\" (any length: try 17 or 5 bytes)");
  client->callback([&chosen] { chosen = [] { return run_client(client_options, message); }; });
  client->footer("Example:\n  tcpkit sixteen client 127.0.0.1 -p 1060 --message 'Hi there, server!'");
}

}  // namespace tcpkit::cli
