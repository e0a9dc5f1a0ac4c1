// tcpkit's clients against servers that behave as real ones do (tests/peers/peers.py): the lab's
// correct lines server that sends no acknowledgement, one that acknowledges and keeps its side
// open, one caught in the makefile() pitfall, an echo server that does not uppercase, one that
// never reads. And every client's --json stream: `start` first, `end` last, an `error` on failure
// (and a server's that cannot listen).
#include "support/cli.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <stdlib.h>
#include <unistd.h>

#include <regex>
#include <sstream>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;
using test::process;
using test::run_tcpkit;
using test::running_server;

std::string port_text(std::uint16_t port) { return std::to_string(port); }

// `python3 -u tests/peers/peers.py PEER ARGS...`, once it listens.
running_server start_peer(const std::string& peer, std::vector<std::string> args = {}) {
  std::vector<std::string> argv = {"python3", "-u", std::string(TCPKIT_PEERS_DIR) + "/peers.py", peer};
  argv.insert(argv.end(), args.begin(), args.end());
  running_server server{process::spawn({.argv = argv}), 0};
  const auto line = server.proc.wait_for_stdout("Listening at", 10s);
  if (!line) {
    ADD_FAILURE() << "peer " << peer << " did not start; stderr: " << server.proc.stderr_text();
    return server;
  }
  server.port = test::port_from_text(*line).value_or(0);
  return server;
}

// The session line a client printed on stdout.
std::string session_line(const process& client) {
  std::istringstream lines(client.stdout_text());
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("  Session with ")) return line;
  }
  return {};
}

// Every line of the stdout of a --json run, parsed.
std::vector<nlohmann::json> json_events(const process& client) {
  std::vector<nlohmann::json> events;
  std::istringstream lines(client.stdout_text());
  for (std::string line; std::getline(lines, line);) events.push_back(nlohmann::json::parse(line));
  return events;
}

std::uint64_t session_bytes_received(const process& client) {
  std::smatch received;
  const std::string line = session_line(client);
  if (!std::regex_search(line, received, std::regex("received (\\d+) bytes"))) return 0;
  return std::stoull(received[1]);
}

// --- item 9: the right acknowledgement is success, even if the server keeps its side open -----

TEST(LinesClientPeers, TheRightAcknowledgementIsSuccessEvenIfTheServerKeepsItsSideOpen) {
  auto peer = start_peer("lines-ack-open");
  const auto start = test::clock::now();
  auto client = run_tcpkit({"lines", "client", "127.0.0.1", "-p", port_text(peer.port), "--idle-timeout", "30"}, 20s,
                           "one\ntwo\n");
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  EXPECT_LT(test::clock::now() - start, 5s) << "waited for the server's EOF";
  EXPECT_NE(client.stdout_text().find("The server said \"received 2 lines, 8 bytes\""), std::string::npos)
      << client.stdout_text();
  EXPECT_EQ(client.stderr_text(), "");
}

// --- item 18: the lab's server, which sends no acknowledgement -------------------------------

TEST(LinesClientPeers, ALabServerWithoutAcknowledgementFailsNamingNoAck) {
  auto peer = start_peer("lines-no-ack");
  auto client = run_tcpkit({"lines", "client", "127.0.0.1", "-p", port_text(peer.port)}, 20s, "one\ntwo\n");
  EXPECT_EQ(client.exit_code(), 6);
  EXPECT_EQ(client.stderr_text(), "tcpkit: recv 127.0.0.1:" + port_text(peer.port) +
                                      ": the server closed the connection without an acknowledgement (2 lines, 8 "
                                      "bytes sent); if it sends none, run with --no-ack\n");
}

TEST(LinesClientPeers, NoAckSucceedsWhenTheLabServerClosesCleanly) {
  auto peer = start_peer("lines-no-ack");
  auto client = run_tcpkit({"lines", "client", "127.0.0.1", "-p", port_text(peer.port), "--no-ack"}, 20s,
                           "one\ntwo\nlast");
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  EXPECT_NE(client.stdout_text().find("3 lines, 12 bytes sent in "), std::string::npos) << client.stdout_text();
  EXPECT_NE(session_line(client).find("the client closed first (FIN)"), std::string::npos) << client.stdout_text();
  ASSERT_EQ(peer.proc.wait(10s), 0) << peer.proc.stderr_text();
  EXPECT_EQ(peer.proc.stdout_text().substr(peer.proc.stdout_text().find('\n') + 1), "one\ntwo\nlast");
}

