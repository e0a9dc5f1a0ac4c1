// What a server's own side can get wrong and must report truthfully: standard descriptors it
// was started without, a payload stdout that breaks, an acknowledgement that cannot be
// delivered, a session that fails with an exception, a trace file it cannot write.
#include "support/cli.hpp"
#include "support/raw_peer.hpp"
#include "support/recording_reporter.hpp"

#include "tcpkit/core/connection.hpp"
#include "tcpkit/core/listen.hpp"
#include "tcpkit/lifecycle/server.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;
using test::in;
using test::process;

std::string port_text(std::uint16_t port) { return std::to_string(port); }

// `tcpkit ARGS... REDIRECTIONS` through /bin/sh, e.g. ">&-" to start it with stdout closed.
process spawn_redirected(const std::vector<std::string>& args, const std::string& redirections,
                         std::optional<std::string> stdin_data = std::nullopt) {
  test::spawn_options options;
  options.argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" " + redirections, test::tcpkit_binary()};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.stdin_data = std::move(stdin_data);
  return process::spawn(options);
}

// --- closed standard descriptors ---------------------------------------------------------------

// Started with stdout closed, the lines server has nowhere to put what it would acknowledge:
// it refuses to start, in one line, instead of writing the lines into a descriptor of its own.
TEST(ServerFaultsCli, ALinesServerWithoutAStdoutRefusesToStart) {
  auto server = spawn_redirected({"lines", "server", "127.0.0.1", "-p", "0"}, ">&-");
  ASSERT_EQ(server.wait(10s), 1) << server.stderr_text();
  EXPECT_EQ(server.stderr_text(), "tcpkit: write stdout: standard output is closed; the received lines would be lost\n");
}

// Started with stdin closed, the lines client reading "-" has no input: it says so and sends
// nothing, instead of reading a descriptor of its own as stdin.
TEST(ServerFaultsCli, ALinesClientWithoutAStdinRefusesToReadIt) {
  test::raw_listener listener;
  auto client = spawn_redirected({"lines", "client", "127.0.0.1", "-", "-p", port_text(listener.port())}, "<&-");
  ASSERT_EQ(client.wait(10s), 1) << client.stderr_text();
  EXPECT_EQ(client.stderr_text(), "tcpkit: read stdin: standard input is closed\n");
}

// With every standard descriptor closed that it does not need, a lines client reading a file
// and a sixteen server still do their work.
TEST(ServerFaultsCli, ClosedDescriptorsANonPayloadRoleDoesNotNeedChangeNothing) {
  const std::string path = ::testing::TempDir() + "tcpkit_closed_fds_" + std::to_string(::getpid());
  std::ofstream(path) << "one\ntwo\n";
  auto server = spawn_redirected({"lines", "server", "127.0.0.1", "-p", "0"}, "<&-");
  const auto listening = server.wait_for_stderr("Listening at", 10s);
  ASSERT_TRUE(listening) << server.stderr_text();
  const std::uint16_t port = test::port_from_text(*listening).value_or(0);
  auto client = spawn_redirected({"lines", "client", "127.0.0.1", path, "-p", port_text(port)}, "<&- >&- 2>&-");
  EXPECT_EQ(client.wait(10s), 0);
  EXPECT_TRUE(server.wait_for_stderr("acknowledged", 10s)) << server.stderr_text();
  server.signal(SIGTERM);
  ASSERT_EQ(server.wait(10s), 0) << server.stderr_text();
  EXPECT_EQ(server.stdout_text(), "one\ntwo\n");
  std::remove(path.c_str());
}

// --- a payload stdout that breaks ------------------------------------------------------------

// `tcpkit lines server ... | head -n 1`: once head has gone, the received lines cannot be
// written. That is this side's failure: the session ends as closed by the server over an
// error, the client gets no acknowledgement, and the server says so once and exits 1.
TEST(ServerFaultsCli, ALinesServerWhoseStdoutBreaksFailsWithoutAcknowledging) {
  test::spawn_options options;
  options.argv = {"bash", "-c", R"("$0" lines server 127.0.0.1 -p 0 | head -n 1 > /dev/null; exit "${PIPESTATUS[0]}")",
                  test::tcpkit_binary()};
  auto server = process::spawn(options);
  const auto listening = server.wait_for_stderr("Listening at", 10s);
  ASSERT_TRUE(listening) << server.stderr_text();
  auto client = test::connect_loopback(test::port_from_text(*listening).value_or(0), in(5s));
  ASSERT_TRUE(client);
  std::string lines;
  for (int i = 0; lines.size() < (4u << 20); ++i) lines += "line " + std::to_string(i) + "\n";
  client.send_all(lines, in(10s));
  client.shutdown_write();
  const auto reply = client.recv_until_eof(in(10s));
  EXPECT_EQ(reply.data.find("received"), std::string::npos) << reply.data;
  EXPECT_NE(reply.how, test::ending::timeout);

  ASSERT_EQ(server.wait(10s), 1) << server.stderr_text();
  const std::string& log = server.stderr_text();
  EXPECT_TRUE(log.ends_with("tcpkit: write stdout: Broken pipe\n")) << log;
  EXPECT_NE(log.find("the server closed first (error)"), std::string::npos) << log;
  EXPECT_EQ(log.find("acknowledged"), std::string::npos) << log;
  EXPECT_NE(log.find("Served 1 connection: 1 failed, 0 refused"), std::string::npos) << log;
}

