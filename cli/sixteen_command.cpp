// tcpkit sixteen server|client: the options; sixteen_run.cpp runs them.
#include "commands.hpp"
#include "common_options.hpp"
#include "actions.hpp"
#include "typed_options.hpp"

#include "tcpkit/programs/sixteen.hpp"

#include <memory>

namespace tcpkit::cli {
void add_sixteen_command(CLI::App& app, sixteen_command_options& options, action& chosen) {
  auto* program = app.add_subcommand("sixteen", "exchange exactly sixteen octets each way (the seeds' first program)");
  program->alias("simple");
  program->require_subcommand(1);
  program->footer(
      "Examples (a server in one terminal, a client in another):\n"
      "  tcpkit sixteen server 127.0.0.1 -p 1060\n"
      "  tcpkit sixteen client 127.0.0.1 -p 1060\n"
      "  tcpkit sixteen client 127.0.0.1 -p 1060 --message 'Hi th'   # 5 bytes: the server reports the short read");

  auto* server = program->add_subcommand("server", "answer every 16-byte message with \"Farewell, client\"");
  add_common_options(*server, options.server, "interface to listen at: \"\" or 0.0.0.0 (all IPv4), :: (all), or one address");
  add_server_options(*server, options.server);
  add_packet_options(*server, options.server);
  add_trace_options(*server, options.server);
  add_threads_option(*server, options.server);
  choose_when_parsed(*server, options.server, chosen, [&options] { return sixteen_server_main(options.server); });
  server->footer(
      "Examples:\n"
      "  tcpkit sixteen server \"\" -p 1060             # every IPv4 interface, like the seed\n"
      "  tcpkit sixteen server ::1 -p 0 --once        # IPv6 loopback, a free port, one client\n"
      "  tcpkit sixteen server 127.0.0.1 --json       # NDJSON events on stdout (docs/JSON.md)");

  auto* client = program->add_subcommand("client", "send a 16-byte message and read the 16-byte reply");
  add_common_options(*client, options.client, "server name or address");
  add_client_options(*client, options.client);
  add_packet_options(*client, options.client);
  client->add_option("--message", options.client_options.message, "text to send instead of \"Hi there, server\" (any length: try 17 or 5 bytes)")
      ->type_name("TEXT");
  choose_when_parsed(*client, options.client, chosen,
                     [&options] { return sixteen_client_main(options.client, options.client_options); });
  client->footer(
      "Examples:\n"
      "  tcpkit sixteen client 127.0.0.1 -p 1060\n"
      "  tcpkit sixteen client ::1 -p 1060 --message 'Hi there, server!'   # 17 bytes: the reply still arrives\n"
      "  tcpkit sixteen client localhost -p 1060 --connect-timeout 2 --json");
}

}  // namespace tcpkit::cli
