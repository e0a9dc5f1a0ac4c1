// tcpkit sixteen server|client: the options; sixteen_run.cpp runs them.
#include "commands.hpp"
#include "common_options.hpp"
#include "actions.hpp"

#include "tcpkit/sixteen.hpp"

#include <memory>

namespace tcpkit::cli {
void add_sixteen_command(CLI::App& app, action& chosen) {
  auto* program = app.add_subcommand("sixteen", "exchange exactly sixteen octets each way (the seeds' first program)");
  program->alias("simple");
  program->require_subcommand(1);

  static common_options server_options;
  auto* server = program->add_subcommand("server", "answer every 16-byte message with \"Farewell, client\"");
  add_common_options(*server, server_options, "interface to listen at: \"\" or 0.0.0.0 (all IPv4), :: (all), or one address");
  add_server_options(*server, server_options);
  server->callback([&chosen] { chosen = [] { return sixteen_server_main(server_options); }; });
  server->footer("Example:\n  tcpkit sixteen server \"\" -p 1060");

  static common_options client_options;
  static std::string message(kGreeting);
  auto* client = program->add_subcommand("client", "send a 16-byte message and read the 16-byte reply");
  add_common_options(*client, client_options, "server name or address");
  add_client_options(*client, client_options);
  client->add_option("--message", message, "text to send instead of \"Hi there, server\" (any length: try 17 or 5 bytes)");
  client->callback([&chosen] { chosen = [] { return sixteen_client_main(client_options, message); }; });
  client->footer("Example:\n  tcpkit sixteen client 127.0.0.1 -p 1060 --message 'Hi there, server!'");
}

}  // namespace tcpkit::cli
