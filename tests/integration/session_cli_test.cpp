// The per-connection `session` summary of every program, on both sides, through the CLI: byte
// counts, who closed first and how (FIN, reset, idle timeout, interrupted), TCP_INFO figures.
#include "support/cli.hpp"
#include "support/raw_peer.hpp"
#include "support/session_line.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;
using test::has_session_line;
using test::in;
using test::process;
using test::run_tcpkit;
using test::start_tcpkit_server;

std::string port_text(std::uint16_t port) { return std::to_string(port); }

// The `session` events among NDJSON lines.
std::vector<std::string> session_events(const std::string& ndjson) {
  std::vector<std::string> found;
  std::istringstream lines(ndjson);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("{\"event\":\"session\",", 0) == 0) found.push_back(line);
  }
  return found;
}

// A key's raw JSON value in a flat event ("16", "\"client\""), or nullopt.
std::optional<std::string> json_value(const std::string& event, const std::string& key) {
  std::smatch m;
  if (!std::regex_search(event, m, std::regex("\"" + key + "\":(\"[^\"]*\"|[^,}]+)"))) return std::nullopt;
  return m[1].str();
}

// The JSON form of an expectation: counts, closer and how, and the TCP_INFO figures present.
void expect_session_event(const std::string& event, std::uint64_t sent, std::uint64_t received,
                          const std::string& closed_by, const std::string& how) {
  EXPECT_EQ(json_value(event, "bytes_sent"), std::to_string(sent)) << event;
  EXPECT_EQ(json_value(event, "bytes_received"), std::to_string(received)) << event;
  EXPECT_EQ(json_value(event, "closed_by"), "\"" + closed_by + "\"") << event;
  EXPECT_EQ(json_value(event, "close_how"), "\"" + how + "\"") << event;
  for (const char* key : {"seconds", "sent_mb_per_s", "received_mb_per_s", "rtt_us", "snd_cwnd", "total_retrans"}) {
    EXPECT_TRUE(json_value(event, key)) << key << " missing: " << event;
  }
}

// --- every program, both sides -----------------------------------------------------------------

TEST(SessionCli, SixteenServerAndClientEachEndWithTheSessionLine) {
  auto server = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0", "--once"});
  auto client = run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port_text(server.port)});
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  ASSERT_EQ(server.proc.wait(10s), 0) << server.proc.stderr_text();
  // Both FINs may leave before either arrives (the client half-closes as the server replies).
  EXPECT_TRUE(has_session_line(server.proc.stdout_text(), {"server", 16, 16, "(client|server)", "FIN"}))
      << server.proc.stdout_text();
  EXPECT_TRUE(has_session_line(client.stdout_text(), {"client", 16, 16, "(client|server)", "FIN"})) << client.stdout_text();
  // The client's summary is its last line, after the seed's.
  EXPECT_NE(client.stdout_text().find("The server said \"Farewell, client\"\n  Session with 127.0.0.1:" +
                                      port_text(server.port) + ": sent 16 bytes"),
            std::string::npos)
      << client.stdout_text();
}

TEST(SessionCli, SixteenJsonSessionEventsOnBothSides) {
  auto server = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0", "--once", "--json"},
                                    /*listening_on_stderr=*/true);
  auto client = run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port_text(server.port), "--json"});
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  ASSERT_EQ(server.proc.wait(10s), 0) << server.proc.stderr_text();
  const auto served = session_events(server.proc.stdout_text());
  ASSERT_EQ(served.size(), 1u) << server.proc.stdout_text();
  EXPECT_EQ(json_value(served[0], "conn"), "1");
  const std::string closer = json_value(served[0], "closed_by").value_or("");
  EXPECT_TRUE(closer == "\"client\"" || closer == "\"server\"") << served[0];
  expect_session_event(served[0], 16, 16, closer.substr(1, closer.size() - 2), "fin");
  const auto ended = session_events(client.stdout_text());
  ASSERT_EQ(ended.size(), 1u) << client.stdout_text();
  EXPECT_FALSE(json_value(ended[0], "conn")) << ended[0];
  EXPECT_EQ(json_value(ended[0], "peer"), "\"127.0.0.1:" + port_text(server.port) + "\"");
  const std::string client_closer = json_value(ended[0], "closed_by").value_or("");
  expect_session_event(ended[0], 16, 16, client_closer.substr(1, client_closer.size() - 2), "fin");
}

