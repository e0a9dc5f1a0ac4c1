// The fault-injection suite of docs/RELIABILITY.md, part two (part one is resilience_test and
// the half-close matrix): peers that send garbage, reset mid-stream, connect by the hundred
// and say nothing, or are frozen with SIGSTOP mid-transfer; and a stdout nobody reads.
// Every server is a real `tcpkit` process; after each fault it must still serve a normal
// client. Every wait has a deadline.
#include "support/cli.hpp"
#include "support/raw_peer.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <future>
#include <optional>
#include <random>
#include <vector>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;
using test::ending;
using test::in;
using test::raw_socket;

std::string port_text(std::uint16_t port) { return std::to_string(port); }

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 generator(seed);
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(generator() & 0xff);
  return bytes;
}

// A normal client of `program` against `port` succeeds.
void expect_served(const std::string& program, std::uint16_t port) {
  std::vector<std::string> args = {program, "client", "127.0.0.1"};
  std::optional<std::string> input;
  if (program == "lines") {
    args.push_back("-");
    input = "one line\nand another\n";
  }
  if (program == "uppercase") args.insert(args.end(), {"1048576", "--strategy", "async"});
  args.insert(args.end(), {"-p", port_text(port)});
  auto client = test::run_tcpkit(args, 20s, input);
  EXPECT_EQ(client.exit_code(), 0) << program << ": " << client.stderr_text();
}

// `tcpkit PROGRAM server 127.0.0.1 -p 0 EXTRA...`. The lines server prints what it receives
// on stdout, which goes to /dev/null here: a pipe this test does not read would stall it.
test::running_server start_server(const std::string& program, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {program, "server", "127.0.0.1", "-p", "0"};
  args.insert(args.end(), extra.begin(), extra.end());
  if (program != "lines") return test::start_tcpkit_server(args);
  test::spawn_options options;
  options.argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" > /dev/null", test::tcpkit_binary()};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  auto proc = test::process::spawn(options);
  const auto listening = proc.wait_for_stderr("Listening at", 10s);
  if (!listening) ADD_FAILURE() << "the lines server did not start: " << proc.stderr_text();
  const std::uint16_t port = listening ? test::port_from_text(*listening).value_or(std::uint16_t{0}) : std::uint16_t{0};
  return {std::move(proc), port};
}

// --- garbage ------------------------------------------------------------------------------------

// A megabyte of random bytes (NUL, 0xFF, no line structure), sent at once to each server, then
// the peer reads whatever comes back and closes. The server answers or refuses that peer as its
// protocol says, and goes on serving.
TEST(Faults, GarbageEndsOnlyTheSessionThatSentIt) {
  for (const std::string program : {"sixteen", "uppercase", "lines"}) {
    SCOPED_TRACE(program);
    // Lines of up to 100 bytes: most of the garbage is refused as overlong.
    auto server = program == "lines" ? start_server(program, {"--max-line", "100"}) : start_server(program);
    for (unsigned seed = 1; seed <= 5; ++seed) {
      raw_socket peer = test::connect_loopback(server.port, in(5s));
      ASSERT_TRUE(peer);
      const std::string garbage = random_bytes(1 << 20, seed);
      // Sending and reading at once (the uppercase server answers as it reads); a server that
      // has had enough may stop reading or reset: both are its right, a hang is not.
      auto sender = std::async(std::launch::async, [&] {
        peer.send_all(garbage, in(10s));
        peer.shutdown_write();
      });
      const auto reply = peer.recv_until_eof(in(15s));
      EXPECT_NE(reply.how, ending::timeout) << "the server neither answered nor closed";
      sender.wait();
      if (program == "sixteen") {
        EXPECT_EQ(reply.data, "Farewell, client");
      }
    }
    expect_served(program, server.port);
  }
}

// --- split writes --------------------------------------------------------------------------------

