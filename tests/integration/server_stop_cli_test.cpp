// How every server stops (SPEC §2): SIGINT, SIGTERM and SIGHUP alike stop accepting, close each
// live session FIN-first with its summary, print the totals and exit 0. And nothing on the log's
// side can keep a server from serving or from stopping: a log nobody reads is not a reason to
// stall.
#include "support/cli.hpp"
#include "support/raw_peer.hpp"
#include "support/session_line.hpp"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <regex>
#include <string>
#include <vector>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;
using test::has_session_line;
using test::in;
using test::start_tcpkit_server;

struct server_case {
  std::string program;
  std::string request;       // what the peer sends to be mid-session
  std::string reply;         // what it then receives before the stop
  bool log_on_stderr = false;  // the lines server keeps stdout for payload
};

const std::vector<server_case> kServers = {
    {"sixteen", "", "", false},  // the server waits for the 16 bytes
    {"uppercase", "abc", "ABC", false},
    {"lines", "one\n", "", true},
};

// Waits until the process has exited without reaping it or reading its pipes (a pidfd becomes
// readable at exit), so a test can tell "it stopped" from "it would stop once its log is read".
bool exits_within(pid_t pid, std::chrono::milliseconds limit) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return false;
  pollfd pfd{fd, POLLIN, 0};
  const int ready = ::poll(&pfd, 1, static_cast<int>(limit.count()));
  ::close(fd);
  return ready == 1;
}

TEST(ServerStopCli, EveryServerStopsOnEverySignalTheSameWay) {
  for (const server_case& c : kServers) {
    for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
      SCOPED_TRACE(c.program + " " + ::strsignal(sig));
      auto server = start_tcpkit_server({c.program, "server", "127.0.0.1", "-p", "0"}, c.log_on_stderr);
      auto peer = test::connect_loopback(server.port, in(5s));
      ASSERT_TRUE(peer);
      ASSERT_EQ(peer.send_all(c.request, in(5s)), c.request.size());
      if (!c.reply.empty()) {
        ASSERT_EQ(peer.recv_exactly(c.reply.size(), in(10s)).data, c.reply);
      }
      if (c.program == "lines") {
        ASSERT_TRUE(server.proc.wait_for_stdout("one", 10s));
      }
      if (c.program == "sixteen") {
        ASSERT_TRUE(server.proc.wait_for_stdout("Socket peer:", 10s));
      }

      const auto signalled = test::clock::now();
      server.proc.signal(sig);
      // The live session is closed with a FIN at once, not left to a grace period.
      EXPECT_EQ(peer.recv_until_eof(in(10s)).how, test::ending::eof);
      EXPECT_LT(test::clock::now() - signalled, 2s);
      peer.close();  // our FIN ends the server's drain
      ASSERT_EQ(server.proc.wait(10s), 0) << server.proc.stderr_text();
      const std::string& log = c.log_on_stderr ? server.proc.stderr_text() : server.proc.stdout_text();
      const std::uint64_t sent = c.reply.size();
      const std::uint64_t received = c.request.size();
      EXPECT_TRUE(has_session_line(log, {"server", sent, received, "server", "interrupted"})) << log;
      EXPECT_NE(log.find("Served 1 connection: 0 failed, 0 refused"), std::string::npos) << log;
    }
  }
}

// The stop drains each session until its peer's EOF, up to 2 s; a second signal ends that wait.
TEST(ServerStopCli, ASecondSignalEndsTheDrainAtOnce) {
  auto server = start_tcpkit_server({"uppercase", "server", "127.0.0.1", "-p", "0"});
  auto peer = test::connect_loopback(server.port, in(5s));
  ASSERT_TRUE(peer);
  ASSERT_EQ(peer.send_all("abc", in(5s)), 3u);
  ASSERT_EQ(peer.recv_exactly(3, in(10s)).data, "ABC");
  server.proc.signal(SIGTERM);
  ASSERT_EQ(peer.recv_until_eof(in(10s)).how, test::ending::eof);  // our side stays open: the drain waits
  const auto again = test::clock::now();
  server.proc.signal(SIGTERM);
  EXPECT_TRUE(exits_within(server.proc.pid(), 1000ms));
  EXPECT_LT(test::clock::now() - again, 1500ms);
  EXPECT_EQ(server.proc.wait(10s), 0);
  EXPECT_NE(server.proc.stdout_text().find("Served 1 connection: 0 failed, 0 refused"), std::string::npos)
      << server.proc.stdout_text();
}

// One sixteen exchange, as the seed's client does it; false if it did not complete in time.
bool exchange_sixteen(std::uint16_t port) {
  auto peer = test::connect_loopback(port, in(5s));
  if (!peer || peer.send_all("Hi there, server", in(5s)) != 16) return false;
  const auto reply = peer.recv_until_eof(in(5s));
  return reply.data == "Farewell, client" && reply.how == test::ending::eof;
}

// About 250 bytes of log each: far more than a pipe (64 KiB) and the log's queue hold.
constexpr int kExchanges = 3000;

// Nobody reads the server's stdout or stderr from here on (the harness reads only inside its
// read and wait calls): the log fills the pipes, and the server must go on regardless.
TEST(ServerStopCli, ALogNobodyReadsNeitherStopsTheServerNorItsStop) {
  auto server = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0"});
  for (int i = 0; i < kExchanges; ++i) ASSERT_TRUE(exchange_sixteen(server.port)) << "exchange " << i;
  server.proc.signal(SIGTERM);
  EXPECT_TRUE(exits_within(server.proc.pid(), 3s)) << "SIGTERM was not handled while the log was stalled";
  EXPECT_EQ(server.proc.wait(10s), 0);
}

TEST(ServerStopCli, LogLinesDroppedWhileNobodyReadIsCountedOnceTheLogMovesAgain) {
  auto server = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0"});
  for (int i = 0; i < kExchanges; ++i) ASSERT_TRUE(exchange_sixteen(server.port)) << "exchange " << i;
  // The reader comes back: everything queued arrives, then the next line says what was lost.
  while (server.proc.read_stdout_line(500ms)) {
  }
  ASSERT_TRUE(exchange_sixteen(server.port));
  ASSERT_TRUE(server.proc.wait_for_stdout("Reply sent, socket closed", 10s)) << server.proc.stderr_text();
  server.proc.signal(SIGTERM);
  ASSERT_EQ(server.proc.wait(10s), 0);
  const std::regex notice(R"(tcpkit: [1-9][0-9]* log lines dropped while the log was not being read)");
  EXPECT_TRUE(std::regex_search(server.proc.stderr_text(), notice)) << server.proc.stderr_text();
  EXPECT_NE(server.proc.stdout_text().find("Served " + std::to_string(kExchanges + 1) + " connections: 0 failed"),
            std::string::npos);
}

}  // namespace
}  // namespace tcpkit
