// tcpkit lines server|client: the options; lines_run.cpp runs them.
#include "commands.hpp"
#include "common_options.hpp"
#include "actions.hpp"

#include "tcpkit/line_buffer.hpp"

#include <memory>

namespace tcpkit::cli {
namespace {

constexpr std::size_t kMaxMaxLine = std::size_t{1} << 30;  // 1 GiB: one buffer per connection

}  // namespace

void add_lines_command(CLI::App& app, action& chosen) {
  auto* program = app.add_subcommand("lines", "send a file as lines; the server prints them (the lab's makefile() task)");
  program->require_subcommand(1);
  program->footer(
      "Examples (a server in one terminal, a client in another):\n"
      "  tcpkit lines server 127.0.0.1 -p 1060 > copy.txt\n"
      "  tcpkit lines client 127.0.0.1 -p 1060 notes.txt                   # copy.txt becomes notes.txt\n"
      "  printf 'one\\ntwo\\n' | nc -N 127.0.0.1 1060                        # any line client works");

  static common_options server_options;
  static std::size_t max_line = kDefaultMaxLine;
  auto* server = program->add_subcommand(
      "server", "print every line received to stdout, exactly as sent; acknowledge with \"received N lines, M bytes\"");
  add_common_options(*server, server_options, "interface to listen at: \"\" or 0.0.0.0 (all IPv4), :: (all), or one address");
  add_server_options(*server, server_options);
  add_packet_options(*server, server_options);
  add_trace_options(*server, server_options);
  server
      ->add_option("--max-line", max_line,
                   "longest line accepted, line ending included (default 64KiB; suffixes K, M); a longer one ends "
                   "that connection")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::size_t{1}, kMaxMaxLine));
  server->callback([&chosen] { chosen = [] { return lines_server_main(server_options, max_line); }; });
  server->footer(
      "stdout carries only the received lines; messages go to stderr.\nExamples:\n"
      "  tcpkit lines server 127.0.0.1 -p 1060 > copy.txt\n"
      "  tcpkit lines server :: -p 1060 --max-line 1K --json 2> events.ndjson   # JSON events go to stderr here");

  static common_options client_options;
  static std::string path = "-";
  auto* client = program->add_subcommand(
      "client", "send FILE (or stdin), half-close, and check the server's acknowledgement (exit 6 if it differs)");
  add_common_options(*client, client_options, "server name or address");
  client->add_option("file", path, "file to send; - or nothing for stdin");
  add_client_options(*client, client_options);
  add_packet_options(*client, client_options);
  client->callback([&chosen] { chosen = [] { return lines_client_main(client_options, path); }; });
  client->footer(
      "Lines end in LF (CRLF works too); a last line without a newline still counts as one.\nExamples:\n"
      "  tcpkit lines client 127.0.0.1 notes.txt -p 1060\n"
      "  printf 'one\\ntwo\\n' | tcpkit lines client ::1 -p 1060 --json");
}

}  // namespace tcpkit::cli