// Writes `message` as two segments split at `at` (TCP_NODELAY, so the first leaves at once),
// then half-closes, and returns everything the server sends back before its EOF.
std::string send_split(std::uint16_t port, std::string_view message, std::size_t at) {
  raw_socket peer = test::connect_loopback(port, in(5s));
  if (!peer) return "cannot connect";
  peer.set_no_delay();
  peer.send_all(message.substr(0, at), in(5s));
  peer.send_all(message.substr(at), in(5s));
  peer.shutdown_write();
  const auto reply = peer.recv_until_eof(in(10s));
  return reply.how == ending::eof ? reply.data : std::string("ended by ") + to_string(reply.how);
}

// The request and the lines arrive in two pieces cut at every offset; the servers reassemble
// them (recv_exact; the line reader) and answer as if they had come whole.
TEST(Faults, SplitWritesAtEveryOffsetAreReassembled) {
  auto sixteen = start_server("sixteen");
  const std::string request = "Hi there, server";
  for (std::size_t at = 0; at <= request.size(); ++at) {
    EXPECT_EQ(send_split(sixteen.port, request, at), "Farewell, client") << "split at " << at;
  }
  auto lines = start_server("lines");
  const std::string text = "first line\r\nsecond\n\nno newline at the end";
  for (std::size_t at = 0; at <= text.size(); ++at) {
    EXPECT_EQ(send_split(lines.port, text, at), "received 4 lines, 41 bytes\n") << "split at " << at;
  }
}

// --- resets -------------------------------------------------------------------------------------

// Twenty peers reset the connection (SO_LINGER 0) in the middle of a stream, each at another
// point: before sending, mid-request, with replies unread.
TEST(Faults, ResetsMidStreamEndOnlyTheirSessions) {
  for (const std::string program : {"uppercase", "lines"}) {
    SCOPED_TRACE(program);
    auto server = start_server(program);
    for (std::size_t i = 0; i < 20; ++i) {
      raw_socket peer = test::connect_loopback(server.port, in(5s));
      ASSERT_TRUE(peer);
      const std::size_t n = i * 50'000;
      EXPECT_EQ(peer.send_all(std::string(n, 'a') + (i % 2 ? "\n" : ""), in(10s)), n + i % 2);
      peer.close_with_reset();
    }
    expect_served(program, server.port);
  }
}

// --- silence ------------------------------------------------------------------------------------

// Three hundred peers connect and say nothing. A real client is still served at once, and each
// silent peer is closed by the idle timeout on its own.
TEST(Faults, HundredsOfSilentPeersNeitherBlockOthersNorStay) {
  constexpr std::size_t silent_count = 300;
  auto server = start_server("sixteen", {"--idle-timeout", "2"});
  std::vector<raw_socket> silent;
  for (std::size_t i = 0; i < silent_count; ++i) {
    silent.push_back(test::connect_loopback(server.port, in(5s)));
    ASSERT_TRUE(silent.back()) << "connection " << i;
  }
  const auto start = std::chrono::steady_clock::now();
  expect_served("sixteen", server.port);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s) << "the silent peers held up a real client";

  // The log first: waiting for it also drains the server's stdout (three lines and a session
  // summary per peer, more than a pipe holds), which it must be able to write to go on closing.
  std::size_t logged = 0;
  while (logged < silent_count && server.proc.wait_for_stderr("no progress for 2 s", 5s)) ++logged;
  EXPECT_EQ(logged, silent_count) << server.proc.stderr_text().substr(0, 2000);
  std::size_t closed = 0;
  for (auto& peer : silent) {
    const auto end = peer.recv_until_eof(in(15s));
    if (end.how == ending::reset || end.how == ending::eof) ++closed;
  }
  EXPECT_EQ(closed, silent_count);
  expect_served("sixteen", server.port);
}

// --- more clients than allowed ------------------------------------------------------------------

