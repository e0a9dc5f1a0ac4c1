// tcpkit lines server|client: wiring options to tcpkit/lines_server.hpp and lines_client.hpp.
//
// The server's stdout is payload only (the received lines, byte for byte); everything else,
// "Listening at" included, goes to stderr, so `tcpkit lines server "" > copy.txt` makes a copy.
#include "commands.hpp"
#include "common_options.hpp"
#include "run_guard.hpp"

#include "tcpkit/errors.hpp"
#include "tcpkit/fd_sink.hpp"
#include "tcpkit/fd_source.hpp"
#include "tcpkit/lines_client.hpp"
#include "tcpkit/lines_server.hpp"
#include "tcpkit/listen.hpp"

#include <asio/io_context.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <optional>

namespace tcpkit::cli {
namespace {

constexpr std::size_t kMaxMaxLine = std::size_t{1} << 30;  // 1 GiB: one buffer per connection

int run_server(const common_options& options, std::size_t max_line) {
  output out(options, /*text_to_stderr=*/true);
  const std::unique_ptr<tracer> trace = open_trace(options);
  asio::io_context io;
  fd_sink sink(io.get_executor(), STDOUT_FILENO, "stdout");
  listen_options listen;
  listen.family = options.family();
  server_options serving = options.server();
  serving.trace = trace.get();
  server srv(open_listener(io.get_executor(), options.host, options.port, listen), out.report(), serving);
  out.report().emit({event_type::start,
                     "Listening at {local}",
                     {{"program", std::string("lines")},
                      {"role", std::string("server")},
                      {"local", format_endpoint(srv.local_endpoint())},
                      {"max_line_bytes", std::uint64_t{max_line}}}});

  // Without a stdout there is nothing left to serve for (`tcpkit lines server | head`).
  std::optional<error> output_failure;
  sink.on_failure([&](const error& e) {
    output_failure = e;
    srv.stop();
  });
  auto main = [&]() -> asio::awaitable<int> {
    co_await srv.run(lines_session(sink, {max_line}));
    co_return 0;
  };
  const run_result result = run_with_signals(io, main());
  if (!sink.close(kDefaultSinkCloseLimit)) {
    out.report().emit({event_type::error,
                       "write stdout: output blocked; {bytes_unwritten} received bytes were not written",
                       {{"operation", std::string("write")}, {"bytes_unwritten", sink.bytes_unwritten()}}});
  }
  const auto& stats = srv.stats();
  out.report().emit({event_type::end,
                     "Served {connections} connections: {failed} failed, {refused} refused",
                     {{"connections", stats.accepted}, {"failed", stats.failed}, {"refused", stats.refused}}});
  if (output_failure) {
    std::fprintf(stderr, "tcpkit: %s\n", output_failure->what());
    return static_cast<int>(exit_status::failure);
  }
  if (result.signal != 0) return 0;  // a server asked to stop has done its job
  if (options.once && srv.last_error()) return static_cast<int>(classify(srv.last_error()));
  return result.status;
}

// The input named on the command line: "-" is stdin; a file is opened here and closed at exit.
class input_file {
 public:
  explicit input_file(const std::string& path) : name_(path == "-" ? "stdin" : path) {
    if (path == "-") return;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw error({errno, std::system_category()}, "open", path);
  }
  input_file(const input_file&) = delete;
  input_file& operator=(const input_file&) = delete;
  ~input_file() {
    if (fd_ != STDIN_FILENO) ::close(fd_);
  }
  int fd() const { return fd_; }
  const std::string& name() const { return name_; }

 private:
  int fd_ = STDIN_FILENO;
  std::string name_;
};

int run_client(const common_options& options, const std::string& path) {
  require_destination_port(options);
  output out(options);
  input_file file(path);
  asio::io_context io;
  fd_source input(io.get_executor(), file.fd(), file.name());
  lines_client_options client;
  client.host = options.host;
  client.port = options.port;
  client.connect = options.connect();
  client.input_name = file.name();
  client.io_timeout = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(options.idle_timeout_s));
  auto main = [&]() -> asio::awaitable<int> {
    co_await run_lines_client(client, input, out.report());
    co_return 0;
  };
  return run_with_signals(io, main()).status;
}

}  // namespace

void add_lines_command(CLI::App& app, action& chosen) {
  auto* program = app.add_subcommand("lines", "send a file as lines; the server prints them (the lab's makefile() task)");
  program->require_subcommand(1);

  static common_options server_options;
  static std::size_t max_line = kDefaultMaxLine;
  auto* server = program->add_subcommand(
      "server", "print every line received to stdout, exactly as sent; acknowledge with \"received N lines, M bytes\"");
  add_common_options(*server, server_options, "interface to listen at: \"\" or 0.0.0.0 (all IPv4), :: (all), or one address");
  add_server_options(*server, server_options);
  add_trace_options(*server, server_options);
  server
      ->add_option("--max-line", max_line,
                   "longest line accepted, line ending included (default 64KiB; suffixes K, M); a longer one ends "
                   "that connection")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::size_t{1}, kMaxMaxLine));
  server->callback([&chosen] { chosen = [] { return run_server(server_options, max_line); }; });
  server->footer(
      "stdout carries only the received lines; messages go to stderr. Example:\n"
      "  tcpkit lines server 127.0.0.1 -p 1060 > copy.txt");

  static common_options client_options;
  static std::string path = "-";
  auto* client = program->add_subcommand(
      "client", "send FILE (or stdin), half-close, and check the server's acknowledgement (exit 6 if it differs)");
  add_common_options(*client, client_options, "server name or address");
  client->add_option("file", path, "file to send; - or nothing for stdin");
  add_client_options(*client, client_options);
  client->callback([&chosen] { chosen = [] { return run_client(client_options, path); }; });
  client->footer(
      "Lines end in LF (CRLF works too); a last line without a newline still counts as one.\nExample:\n"
      "  tcpkit lines client 127.0.0.1 notes.txt -p 1060");
}

}  // namespace tcpkit::cli