// --- an acknowledgement that cannot be delivered ---------------------------------------------

// The client sends its lines and closes at once, without waiting: our acknowledgement meets a
// closed socket and the client's kernel resets. Nothing was acknowledged, and the session
// counts as failed.
TEST(ServerFaultsCli, AnAcknowledgementTheClientNeverGotIsNotLoggedAsAcknowledged) {
  test::spawn_options options;
  options.argv = {"/bin/sh", "-c", R"(exec "$0" lines server 127.0.0.1 -p 0 --once > /dev/null)", test::tcpkit_binary()};
  auto server = process::spawn(options);
  const auto listening = server.wait_for_stderr("Listening at", 10s);
  ASSERT_TRUE(listening) << server.stderr_text();
  auto client = test::connect_loopback(test::port_from_text(*listening).value_or(0), in(5s));
  ASSERT_TRUE(client);
  ASSERT_EQ(client.send_all("one\ntwo\n", in(5s)), 8u);
  client.close();

  ASSERT_EQ(server.wait(10s), 6) << server.stderr_text();
  const std::string& log = server.stderr_text();
  EXPECT_EQ(log.find("acknowledged, socket closed"), std::string::npos) << log;
  EXPECT_NE(log.find("the acknowledgement was not delivered"), std::string::npos) << log;
  EXPECT_NE(log.find("Served 1 connection: 1 failed, 0 refused"), std::string::npos) << log;
}

// --- smaller failures, each said in one line that names what failed ---------------------------

// Whatever a session throws, its log line names the peer it was serving.
TEST(ServerFaults, ASessionThatFailsWithAnyExceptionIsLoggedWithItsPeer) {
  asio::io_context io;
  test::recording_reporter report;
  server_options options;
  options.once = true;
  server srv(open_listener(io.get_executor(), "127.0.0.1", 0, {}), report, options);
  auto client = test::connect_loopback(srv.local_endpoint().port(), in(5s));  // waits in the backlog
  ASSERT_TRUE(client);
  client.shutdown_write();  // the server's drain after the failure ends at this EOF
  asio::co_spawn(io, srv.run([](connection&, session_context&) -> asio::awaitable<void> {
    throw std::bad_alloc();
    co_return;
  }), asio::detached);
  io.run_for(10s);
  ASSERT_EQ(srv.stats().failed, 1u);
  const std::regex with_peer(R"(  127\.0\.0\.1:[0-9]+: std::bad_alloc)");
  bool found = false;
  for (const auto& e : report.entries()) found = found || (e.type == event_type::error && std::regex_match(e.text, with_peer));
  EXPECT_TRUE(found);
}

TEST(ServerFaultsCli, ATraceFileThatTakesNothingFailsAtOnce) {
  auto server = test::run_tcpkit({"sixteen", "server", "127.0.0.1", "-p", "0", "--trace", "/dev/full"}, 10s);
  EXPECT_EQ(server.exit_code(), 1);
  EXPECT_EQ(server.stderr_text(), "tcpkit: trace /dev/full: No space left on device\n");
  EXPECT_EQ(server.stdout_text(), "");
}

// A trace whose reader leaves mid-run (a FIFO read by `head -c 1`): the rows after it are lost,
// and the server says so in one line and exits 1 instead of ending as if all were well.
TEST(ServerFaultsCli, ATraceThatStopsBeingWrittenMidRunFailsTheRun) {
  const std::string fifo = ::testing::TempDir() + "tcpkit_trace_fifo_" + std::to_string(::getpid());
  std::remove(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  test::spawn_options options;
  options.argv = {test::tcpkit_binary(), "sixteen", "server", "127.0.0.1", "-p", "0", "--trace", fifo};
  auto server = process::spawn(options);
  auto reader = process::spawn({.argv = {"head", "-c", "1", fifo}});  // the header's first byte
  ASSERT_EQ(reader.wait(10s), 0);
  const auto listening = server.wait_for_stdout("Listening at", 10s);
  ASSERT_TRUE(listening) << server.stderr_text();
  auto client = test::run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port_text(test::port_from_text(*listening).value_or(0))});
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(10s), 1);
  EXPECT_EQ(server.stderr_text(), "tcpkit: trace " + fifo + ": Broken pipe\n");
  std::remove(fifo.c_str());
}

// A scope that names no interface is a name that does not resolve: exit 5, the scope named.
TEST(ServerFaultsCli, AnIpv6ScopeThatNamesNoInterfaceIsNamedAndExits5) {
  for (const std::string role : {"server", "client"}) {
    SCOPED_TRACE(role);
    auto run = test::run_tcpkit({"sixteen", role, "fe80::1%nosuchif", "-p", "1060"}, 10s);
    EXPECT_EQ(run.exit_code(), 5);
    EXPECT_EQ(run.stderr_text(),
              "tcpkit: resolve fe80::1%nosuchif: no network interface named \"nosuchif\" (the IPv6 scope after %)\n");
  }
}

}  // namespace
}  // namespace tcpkit