// A 5-byte message: the client's half-close certainly comes first, and each side counts what moved.
TEST(SessionCli, SixteenShortMessageTheClientClosedFirstOnBothSides) {
  auto server = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0", "--once"});
  auto client = run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port_text(server.port), "--message", "Hi th"});
  EXPECT_EQ(client.exit_code(), 6) << client.stderr_text();
  server.proc.wait(10s);
  EXPECT_TRUE(has_session_line(server.proc.stdout_text(), {"server", 0, 5, "client", "FIN"})) << server.proc.stdout_text();
  EXPECT_TRUE(has_session_line(client.stdout_text(), {"client", 5, 0, "client", "FIN"})) << client.stdout_text();
}

TEST(SessionCli, UppercaseEveryStrategyAndTheServerSummarizeInJson) {
  auto server = start_tcpkit_server({"uppercase", "server", "127.0.0.1", "-p", "0", "--json"}, true);
  for (const char* strategy : {"naive", "threads", "async"}) {
    auto client = run_tcpkit({"uppercase", "client", "127.0.0.1", "1000", "-p", port_text(server.port), "--strategy",
                              strategy, "--json"});
    EXPECT_EQ(client.exit_code(), 0) << strategy << client.stderr_text();
    const auto ended = session_events(client.stdout_text());
    ASSERT_EQ(ended.size(), 1u) << strategy << client.stdout_text();
    // Just before the run's `end`, the last event.
    const std::string& out = client.stdout_text();
    EXPECT_NE(out.find(ended[0] + "\n{\"event\":\"end\","), std::string::npos) << strategy << out;
    EXPECT_EQ(out.find('\n', out.find(ended[0] + "\n") + ended[0].size() + 1), out.size() - 1) << strategy << out;
    expect_session_event(ended[0], 1008, 1008, "client", "fin");  // 1000 rounded up to 63 messages
  }
  server.proc.signal(SIGINT);
  ASSERT_EQ(server.proc.wait(10s), 0);
  const auto served = session_events(server.proc.stdout_text());
  ASSERT_EQ(served.size(), 3u) << server.proc.stdout_text();
  for (std::size_t i = 0; i < served.size(); ++i) {
    EXPECT_EQ(json_value(served[i], "conn"), std::to_string(i + 1));
    // The server closes only after the client's EOF: the client is first, always.
    expect_session_event(served[i], 1008, 1008, "client", "fin");
  }
}

TEST(SessionCli, LinesServerAndClientEachSummarizeTheTransfer) {
  auto server = start_tcpkit_server({"lines", "server", "127.0.0.1", "-p", "0", "--once"}, true);
  const std::string data = "one\r\ntwo\n\nlast without a newline";  // 4 lines, 31 bytes
  const std::string ack = "received 4 lines, 31 bytes\n";
  auto client = run_tcpkit({"lines", "client", "127.0.0.1", "-", "-p", port_text(server.port)}, 20s, data);
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  ASSERT_EQ(server.proc.wait(10s), 0) << server.proc.stderr_text();
  EXPECT_EQ(server.proc.stdout_text(), data);  // stdout still carries the lines and nothing else
  EXPECT_TRUE(has_session_line(server.proc.stderr_text(), {"server", ack.size(), data.size(), "client", "FIN"}))
      << server.proc.stderr_text();
  EXPECT_TRUE(has_session_line(client.stdout_text(), {"client", data.size(), ack.size(), "client", "FIN"}))
      << client.stdout_text();
}

TEST(SessionCli, QuietPrintsNoSummary) {
  auto server = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0", "--once", "--json"}, true);
  auto client = run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port_text(server.port), "-q"});
  EXPECT_EQ(client.exit_code(), 0);
  EXPECT_EQ(client.stdout_text(), "");
  EXPECT_EQ(client.stderr_text(), "");
  ASSERT_EQ(server.proc.wait(10s), 0);
}

// --- how a connection ended ----------------------------------------------------------------------

TEST(SessionCli, APeerResetIsReportedAsResetOnEitherSide) {
  // A client that resets: the server's summary says so.
  {
    auto server = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0", "--once"});
    auto peer = test::connect_loopback(server.port, in(5s));
    ASSERT_TRUE(peer);
    ASSERT_TRUE(server.proc.wait_for_stdout("We have accepted a connection", 10s));
    peer.close_with_reset();
    server.proc.wait(10s);
    EXPECT_TRUE(has_session_line(server.proc.stdout_text(), {"server", 0, 0, "client", "reset"}))
        << server.proc.stdout_text() << server.proc.stderr_text();
  }
  // A server that resets after reading the message: the client's summary says so.
  {
    test::raw_listener listener;
    auto client = process::spawn({.argv = {test::tcpkit_binary(), "sixteen", "client", "127.0.0.1", "-p",
                                           port_text(listener.port())}});
    auto peer = listener.accept(in(10s));
    ASSERT_TRUE(peer);
    EXPECT_EQ(peer.recv_exactly(16, in(10s)).data.size(), 16u);
    peer.close_with_reset();
    ASSERT_EQ(client.wait(10s), 6) << client.stderr_text();
    EXPECT_TRUE(has_session_line(client.stdout_text(), {"client", 16, 0, "server", "reset"})) << client.stdout_text();
  }
}

