// tcpkit sixteen as a user runs it: real processes, the seeds' Python programs as peers,
// and the documented exit codes and one-line errors.
#include "support/cli.hpp"
#include "support/raw_peer.hpp"
#include "support/session_line.hpp"
#include "support/socket_pair.hpp"

#include "tcpkit/core/io.hpp"

#include <asio/io_context.hpp>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <csignal>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;
using test::process;
using test::run_tcpkit;
using test::start_seed_server;
using test::start_tcpkit_server;

std::string port_text(std::uint16_t port) { return std::to_string(port); }

// Every error the CLI prints is one line, prefixed, and never a crash.
void expect_one_line_error(const process& proc, std::string_view contains) {
  const std::string& err = proc.stderr_text();
  EXPECT_EQ(err.rfind("tcpkit: ", 0), 0u) << err;
  EXPECT_NE(err.find(contains), std::string::npos) << err;
  EXPECT_EQ(err.find("terminate called"), std::string::npos) << err;
  EXPECT_EQ(err.find("Traceback"), std::string::npos) << err;
}

TEST(SixteenCli, ServerAndClientPrintTheSeedsLinesInOrder) {
  auto server = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0", "--once"});
  ASSERT_NE(server.port, 0);
  auto client = run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port_text(server.port)});
  EXPECT_EQ(client.exit_code(), 0);
  EXPECT_EQ(client.stdout_text().rfind("Client has been assigned socket name 127.0.0.1:", 0), 0u);
  EXPECT_NE(client.stdout_text().find("\nThe server said \"Farewell, client\"\n"), std::string::npos);

  ASSERT_EQ(server.proc.wait(10s), 0) << server.proc.stderr_text();
  const std::string expected_tail = "  Incoming sixteen-octet message: \"Hi there, server\"\n"
                                    "  Reply sent, socket closed\n";
  const std::string summary = "Served 1 connection: 0 failed, 0 refused\n";
  std::string out = server.proc.stdout_text();
  // The session's summary comes after the seed's lines, before the server's own summary.
  ASSERT_TRUE(out.ends_with(summary)) << out;
  out.resize(out.size() - summary.size());
  const auto last_line = out.rfind('\n', out.size() - 2);
  ASSERT_NE(last_line, std::string::npos) << out;
  EXPECT_TRUE(test::has_session_line(out.substr(last_line + 1), {"server", 16, 16, "(client|server)", "FIN"})) << out;
  out.resize(last_line + 1);
  const std::string listening = "Listening at 127.0.0.1:" + port_text(server.port) + "\n";
  EXPECT_EQ(out.rfind(listening + "Waiting to accept a new connection\nWe have accepted a connection from 127.0.0.1:", 0), 0u)
      << out;
  EXPECT_NE(out.find("\n  Socket name: 127.0.0.1:" + port_text(server.port) + "\n  Socket peer: 127.0.0.1:"),
            std::string::npos)
      << out;
  ASSERT_GE(out.size(), expected_tail.size());
  EXPECT_EQ(out.substr(out.size() - expected_tail.size()), expected_tail) << out;
}

TEST(SixteenCli, SeedClientSendingSeventeenBytesAlwaysGetsTheReply) {
  TCPKIT_REQUIRE_SEEDS();
  auto server = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0"});
  ASSERT_NE(server.port, 0);
  for (int i = 0; i < 10; ++i) {
    auto seed = process::spawn({.argv = {"python3", *test::seeds_dir() + "/tcp_sixteen.py", "client", "127.0.0.1",
                                         "-p", port_text(server.port)}});
    ASSERT_EQ(seed.wait(20s), 0) << seed.stderr_text();
    EXPECT_NE(seed.stdout_text().find("The server said b'Farewell, client'"), std::string::npos)
        << seed.stdout_text();
  }
  // The 17th byte was drained, not answered with a reset: no session failed.
  server.proc.signal(SIGINT);
  ASSERT_EQ(server.proc.wait(10s), 0);
  EXPECT_NE(server.proc.stdout_text().find("Served 10 connections: 0 failed"), std::string::npos)
      << server.proc.stdout_text() << server.proc.stderr_text();
}

TEST(SixteenCli, OurClientTalksToTheSeedServer) {
  TCPKIT_REQUIRE_SEEDS();
  auto seed = start_seed_server("tcp_sixteen.py");
  ASSERT_NE(seed.port, 0);
  auto client = run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port_text(seed.port)});
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  EXPECT_NE(client.stdout_text().find("The server said \"Farewell, client\""), std::string::npos);
  EXPECT_TRUE(seed.proc.wait_for_stdout("Incoming sixteen-octet message: b'Hi there, server'", 10s))
      << seed.proc.stdout_text();
}