// With --max-conns 2 and two silent peers holding both slots, a third client is accepted, told
// nothing, logged and closed at once, never left waiting in the backlog; once a slot is free
// again the next client is served.
TEST(Faults, BeyondMaxConnsAClientIsClosedPromptlyAndServedOnceASlotIsFree) {
  auto server = start_server("sixteen", {"--max-conns", "2"});
  std::vector<raw_socket> holders;
  for (int i = 0; i < 2; ++i) {
    holders.push_back(test::connect_loopback(server.port, in(5s)));
    ASSERT_TRUE(holders.back());
    ASSERT_TRUE(server.proc.wait_for_stdout("We have accepted a connection", 10s));
  }
  const auto start = std::chrono::steady_clock::now();
  auto refused = test::run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port_text(server.port)}, 20s);
  EXPECT_EQ(refused.exit_code(), 6) << refused.stderr_text();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_TRUE(server.proc.wait_for_stderr("2 connections are already being served", 5s)) << server.proc.stderr_text();

  holders.front().close();  // a slot frees once the server sees this EOF
  ASSERT_TRUE(server.proc.wait_for_stderr("was expecting 16 bytes but only received 0 bytes", 5s));
  expect_served("sixteen", server.port);
}

// With several event loops a burst is dealt out to all of them at once; the cap still holds
// exactly: of eight clients that connect together, two are served and six refused, round after
// round. (Each burst is made certain by connecting while the server is stopped: all eight wait
// in the backlog. The old count, taken when a session started on its loop, let 3-5 in.)
TEST(Faults, MaxConnsHoldsExactlyWithSeveralThreadsInABurst) {
  auto server = start_server("uppercase", {"--max-conns", "2", "--threads", "4"});
  constexpr int kRounds = 4;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(round);
    std::vector<raw_socket> clients;
    server.proc.signal(SIGSTOP);
    for (int i = 0; i < 8; ++i) {
      clients.push_back(test::connect_loopback(server.port, in(5s)));
      ASSERT_TRUE(clients.back());
    }
    server.proc.signal(SIGCONT);
    int served = 0;
    for (auto& client : clients) {
      client.send_all("abc", in(5s));
      const auto reply = client.recv_exactly(3, in(5s));
      if (reply.data == "ABC") {
        ++served;
      } else {
        EXPECT_NE(reply.how, ending::timeout) << "a refused client is closed at once";
      }
    }
    ASSERT_EQ(served, 2);
    for (auto& client : clients) client.close();
    for (int i = 0; i < served; ++i) ASSERT_TRUE(server.proc.wait_for_stdout("Session with", 10s));
  }
  server.proc.signal(SIGINT);
  ASSERT_EQ(server.proc.wait(10s), 0);
  EXPECT_NE(server.proc.stdout_text().find("Served 32 connections: 0 failed, 24 refused"), std::string::npos)
      << server.proc.stdout_text();
}

// --- SIGSTOP ------------------------------------------------------------------------------------

// A client frozen mid-transfer (SIGSTOP) stops reading and sending; the server closes it at its
// idle timeout and serves others meanwhile. Thawed, the client finds the connection gone, says
// so in one line and exits 6; it never hangs.
TEST(Faults, AClientFrozenMidTransferIsClosedByTheServerAndFailsCleanlyWhenThawed) {
  auto server = start_server("uppercase", {"--idle-timeout", "1"});
  test::spawn_options options;
  options.argv = {test::tcpkit_binary(), "uppercase", "client",    "127.0.0.1", "68719476736",
                  "-p",                  port_text(server.port), "--strategy", "async"};
  auto client = test::process::spawn(options);
  ASSERT_TRUE(server.proc.wait_for_stdout("Processing up to", 10s)) << client.stderr_text();
  client.signal(SIGSTOP);
  ASSERT_TRUE(server.proc.wait_for_stderr("no progress for 1 s", 10s)) << server.proc.stderr_text();
  expect_served("uppercase", server.port);
  client.signal(SIGCONT);
  EXPECT_EQ(client.wait(10s), 6) << client.stderr_text();
  EXPECT_NE(client.stderr_text().find("tcpkit: "), std::string::npos) << client.stderr_text();
}

