// tcpkit lines server|client: the options; lines_run.cpp runs them.
#include "commands.hpp"
#include "common_options.hpp"
#include "actions.hpp"
#include "typed_options.hpp"

#include "tcpkit/core/line_buffer.hpp"

#include <memory>

namespace tcpkit::cli {
namespace {

constexpr std::size_t kMaxMaxLine = std::size_t{1} << 30;  // 1 GiB: one buffer per connection

}  // namespace

void add_lines_command(CLI::App& app, lines_command_options& options, action& chosen) {
  auto* program = app.add_subcommand("lines", "send a file as lines; the server prints them (the lab's makefile() task)");
  program->require_subcommand(1);
  program->footer(
      "Examples (a server in one terminal, a client in another):\n"
      "  tcpkit lines server 127.0.0.1 -p 1060 > copy.txt\n"
      "  tcpkit lines client 127.0.0.1 -p 1060 notes.txt                   # copy.txt becomes notes.txt\n"
      "  printf 'one\\ntwo\\n' | nc -N 127.0.0.1 1060                        # any line client works");

  auto* server = program->add_subcommand(
      "server", "print every line received to stdout, exactly as sent; acknowledge with \"received N lines, M bytes\"");
  add_common_options(*server, options.server, "interface to listen at: \"\" or 0.0.0.0 (all IPv4), :: (all), or one address");
  add_server_options(*server, options.server);
  add_packet_options(*server, options.server);
  add_trace_options(*server, options.server);
  // stdout is the payload here: the JSON goes to stderr, in place of the text (cli/common_options.cpp).
  server->get_option("--json")->description("machine-readable NDJSON events on stderr, in place of the text "
                                            "(stdout carries only the received lines)");
  add_size_option(*server, "--max-line", options.max_line,
                  "longest line accepted, line ending included, 1 to 1G (default 64K); a longer one ends that "
                  "connection",
                  1, kMaxMaxLine);
  choose_when_parsed(*server, options.server, chosen,
                     [&options] { return lines_server_main(options.server, options.max_line); });
  server->footer(
      "stdout carries only the received lines; messages go to stderr.\nExamples:\n"
      "  tcpkit lines server 127.0.0.1 -p 1060 > copy.txt\n"
      "  tcpkit lines server :: -p 1060 --max-line 1K --json 2> events.ndjson   # JSON events go to stderr here");

  auto* client = program->add_subcommand(
      "client", "send FILE (or stdin), half-close, and check the server's acknowledgement (exit 6 if it differs)");
  add_common_options(*client, options.client, "server name or address");
  auto* file = client->add_option("FILE", options.path, "file to send; - or nothing for stdin");
  file->check(input_file_value(file->get_name()));
  client->add_flag_callback("--no-ack", [&options] { options.client_options.expect_ack = false; },
                   "the server sends no acknowledgement (the lab's own server): after the half-close, wait for it "
                   "to close the connection, and succeed if it closes cleanly");
  add_client_options(*client, options.client);
  add_packet_options(*client, options.client);
  choose_when_parsed(*client, options.client, chosen,
                     [&options] { return lines_client_main(options.client, options.client_options, options.path); });
  client->footer(
      "Lines end in LF (CRLF works too); a last line without a newline still counts as one.\nExamples:\n"
      "  tcpkit lines client 127.0.0.1 notes.txt -p 1060\n"
      "  tcpkit lines client 127.0.0.1 notes.txt -p 1060 --no-ack          # a server that closes, no ack\n"
      "  printf 'one\\ntwo\\n' | tcpkit lines client ::1 -p 1060 --json");
}

}  // namespace tcpkit::cli
