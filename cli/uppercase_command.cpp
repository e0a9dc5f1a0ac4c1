// tcpkit uppercase server|client: wiring options to tcpkit/uppercase_server.hpp and
// tcpkit/uppercase_client.hpp.
#include "commands.hpp"
#include "common_options.hpp"
#include "run_guard.hpp"

#include "tcpkit/errors.hpp"
#include "tcpkit/listen.hpp"
#include "tcpkit/uppercase_client.hpp"
#include "tcpkit/uppercase_server.hpp"

#include <asio/io_context.hpp>

#include <stop_token>

namespace tcpkit::cli {
namespace {

constexpr std::size_t kMaxBufferSize = 64 * 1024 * 1024;  // --chunk and --send-size
constexpr std::uint64_t kMaxBytecount = std::uint64_t{1} << 60;
// --stall-timeout: about 11 days. Far more would overflow clock::duration (nanoseconds, int64)
// and turn into a negative limit, i.e. a "deadlock" diagnosed at the first tick.
constexpr double kMaxStallSeconds = 1e6;

clock::duration seconds(double s) {
  return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(s));
}

int run_server(const common_options& options, std::size_t chunk) {
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
  const auto& stats = srv.stats();
  out.report().emit({event_type::end,
                     "Served {connections} connections: {failed} failed, {refused} refused",
                     {{"connections", stats.accepted}, {"failed", stats.failed}, {"refused", stats.refused}}});
  if (result.signal != 0) return 0;  // a server asked to stop has done its job
  if (options.once && srv.last_error()) return static_cast<int>(classify(srv.last_error()));
  return result.status;
}

struct client_settings {
  std::uint64_t bytecount = kCapitalizeMessage.size();
  std::string strategy = "naive";
  std::size_t send_size = 0;
  double stall_timeout_s = 5;
};

int run_client(const common_options& options, const client_settings& settings) {
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

}  // namespace

void add_uppercase_command(CLI::App& app, action& chosen) {
  auto* program = app.add_subcommand("uppercase", "stream bytes to a server that sends them back uppercased (the seeds' "
                                                  "second program, and its deadlock)");
  program->require_subcommand(1);

  static common_options server_options;
  static std::size_t chunk = kDefaultChunk;
  auto* server = program->add_subcommand("server", "uppercase a-z in everything each client sends, and send it back");
  add_common_options(*server, server_options, "interface to listen at: \"\" or 0.0.0.0 (all IPv4), :: (all), or one address");
  add_server_options(*server, server_options);
  add_trace_options(*server, server_options);
  server->add_option("--chunk", chunk, "read up to this many bytes at a time from a client (default 262144; the seed's is 1024)")
      ->check(CLI::Range(std::size_t{1}, kMaxBufferSize));
  server->callback([&chosen] { chosen = [] { return run_server(server_options, chunk); }; });
  server->footer("Example:\n  tcpkit uppercase server \"\" -p 1060");

  static common_options client_options;
  static client_settings settings;
  auto* client = program->add_subcommand("client", "send BYTECOUNT bytes of \"capitalize this!\" and check every byte that comes back");
  add_common_options(*client, client_options, "server name or address");
  client->add_option("bytecount", settings.bytecount, "bytes to send, rounded up to a multiple of 16 (default 16)")
      ->check(CLI::Range(std::uint64_t{0}, kMaxBytecount));
  add_client_options(*client, client_options);
  add_trace_options(*client, client_options);
  client->add_option("--strategy", settings.strategy,
                     "naive: send everything, then read (the seed's; deadlocks on large counts); threads: a sender and a "
                     "receiver thread; async: one thread, an event loop (default naive)")
      ->check(CLI::IsMember({"naive", "threads", "async"}));
  client->add_option("--send-size", settings.send_size, "bytes per send (default 16 for naive, 262144 otherwise)")
      ->check(CLI::Range(std::size_t{1}, kMaxBufferSize));
  client->add_option("--stall-timeout", settings.stall_timeout_s,
                     "naive: seconds without progress in either direction before the deadlock is diagnosed (default 5; threads "
                     "and async give up after --idle-timeout)")
      ->check(CLI::PositiveNumber & CLI::Range(0.0, kMaxStallSeconds));
  client->callback([&chosen] { chosen = [] { return run_client(client_options, settings); }; });
  client->footer(
      "Examples:\n"
      "  tcpkit uppercase client 127.0.0.1 1073741824 --strategy async   # 1 GiB, every byte checked\n"
      "  tcpkit uppercase client 127.0.0.1 268435456                     # the seed's deadlock, diagnosed\n"
      "Exit codes: 0 every byte came back uppercased, 6 wrong or missing bytes, 7 deadlock (naive).");
}

}  // namespace tcpkit::cli