// A server frozen mid-transfer: the client's idle timeout ends the wait with exit 4 and an
// accurate account; thawed, the server closes that connection and serves again.
TEST(Faults, AServerFrozenMidTransferTimesTheClientOutAndRecovers) {
  auto server = start_server("uppercase");
  test::spawn_options options;
  options.argv = {test::tcpkit_binary(), "uppercase", "client",    "127.0.0.1",      "68719476736",
                  "-p",                  port_text(server.port), "--strategy", "async", "--idle-timeout", "1"};
  auto client = test::process::spawn(options);
  ASSERT_TRUE(server.proc.wait_for_stdout("Processing up to", 10s)) << client.stderr_text();
  server.proc.signal(SIGSTOP);
  EXPECT_EQ(client.wait(10s), 4) << client.stderr_text();
  EXPECT_NE(client.stderr_text().find("no progress"), std::string::npos) << client.stderr_text();
  server.proc.signal(SIGCONT);
  expect_served("uppercase", server.port);
}

// --- a stdout nobody reads ------------------------------------------------------------------------

// Runs `tcpkit ARGS...` with stdout a pipe whose reading end is already closed, so every write
// to stdout fails with EPIPE (or would kill a process that did not ignore SIGPIPE). Returns the
// exit status python reports: negative for a death by signal.
test::process run_with_closed_stdout(const std::vector<std::string>& args, std::optional<std::string> input = {}) {
  test::spawn_options options;
  options.argv = {"python3", "-c",
                  "import os, subprocess, sys\n"
                  "r, w = os.pipe(); os.close(r)\n"
                  "print(subprocess.run(sys.argv[1:], stdout=w).returncode, file=sys.stderr)\n",
                  test::tcpkit_binary()};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.stdin_data = std::move(input);
  auto proc = test::process::spawn(options);
  proc.wait(20s);
  return proc;
}

// The last line the wrapper printed: tcpkit's exit status.
std::string status_line(const test::process& proc) {
  std::string err = proc.stderr_text();
  while (!err.empty() && err.back() == '\n') err.pop_back();
  return err.substr(err.rfind('\n') + 1);
}

TEST(Faults, AClosedStdoutIsAQuietExitForClients) {
  auto sixteen = start_server("sixteen");
  auto uppercase = start_server("uppercase");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"sixteen", "client", "127.0.0.1", "-p", port_text(sixteen.port)},
           {"uppercase", "client", "127.0.0.1", "1048576", "--strategy", "threads", "-p", port_text(uppercase.port)},
           {"bench", "sixteen", "127.0.0.1", "-p", port_text(sixteen.port), "--total", "50"}}) {
    SCOPED_TRACE(args[0]);
    auto proc = run_with_closed_stdout(args);
    EXPECT_EQ(status_line(proc), "0") << proc.stderr_text();
    EXPECT_EQ(proc.stderr_text().find("tcpkit:"), std::string::npos) << proc.stderr_text();
  }
}

// The lines server's stdout is its payload: a closed pipe there is a runtime failure of this
// side, said once (exit 1), not a quiet stop.
TEST(Faults, AClosedStdoutStopsTheLinesServerWithOneLine) {
  // The server's stdout is the closed pipe; its stderr (with "Listening at") comes to us.
  test::spawn_options options;
  options.argv = {"python3", "-c",
                  "import os, subprocess, sys\n"
                  "r, w = os.pipe(); os.close(r)\n"
                  "print('exit', subprocess.run(sys.argv[1:], stdout=w).returncode, file=sys.stderr)\n",
                  test::tcpkit_binary(), "lines", "server", "127.0.0.1", "-p", "0"};
  auto server = test::process::spawn(options);
  const auto listening = server.wait_for_stderr("Listening at", 10s);
  ASSERT_TRUE(listening) << server.stderr_text();
  const auto port = *test::port_from_text(*listening);
  auto client = test::run_tcpkit({"lines", "client", "127.0.0.1", "-", "-p", port_text(port)}, 20s, "a line\n");
  EXPECT_EQ(client.exit_code(), 6) << "its line was never written: " << client.stderr_text();
  EXPECT_EQ(server.wait(10s), 0);
  EXPECT_NE(server.stderr_text().find("tcpkit: write stdout: Broken pipe\nexit 1\n"), std::string::npos)
      << server.stderr_text();
}

}  // namespace
}  // namespace tcpkit