TEST(LinesClientPeers, AServerThatReadsEverythingButNeverClosesIsNamedTheMakefilePitfall) {
  for (const bool no_ack : {false, true}) {
    auto peer = start_peer("lines-never-close");
    std::vector<std::string> args = {"lines", "client", "127.0.0.1", "-p", port_text(peer.port), "--idle-timeout", "1"};
    if (no_ack) args.push_back("--no-ack");
    auto client = run_tcpkit(args, 20s, "one\ntwo\n");
    EXPECT_EQ(client.exit_code(), 4) << client.stderr_text();
    const std::string expected =
        std::string("no progress for 1 s ") +
        (no_ack ? "waiting for the server to close: the server has read everything sent (our send queue is empty) "
                  "but does not close the connection"
                : "waiting for the acknowledgement: the server has read everything sent (our send queue is empty) "
                  "but neither answers nor closes the connection") +
        "; a server that reads through makefile() must close that file as well as the socket\n";
    EXPECT_EQ(client.stderr_text(), "tcpkit: recv 127.0.0.1:" + port_text(peer.port) + ": " + expected);
  }
}

TEST(LinesClientPeers, ADirectoryAsFileIsRefusedBeforeConnecting) {
  auto peer = start_peer("lines-no-ack");
  const std::string dir = ::testing::TempDir();
  auto client = run_tcpkit({"lines", "client", "127.0.0.1", dir, "-p", port_text(peer.port), "--no-ack"});
  EXPECT_EQ(client.exit_code(), 1);
  EXPECT_EQ(client.stderr_text(), "tcpkit: open " + dir + ": Is a directory\n");
  EXPECT_EQ(client.stdout_text(), "") << "it connected";
  // The peer, which serves one connection and exits, is still waiting for it.
  EXPECT_FALSE(peer.proc.wait(200ms)) << peer.proc.stdout_text();
}

// --- item 10: bytes_received counts every byte taken in, a wrong reply included --------------

TEST(UppercaseClientPeers, AnEchoServerThatDoesNotUppercaseStillCountsTheBytesReceived) {
  auto peer = start_peer("echo");
  auto client = run_tcpkit({"uppercase", "client", "127.0.0.1", "1000", "-p", port_text(peer.port)});
  EXPECT_EQ(client.exit_code(), 6);
  EXPECT_NE(client.stderr_text().find("byte 0 of the reply is \"c\", expected \"C\""), std::string::npos)
      << client.stderr_text();
  EXPECT_GT(session_bytes_received(client), 0u) << client.stdout_text();
}

TEST(UppercaseClientPeers, AMismatchAtByte500000CountsEveryByteTakenIn) {
  for (const std::string strategy : {"naive", "threads", "async"}) {
    auto peer = start_peer("uppercase-wrong-at", {"500000"});
    auto client = run_tcpkit({"uppercase", "client", "127.0.0.1", "1000000", "-p", port_text(peer.port), "--strategy",
                              strategy, "--json"});
    EXPECT_EQ(client.exit_code(), 6) << strategy << client.stderr_text();
    EXPECT_NE(client.stderr_text().find("byte 500000 of the reply is \"c\""), std::string::npos) << client.stderr_text();
    const auto events = json_events(client);
    const auto session = std::find_if(events.begin(), events.end(), [](const auto& e) { return e["event"] == "session"; });
    ASSERT_NE(session, events.end()) << client.stdout_text();
    // The chunk that held the wrong byte was taken in too: more than 500000 bytes.
    EXPECT_GT((*session)["bytes_received"].get<std::uint64_t>(), 500000u) << strategy << ": " << session->dump();
  }
}

// --- item 17: a server that never reads is a stall, not the deadlock --------------------------

TEST(UppercaseClientPeers, AServerThatNeverReadsIsAStallExitFourNotTheDeadlock) {
  auto peer = start_peer("never-read");
  auto client = run_tcpkit({"uppercase", "client", "127.0.0.1", "268435456", "-p", port_text(peer.port), "--stall-timeout",
                            "1"},
                           30s);
  EXPECT_EQ(client.exit_code(), 4) << client.stderr_text();
  const std::string& err = client.stderr_text();
  EXPECT_EQ(err.rfind("Stalled: nothing has moved in either direction for 1.", 0), 0u) << err;
  EXPECT_NE(err.find("\n  our receive queue:     0 bytes"), std::string::npos) << err;
  EXPECT_NE(err.find("\nNot a deadlock: our send() is blocked because the server is not reading"), std::string::npos)
      << err;
  EXPECT_EQ(err.find("Deadlock"), std::string::npos) << err;
  EXPECT_NE(err.find("tcpkit: send 127.0.0.1:" + port_text(peer.port) +
                     ": no progress in either direction for 1 s: the server is not reading (our receive queue is "
                     "empty), stopped by the stall watchdog\n"),
            std::string::npos)
      << err;
  EXPECT_NE(session_line(client).find("the client closed first (stall watchdog)"), std::string::npos)
      << client.stdout_text();
}

// --- item 16: every client's JSON stream: start first, end last, an error when it fails -------