TEST(SixteenCli, ARequestTrickledOneByteAtATimeIsReassembled) {
  auto server = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0", "--once"});
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), server.port});
  set_no_delay(socket);
  for (const char c : std::string_view("Hi there, server")) send_all(socket, asio::buffer(&c, 1));
  std::string reply(16, '\0');
  recv_exact(socket, asio::buffer(reply));
  EXPECT_EQ(reply, "Farewell, client");
  socket.close();  // our EOF ends the server's drain at once
  ASSERT_EQ(server.proc.wait(10s), 0);
  EXPECT_NE(server.proc.stdout_text().find("Incoming sixteen-octet message: \"Hi there, server\""), std::string::npos);
}

TEST(SixteenCli, APeerThatClosesAfterFiveBytesIsLoggedAndTheServerGoesOn) {
  auto server = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0"});
  auto short_client = run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port_text(server.port), "--message", "Hi th"});
  EXPECT_EQ(short_client.exit_code(), 6);  // the server closed without a reply
  expect_one_line_error(short_client, "was expecting 16 bytes but only received 0 bytes before the socket closed");
  EXPECT_TRUE(server.proc.wait_for_stderr("was expecting 16 bytes but only received 5 bytes before the socket closed", 10s))
      << server.proc.stderr_text();

  auto next = run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port_text(server.port)});
  EXPECT_EQ(next.exit_code(), 0);
}

TEST(SixteenCli, IPv6LoopbackWorksAtBothEnds) {
  auto server = start_tcpkit_server({"sixteen", "server", "::1", "-p", "0", "--once"});
  ASSERT_NE(server.port, 0);
  EXPECT_NE(server.proc.stdout_text().find("Listening at [::1]:"), std::string::npos);
  auto client = run_tcpkit({"sixteen", "client", "[::1]", "-p", port_text(server.port), "-6"});
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  EXPECT_NE(client.stdout_text().find("Client has been assigned socket name [::1]:"), std::string::npos);
  EXPECT_EQ(server.proc.wait(10s), 0);
}

TEST(SixteenCli, DualStackServerShowsIpv4ClientsAsIpv4) {
  auto server = start_tcpkit_server({"sixteen", "server", "::", "-p", "0", "--once"});
  auto client = run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port_text(server.port)});
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  ASSERT_EQ(server.proc.wait(10s), 0);
  EXPECT_NE(server.proc.stdout_text().find("We have accepted a connection from 127.0.0.1:"), std::string::npos)
      << server.proc.stdout_text();
}

TEST(SixteenCli, ARestartedServerBindsAtOnceDespiteTimeWait) {
  auto first = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0", "--once"});
  const auto port = port_text(first.port);
  EXPECT_EQ(run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port}).exit_code(), 0);
  ASSERT_EQ(first.proc.wait(10s), 0);  // the server closed first: its side is in TIME_WAIT now

  auto second = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", port, "--once"});
  EXPECT_EQ(second.port, first.port) << second.proc.stderr_text();
  EXPECT_EQ(run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port}).exit_code(), 0);
  EXPECT_EQ(second.proc.wait(10s), 0);
}

TEST(SixteenCli, RefusedConnectionExitsThree) {
  const test::refusing_port refusing;
  const std::uint16_t port = refusing.port();
  auto client = run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port_text(port)});
  EXPECT_EQ(client.exit_code(), 3);
  expect_one_line_error(client, "connect 127.0.0.1:" + port_text(port) + ": Connection refused");
  EXPECT_EQ(client.stderr_text(), "tcpkit: connect 127.0.0.1:" + port_text(port) + ": Connection refused\n");
}

TEST(SixteenCli, BusyPortExitsThree) {
  auto first = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0"});
  auto second = run_tcpkit({"sixteen", "server", "127.0.0.1", "-p", port_text(first.port)});
  EXPECT_EQ(second.exit_code(), 3);
  expect_one_line_error(second, "listen 127.0.0.1:" + port_text(first.port) + ": Address already in use");
}

