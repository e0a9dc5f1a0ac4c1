// tcpkit uppercase server|client: the options; uppercase_run.cpp runs them.
#include "commands.hpp"
#include "common_options.hpp"
#include "actions.hpp"
#include "typed_options.hpp"

#include "tcpkit/programs/uppercase.hpp"
#include "tcpkit/programs/uppercase_client.hpp"

#include <memory>

namespace tcpkit::cli {
namespace {

constexpr std::size_t kMaxBufferSize = 64 * 1024 * 1024;  // --chunk and --send-size
constexpr std::uint64_t kMaxBytecount = std::uint64_t{1} << 60;

void add_uppercase_server(CLI::App& program, uppercase_command_options& options, action& chosen) {
  auto* server = program.add_subcommand("server", "uppercase a-z in everything each client sends, and send it back");
  add_common_options(*server, options.server, "interface to listen at: \"\" or 0.0.0.0 (all IPv4), :: (all), or one address");
  add_server_options(*server, options.server);
  add_packet_options(*server, options.server);
  add_trace_options(*server, options.server);
  add_threads_option(*server, options.server);
  add_size_option(*server, "--chunk", options.chunk,
                  "read up to this many bytes at a time from a client, 1 to 64M (default 256K; the seed's is 1024)", 1,
                  kMaxBufferSize);
  choose_when_parsed(*server, options.server, chosen,
                     [&options] { return uppercase_server_main(options.server, options.chunk); });
  server->footer(
      "Examples:\n"
      "  tcpkit uppercase server \"\" -p 1060\n"
      "  tcpkit uppercase server 127.0.0.1 -p 1060 --chunk 1024       # the seed's read size\n"
      "  tcpkit uppercase server :: -p 0 --idle-timeout 5 --json      # dual-stack, a free port");
}

void add_uppercase_client(CLI::App& program, uppercase_command_options& options, action& chosen) {
  auto* client = program.add_subcommand("client", "send BYTECOUNT bytes of \"capitalize this!\" and check every byte that comes back");
  add_common_options(*client, options.client, "server name or address");
  add_size_option(*client, "BYTECOUNT", options.client_options.bytecount,
                  "bytes to send (suffixes K M G: 1G = 2^30), rounded up to a multiple of 16 (default 16)", 0,
                  kMaxBytecount);
  add_client_options(*client, options.client);
  add_packet_options(*client, options.client);
  add_trace_options(*client, options.client);
  add_choice_option(*client, "--strategy", options.client_options.strategy,
                    "naive: send everything, then read (the seed's; deadlocks on large counts); threads: a sender and a "
                    "receiver thread; async: one thread, an event loop (default naive)",
                    {"naive", "threads", "async"}, parse_uppercase_strategy);
  add_size_option(*client, "--send-size", options.client_options.send_size,
                  "bytes per send, 1 to 64M (default 16 for naive, 256K otherwise)", 1, kMaxBufferSize);
  add_seconds_option(*client, "--stall-timeout", options.client_options.stall_timeout,
                     "naive: seconds without progress in either direction before the deadlock is diagnosed (default 5; "
                     "threads and async give up after --idle-timeout)");
  choose_when_parsed(*client, options.client, chosen,
                     [&options] { return uppercase_client_main(options.client, options.client_options); });
  client->footer(
      "Examples:\n"
      "  tcpkit uppercase client 127.0.0.1 -p 1060                       # 16 bytes\n"
      "  tcpkit uppercase client 127.0.0.1 1073741824 --strategy async   # 1 GiB, every byte checked\n"
      "  tcpkit uppercase client 127.0.0.1 268435456                     # the seed's deadlock, diagnosed\n"
      "Exit codes: 0 every byte came back uppercased, 6 wrong or missing bytes, 7 deadlock (naive).");
}

}  // namespace

void add_uppercase_command(CLI::App& app, uppercase_command_options& options, action& chosen) {
  auto* program = app.add_subcommand("uppercase", "stream bytes to a server that sends them back uppercased (the seeds' "
                                                  "second program, and its deadlock)");
  program->require_subcommand(1);
  program->footer(
      "Examples (a server in one terminal, a client in another):\n"
      "  tcpkit uppercase server 127.0.0.1 -p 1060\n"
      "  tcpkit uppercase client 127.0.0.1 -p 1060 268435456                    # the seed's deadlock, diagnosed\n"
      "  tcpkit uppercase client 127.0.0.1 -p 1060 268435456 --strategy async   # its fix");

  add_uppercase_server(*program, options, chosen);
  add_uppercase_client(*program, options, chosen);
}

}  // namespace tcpkit::cli