TEST(ClientJson, EveryClientStartsWithStartAndEndsWithEndAfterItsSession) {
  auto sixteen = test::start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0"});
  auto uppercase = test::start_tcpkit_server({"uppercase", "server", "127.0.0.1", "-p", "0"});
  auto lines = test::start_tcpkit_server({"lines", "server", "127.0.0.1", "-p", "0"}, /*listening_on_stderr=*/true);
  for (const auto& [args, input] :
       std::vector<std::pair<std::vector<std::string>, std::optional<std::string>>>{
           {{"sixteen", "client", "127.0.0.1", "-p", port_text(sixteen.port)}, std::nullopt},
           {{"uppercase", "client", "127.0.0.1", "-p", port_text(uppercase.port)}, std::nullopt},
           {{"lines", "client", "127.0.0.1", "-p", port_text(lines.port)}, "one\n"}}) {
    std::vector<std::string> json_args = args;
    json_args.push_back("--json");
    auto client = run_tcpkit(json_args, 20s, input);
    ASSERT_EQ(client.exit_code(), 0) << args[0] << client.stderr_text();
    const auto events = json_events(client);
    ASSERT_GE(events.size(), 3u) << client.stdout_text();
    EXPECT_EQ(events.front()["event"], "start") << args[0];
    EXPECT_EQ(events.front()["program"], args[0]);
    EXPECT_EQ(events.front()["role"], "client");
    EXPECT_EQ(events[events.size() - 2]["event"], "session") << args[0];
    const auto& end = events.back();
    EXPECT_EQ(end["event"], "end") << args[0];
    EXPECT_EQ(end["closed_by"], events[events.size() - 2]["closed_by"]) << end.dump();
    EXPECT_EQ(end["close_how"], "fin") << end.dump();
    EXPECT_FALSE(end.contains("exit_status")) << end.dump();
  }
}

TEST(ClientJson, ARefusedConnectionPrintsItsErrorAndEndOnStdout) {
  // A port nobody listens at: bind one, and close it without listening.
  std::uint16_t port = 0;
  {
    auto holder = start_peer("never-read");
    port = holder.port;
  }
  for (const std::string program : {"sixteen", "uppercase", "lines"}) {
    auto client = run_tcpkit({program, "client", "127.0.0.1", "-p", port_text(port), "--json"}, 20s, "");
    EXPECT_EQ(client.exit_code(), 3) << program << client.stderr_text();
    EXPECT_EQ(client.stderr_text().substr(client.stderr_text().rfind("tcpkit: ")),
              "tcpkit: connect 127.0.0.1:" + port_text(port) + ": Connection refused\n");
    const auto events = json_events(client);
    ASSERT_EQ(events.size(), 3u) << client.stdout_text();
    EXPECT_EQ(events[0]["event"], "start");
    EXPECT_EQ(events[1]["event"], "error");
    EXPECT_EQ(events[1]["operation"], "connect");
    EXPECT_EQ(events[1]["message"], "connect 127.0.0.1:" + port_text(port) + ": Connection refused");
    EXPECT_EQ(events[1]["exit_status"], 3);
    EXPECT_EQ(events[2]["event"], "end");
    EXPECT_EQ(events[2]["exit_status"], 3);
  }
}

TEST(ClientJson, AFailedExchangeEndsWithErrorThenEndSayingHowItClosed) {
  auto peer = start_peer("lines-no-ack");
  auto client = run_tcpkit({"lines", "client", "127.0.0.1", "-p", port_text(peer.port), "--json"}, 20s, "one\n");
  EXPECT_EQ(client.exit_code(), 6);
  const auto events = json_events(client);
  ASSERT_GE(events.size(), 4u) << client.stdout_text();
  const auto n = events.size();
  EXPECT_EQ(events[n - 3]["event"], "session");
  EXPECT_EQ(events[n - 2]["event"], "error");
  EXPECT_EQ(events[n - 2]["exit_status"], 6);
  EXPECT_EQ(events[n - 1]["event"], "end");
  EXPECT_EQ(events[n - 1]["exit_status"], 6);
  EXPECT_EQ(events[n - 1]["closed_by"], events[n - 3]["closed_by"]);
  EXPECT_EQ(events[n - 1]["close_how"], events[n - 3]["close_how"]);
}

TEST(ServerJson, AServerThatCannotListenPrintsItsErrorAndEndOnStdout) {
  auto holder = test::start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0"});
  for (const std::string program : {"sixteen", "uppercase"}) {
    auto server = run_tcpkit({program, "server", "127.0.0.1", "-p", port_text(holder.port), "--json"});
    EXPECT_EQ(server.exit_code(), 3) << server.stderr_text();
    EXPECT_EQ(server.stderr_text(), "tcpkit: listen 127.0.0.1:" + port_text(holder.port) + ": Address already in use\n");
    const auto events = json_events(server);
    ASSERT_EQ(events.size(), 2u) << server.stdout_text();
    EXPECT_EQ(events[0]["event"], "error");
    EXPECT_EQ(events[0]["operation"], "listen");
    EXPECT_EQ(events[0]["exit_status"], 3);
    EXPECT_EQ(events[1]["event"], "end");
    EXPECT_EQ(events[1]["exit_status"], 3);
  }
}

}  // namespace
}  // namespace tcpkit