TEST(SixteenCli, PortOutOfRangeIsAUsageError) {
  auto client = run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", "70000"});
  EXPECT_EQ(client.exit_code(), 2);
  expect_one_line_error(client, "70000");
  EXPECT_EQ(run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", "0"}).exit_code(), 2);
  EXPECT_EQ(run_tcpkit({"sixteen", "sideways", "127.0.0.1"}).exit_code(), 2);
  EXPECT_EQ(run_tcpkit({"nosuchprogram"}).exit_code(), 2);
}

TEST(SixteenCli, UnknownHostExitsFive) {
  // A 64-character label is invalid in DNS: the lookup fails without a query leaving the machine.
  auto client = run_tcpkit({"sixteen", "client", std::string(64, 'x') + ".invalid"});
  EXPECT_EQ(client.exit_code(), 5);
  expect_one_line_error(client, "resolve ");
}

TEST(SixteenCli, ConnectTimeoutExitsFour) {
  // A listener that never accepts and whose queue is full drops SYNs: connect() hears nothing.
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::v4());
  acceptor.bind({asio::ip::make_address("127.0.0.1"), 0});
  acceptor.listen(0);
  std::vector<tcp::socket> held;
  for (int i = 0; i < 8; ++i) {
    held.emplace_back(io, tcp::v4());
    held.back().non_blocking(true);
    // The raw call: Asio's connect() would wait for completion even on a non-blocking socket.
    const auto target = acceptor.local_endpoint();
    ::connect(held.back().native_handle(), target.data(), static_cast<socklen_t>(target.size()));
  }
  const auto start = test::clock::now();
  auto client = run_tcpkit(
      {"sixteen", "client", "127.0.0.1", "-p", port_text(acceptor.local_endpoint().port()), "--connect-timeout", "0.5"});
  EXPECT_EQ(client.exit_code(), 4);
  expect_one_line_error(client, "timed out");
  EXPECT_LT(test::clock::now() - start, 5s);
}

TEST(SixteenCli, QuietClientPrintsNothingOnSuccess) {
  auto server = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0", "--once"});
  auto client = run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port_text(server.port), "-q"});
  EXPECT_EQ(client.exit_code(), 0);
  EXPECT_EQ(client.stdout_text(), "");
  EXPECT_EQ(client.stderr_text(), "");
}

TEST(SixteenCli, JsonEventsAreOneObjectPerLineWithTextOnStderr) {
  auto server = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0", "--once"});
  auto client = run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port_text(server.port), "--json"});
  EXPECT_EQ(client.exit_code(), 0);
  const std::string& out = client.stdout_text();
  EXPECT_EQ(out.rfind("{\"event\":\"start\",\"schema_version\":1,", 0), 0u) << out;
  EXPECT_NE(out.find("\n{\"event\":\"connection\",\"schema_version\":1,"), std::string::npos) << out;
  EXPECT_NE(out.find("\n{\"event\":\"end\",\"schema_version\":1,"), std::string::npos) << out;
  EXPECT_NE(out.find("\"reply\":\"Farewell, client\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"bytes_received\":16"), std::string::npos) << out;
  EXPECT_NE(client.stderr_text().find("The server said \"Farewell, client\""), std::string::npos);
}

TEST(SixteenCli, ServerStopsOnSigintWithASummary) {
  auto server = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0"});
  EXPECT_EQ(run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port_text(server.port)}).exit_code(), 0);
  server.proc.signal(SIGINT);
  EXPECT_EQ(server.proc.wait(10s), 0);
  EXPECT_NE(server.proc.stdout_text().find("Served 1 connection: 0 failed, 0 refused"), std::string::npos);
}

TEST(SixteenCli, SimpleIsAnAliasAndHelpWorks) {
  auto server = start_tcpkit_server({"simple", "server", "127.0.0.1", "-p", "0", "--once"});
  EXPECT_EQ(run_tcpkit({"simple", "client", "127.0.0.1", "-p", port_text(server.port)}).exit_code(), 0);
  auto help = run_tcpkit({"sixteen", "client", "--help"});
  EXPECT_EQ(help.exit_code(), 0);
  EXPECT_NE(help.stdout_text().find("--message"), std::string::npos);
  auto version = run_tcpkit({"--version"});
  EXPECT_EQ(version.exit_code(), 0);
  EXPECT_EQ(version.stdout_text().rfind("tcpkit ", 0), 0u);
}

}  // namespace
}  // namespace tcpkit

namespace tcpkit {
namespace {

TEST(SixteenCliShutdown, SigtermSendsAFinToLiveSessionsAndExitsPromptly) {
  auto server = test::start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0"});
  asio::io_context io;
  tcp::socket silent(io);
  silent.connect({asio::ip::make_address("127.0.0.1"), server.port});
  ASSERT_TRUE(server.proc.wait_for_stdout("We have accepted a connection", 10s));
  const auto start = test::clock::now();
  server.proc.signal(SIGTERM);
  std::array<char, 16> buf{};
  std::error_code ec;
  silent.read_some(asio::buffer(buf), ec);
  EXPECT_EQ(ec, asio::error::eof) << ec.message();  // a FIN, not a reset
  silent.close();                                   // our EOF ends the server's drain
  EXPECT_EQ(server.proc.wait(10s), 0) << server.proc.stderr_text();
  EXPECT_LT(test::clock::now() - start, 5s);
  EXPECT_NE(server.proc.stdout_text().find("closing 127.0.0.1:"), std::string::npos) << server.proc.stdout_text();
}

}  // namespace
}  // namespace tcpkit