TEST(SessionCli, AnIdleTimeoutIsReportedAsSuchOnEitherSide) {
  // A silent client: the server gives up.
  {
    auto server = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0", "--once", "--idle-timeout", "1"});
    auto peer = test::connect_loopback(server.port, in(5s));
    ASSERT_TRUE(peer);
    EXPECT_EQ(server.proc.wait(10s), 4) << server.proc.stderr_text();
    EXPECT_TRUE(has_session_line(server.proc.stdout_text(), {"server", 0, 0, "server", "idle timeout"}))
        << server.proc.stdout_text();
  }
  // A silent server: the client gives up.
  {
    test::raw_listener listener;
    auto client = process::spawn({.argv = {test::tcpkit_binary(), "sixteen", "client", "127.0.0.1", "-p",
                                           port_text(listener.port()), "--idle-timeout", "1"}});
    auto peer = listener.accept(in(10s));
    ASSERT_TRUE(peer);
    ASSERT_EQ(client.wait(10s), 4) << client.stderr_text();
    EXPECT_TRUE(has_session_line(client.stdout_text(), {"client", 16, 0, "client", "idle timeout"})) << client.stdout_text();
  }
}

TEST(SessionCli, AServerStoppedBySigtermMidSessionSaysInterrupted) {
  auto server = start_tcpkit_server({"uppercase", "server", "127.0.0.1", "-p", "0"});
  auto peer = test::connect_loopback(server.port, in(5s));
  ASSERT_TRUE(peer);
  ASSERT_EQ(peer.send_all("abc", in(5s)), 3u);
  EXPECT_EQ(peer.recv_exactly(3, in(10s)).data, "ABC");  // the session is live, mid-stream
  server.proc.signal(SIGTERM);
  ASSERT_EQ(server.proc.wait(10s), 0) << server.proc.stderr_text();
  EXPECT_TRUE(has_session_line(server.proc.stdout_text(), {"server", 3, 3, "server", "interrupted"}))
      << server.proc.stdout_text();
  EXPECT_EQ(peer.recv_until_eof(in(10s)).how, test::ending::eof);  // and it closed with a FIN
}

TEST(SessionCli, AClientInterruptedBySigintSaysInterruptedAndTheServerSeesItsReset) {
  auto server = start_tcpkit_server({"lines", "server", "127.0.0.1", "-p", "0", "--once"}, true);
  auto client = process::spawn({.argv = {test::tcpkit_binary(), "lines", "client", "127.0.0.1", "-", "-p",
                                         port_text(server.port)},
                                .stdin_pipe = true});
  client.write_stdin("one\n");
  ASSERT_TRUE(server.proc.wait_for_stdout("one", 10s)) << server.proc.stderr_text();
  client.signal(SIGINT);
  ASSERT_EQ(client.wait(10s), 130) << client.stderr_text();
  EXPECT_TRUE(has_session_line(client.stdout_text(), {"client", 4, 0, "client", "interrupted"})) << client.stdout_text();
  // An unfinished transfer ends in a reset (it must not look like the end of the input).
  server.proc.wait(10s);
  EXPECT_TRUE(has_session_line(server.proc.stderr_text(), {"server", 0, 4, "client", "reset"})) << server.proc.stderr_text();
}

// The server ends a session over a line longer than --max-line while the client is still
// sending: the server closed first, over an error; the client saw its FIN first.
TEST(SessionCli, ASessionEndedOverAnErrorSaysErrorAndThePeerSeesTheFin) {
  auto server = start_tcpkit_server({"lines", "server", "127.0.0.1", "-p", "0", "--once", "--max-line", "64"}, true);
  auto client = process::spawn({.argv = {test::tcpkit_binary(), "lines", "client", "127.0.0.1", "-", "-p",
                                         port_text(server.port)},
                                .stdin_pipe = true});
  // No end of input: the client has not half-closed. The refusal is 37 bytes:
  // "error: line too long (over 64 bytes)\n".
  client.write_stdin("abc\n" + std::string(100, 'x'));
  ASSERT_EQ(client.wait(10s), 6) << client.stderr_text();
  server.proc.wait(10s);
  EXPECT_TRUE(has_session_line(server.proc.stderr_text(), {"server", 37, 4, "server", "error"})) << server.proc.stderr_text();
  EXPECT_TRUE(has_session_line(client.stdout_text(), {"client", 104, 37, "server", "FIN"})) << client.stdout_text();
}

}  // namespace
}  // namespace tcpkit
