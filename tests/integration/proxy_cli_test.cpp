// tcpkit proxy as a real process between real peers: slicing makes partial reads happen, the
// close passes through as it came, and a peer that never reads costs bounded memory.
#include "support/cli.hpp"
#include "support/raw_peer.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>
#include <sys/socket.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <future>
#include <string>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;
using test::ending;
using test::in;
using test::process;
using test::raw_socket;

std::string port_text(std::uint16_t port) { return std::to_string(port); }

// `tcpkit proxy 127.0.0.1 -p 0 --to 127.0.0.1:UPSTREAM EXTRA...`, listening.
// `tcpkit proxy 127.0.0.1 -p 0 --to 127.0.0.1:UPSTREAM EXTRA...` (--idle-timeout 20 unless
// EXTRA gives one), listening.
test::running_server start_proxy(std::uint16_t upstream, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"proxy", "127.0.0.1", "-p", "0", "--to", "127.0.0.1:" + port_text(upstream)};
  if (std::find(extra.begin(), extra.end(), "--idle-timeout") == extra.end()) extra.insert(extra.end(), {"--idle-timeout", "20"});
  args.insert(args.end(), extra.begin(), extra.end());
  return test::start_tcpkit_server(args);
}

// The "N writes" of the proxy's "up   (client to server): B bytes in N writes" line.
std::optional<std::uint64_t> up_writes(process& proxy) {
  const auto line = proxy.wait_for_stdout("up   (client to server):", 10s);
  if (!line) return std::nullopt;
  const std::size_t in_at = line->find(" bytes in ");
  if (in_at == std::string::npos) return std::nullopt;
  return std::stoull(line->substr(in_at + 10));
}

// A server that reads a 16-byte request and counts the recv() calls it took, then replies.
struct counting_result {
  std::string request;
  int recv_calls = 0;
};
counting_result serve_counting(test::raw_listener& listener, test::peer_deadline deadline) {
  counting_result result;
  raw_socket peer = listener.accept(deadline);
  if (!peer) return result;
  char buffer[16];
  while (result.request.size() < 16 && std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{peer.fd(), POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0) continue;
    const ssize_t n = ::recv(peer.fd(), buffer, 16 - result.request.size(), 0);
    if (n <= 0) break;
    ++result.recv_calls;
    result.request.append(buffer, static_cast<std::size_t>(n));
  }
  peer.send_all("Farewell, client", deadline);
  peer.shutdown_write();
  peer.recv_until_eof(deadline);
  return result;
}

// The proxy's resident memory, from /proc (kB).
long resident_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return -1;
}

process run_python(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"python3"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto p = process::spawn({.argv = argv});
  p.wait(20s);
  return p;
}

TEST(ProxyCli, SliceOneMakesTheServerNeedARecvPerByte) {
  test::raw_listener upstream;
  // --slice alone: its default pause (10 ms) lets the server read each byte on its own.
  auto proxy = start_proxy(upstream.port(), {"--slice", "1"});
  auto served = std::async(std::launch::async, [&] { return serve_counting(upstream, in(15s)); });
  raw_socket client = test::connect_loopback(proxy.port, in(5s));
  ASSERT_TRUE(client);
  ASSERT_EQ(client.send_all("Hi there, server", in(5s)), 16u);
  client.shutdown_write();
  const auto reply = client.recv_until_eof(in(15s));
  const counting_result result = served.get();
  EXPECT_EQ(result.request, "Hi there, server");
  EXPECT_GE(result.recv_calls, 16) << "the request should arrive one byte per recv()";
  EXPECT_EQ(reply.data, "Farewell, client");
  EXPECT_EQ(reply.how, ending::eof);
  EXPECT_TRUE(proxy.proc.wait_for_stdout("up   (client to server): 16 bytes in 16 writes", 10s)) << proxy.proc.stdout_text();
}

TEST(ProxyCli, TheSeedsClientStillGetsItsReplyThroughSliceOne) {
  TCPKIT_REQUIRE_SEEDS();
  auto seed = test::start_seed_server("tcp_sixteen.py");
  auto proxy = start_proxy(seed.port, {"--slice", "1"});
  auto client = run_python({*test::seeds_dir() + "/tcp_sixteen.py", "client", "127.0.0.1", "-p", port_text(proxy.port)});
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  EXPECT_NE(client.stdout_text().find("The server said b'Farewell, client'"), std::string::npos) << client.stdout_text();
}

TEST(ProxyCli, ASingleRecvClientGetsPartOfTheReplyAndRecvAllFixesIt) {
  auto server = test::start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0"});
  // 200 ms between the reply's bytes: the learner's recv() is waiting when the first one comes.
  auto proxy = start_proxy(server.port, {"--slice", "1", "--delay", "200", "--down"});
  const std::string learner = std::string(TCPKIT_PEERS_DIR) + "/learner_client.py";
  auto broken = run_python({learner, "127.0.0.1", port_text(proxy.port)});
  EXPECT_EQ(broken.exit_code(), 1) << broken.stdout_text() << broken.stderr_text();
  EXPECT_NE(broken.stdout_text().find("The server said b'F' (1 of 16 bytes)"), std::string::npos) << broken.stdout_text();
  auto fixed = run_python({learner, "127.0.0.1", port_text(proxy.port), "--recv-all"});
  EXPECT_EQ(fixed.exit_code(), 0) << fixed.stderr_text();
  EXPECT_NE(fixed.stdout_text().find("b'Farewell, client' (16 of 16 bytes)"), std::string::npos) << fixed.stdout_text();
}

TEST(ProxyCli, AHalfCloseIsPassedOnAsAHalfCloseEachWay) {
  test::raw_listener upstream;
  auto proxy = start_proxy(upstream.port());
  raw_socket client = test::connect_loopback(proxy.port, in(5s));
  ASSERT_TRUE(client);
  raw_socket server = upstream.accept(in(5s));
  ASSERT_TRUE(server);
  ASSERT_EQ(client.send_all("request", in(5s)), 7u);
  client.shutdown_write();
  const auto request = server.recv_until_eof(in(10s));
  EXPECT_EQ(request.data, "request");
  EXPECT_EQ(request.how, ending::eof);
  // The client only half-closed: the other direction still carries the whole reply, then a FIN.
  ASSERT_EQ(server.send_all("the reply", in(5s)), 9u);
  server.shutdown_write();
  const auto reply = client.recv_until_eof(in(10s));
  EXPECT_EQ(reply.data, "the reply");
  EXPECT_EQ(reply.how, ending::eof);
  EXPECT_TRUE(proxy.proc.wait_for_stdout("then its FIN, passed on as a half-close", 10s)) << proxy.proc.stdout_text();
}

TEST(ProxyCli, AResetIsPassedOnAsAResetEachWay) {
  test::raw_listener upstream;
  auto proxy = start_proxy(upstream.port());
  {
    raw_socket client = test::connect_loopback(proxy.port, in(5s));
    raw_socket server = upstream.accept(in(5s));
    ASSERT_TRUE(client && server);
    ASSERT_TRUE(proxy.proc.wait_for_stdout("Forwarding 127.0.0.1:", 10s));
    client.close_with_reset();
    EXPECT_EQ(server.recv_until_eof(in(10s)).how, ending::reset);
  }
  {
    raw_socket client = test::connect_loopback(proxy.port, in(5s));
    raw_socket server = upstream.accept(in(5s));
    ASSERT_TRUE(client && server);
    // Once the proxy has seen its upstream connection complete (a reset before that would be
    // a failed connect, not a reset passed on).
    ASSERT_TRUE(proxy.proc.wait_for_stdout("Forwarding 127.0.0.1:", 10s));
    ASSERT_EQ(server.send_all("partial", in(5s)), 7u);
    server.close_with_reset();
    const auto seen = client.recv_until_eof(in(10s));
    EXPECT_EQ(seen.how, ending::reset) << seen.data;
  }
  EXPECT_TRUE(proxy.proc.wait_for_stdout("down (server to client): 7 bytes in 1 write, then a reset, passed on as a reset", 10s))
      << proxy.proc.stdout_text();
  // The client side's summaries: the client reset first, then the proxy reset the client.
  EXPECT_TRUE(proxy.proc.wait_for_stdout("the server closed first (reset)", 10s)) << proxy.proc.stdout_text() << proxy.proc.stderr_text();
  EXPECT_NE(proxy.proc.stdout_text().find("the client closed first (reset)"), std::string::npos) << proxy.proc.stdout_text();
}

TEST(ProxyCli, CloseAfterHalfClosesTheDestinationAtTheCount) {
  test::raw_listener upstream;
  auto proxy = start_proxy(upstream.port(), {"--close-after", "5", "--up"});
  raw_socket client = test::connect_loopback(proxy.port, in(5s));
  raw_socket server = upstream.accept(in(5s));
  ASSERT_TRUE(client && server);
  ASSERT_EQ(client.send_all("0123456789", in(5s)), 10u);
  const auto request = server.recv_until_eof(in(10s));
  EXPECT_EQ(request.data, "01234");
  EXPECT_EQ(request.how, ending::eof);
  // Only the up direction was cut: the reply still gets through.
  ASSERT_EQ(server.send_all("reply", in(5s)), 5u);
  server.shutdown_write();
  client.shutdown_write();
  const auto reply = client.recv_until_eof(in(10s));
  EXPECT_EQ(reply.data, "reply");
  EXPECT_EQ(reply.how, ending::eof);
}

TEST(ProxyCli, ResetAfterResetsBothSidesAfterExactlyThatManyBytes) {
  test::raw_listener upstream;
  auto proxy = start_proxy(upstream.port(), {"--reset-after", "5", "--up"});
  raw_socket client = test::connect_loopback(proxy.port, in(5s));
  raw_socket server = upstream.accept(in(5s));
  ASSERT_TRUE(client && server);
  ASSERT_EQ(client.send_all("0123456789", in(5s)), 10u);
  const auto request = server.recv_until_eof(in(10s));
  EXPECT_EQ(request.data, "01234");
  EXPECT_EQ(request.how, ending::reset);
  EXPECT_EQ(client.recv_until_eof(in(10s)).how, ending::reset);
}

TEST(ProxyCli, AnUpstreamThatRefusesIsAResetForTheClientAndALoggedError) {
  const test::refusing_port refusing;
  const std::uint16_t closed_port = refusing.port();
  auto proxy = start_proxy(closed_port);
  raw_socket client = test::connect_loopback(proxy.port, in(5s));
  ASSERT_TRUE(client);
  EXPECT_EQ(client.recv_until_eof(in(10s)).how, ending::reset);
  EXPECT_TRUE(proxy.proc.wait_for_stderr("connect 127.0.0.1:" + port_text(closed_port) + ": Connection refused", 10s))
      << proxy.proc.stderr_text();
}

// Each way in turn: one side writes without end, the other never reads. A proxy that buffered
// what it cannot forward would take all 200 MB offered; this one stops reading at once.
TEST(ProxyCli, APeerThatNeverReadsCostsBoundedMemoryEachWay) {
  constexpr std::uint64_t kOffered = 200'000'000;
  for (const bool client_pushes : {true, false}) {
    SCOPED_TRACE(client_pushes ? "the client pushes, the server never reads" : "the server pushes, the client never reads");
    test::raw_listener upstream;
    auto proxy = start_proxy(upstream.port());
    const long before_kb = resident_kb(proxy.proc.pid());
    raw_socket client = test::connect_loopback(proxy.port, in(5s));
    raw_socket server = upstream.accept(in(5s));
    ASSERT_TRUE(client && server);
    raw_socket& pusher = client_pushes ? client : server;
    std::uint64_t taken = 0;
    while (taken < kOffered) {
      const std::uint64_t more = pusher.write_until_stuck([](std::uint64_t, std::size_t n) { return std::string(n, 'x'); },
                                                          in(30s), 500ms);
      if (more == 0) break;  // stuck: the proxy has stopped reading
      taken += more;
    }
    const long after_kb = resident_kb(proxy.proc.pid());
    RecordProperty(client_pushes ? "up_bytes_taken" : "down_bytes_taken", std::to_string(taken));
    RecordProperty(client_pushes ? "up_rss_growth_kb" : "down_rss_growth_kb", std::to_string(after_kb - before_kb));
    EXPECT_LT(taken, kOffered / 4) << "the proxy kept reading from a side whose peer never reads";
    ASSERT_GT(before_kb, 0);
    EXPECT_LT(after_kb - before_kb, 8 * 1024) << "resident memory grew by " << (after_kb - before_kb) << " kB";
  }
}

TEST(ProxyCli, OnceForwardsOneConnectionThenExitsWithItsOutcome) {
  auto server = test::start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0"});
  auto proxy = start_proxy(server.port, {"--once"});
  auto client = test::run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port_text(proxy.port)});
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  EXPECT_EQ(proxy.proc.wait(10s), 0) << proxy.proc.stderr_text();
  EXPECT_NE(proxy.proc.stdout_text().find("Served 1 connection: 0 failed, 0 refused"), std::string::npos)
      << proxy.proc.stdout_text();
}

TEST(ProxyCli, SigtermStopsTheProxyWithItsSummary) {
  test::raw_listener upstream;
  auto proxy = start_proxy(upstream.port());
  raw_socket client = test::connect_loopback(proxy.port, in(5s));
  raw_socket server = upstream.accept(in(5s));
  ASSERT_TRUE(client && server);
  ASSERT_TRUE(proxy.proc.wait_for_stdout("Forwarding 127.0.0.1:", 10s));
  proxy.proc.signal(SIGTERM);
  EXPECT_EQ(proxy.proc.wait(10s), 0) << proxy.proc.stderr_text();
  EXPECT_NE(proxy.proc.stdout_text().find("Served 1 connection: 0 failed, 0 refused"), std::string::npos)
      << proxy.proc.stdout_text();
  EXPECT_EQ(client.recv_until_eof(in(10s)).how, ending::eof);
}

// SIGHUP (a closed terminal) stops the proxy as it stops every server (SPEC §2); the proxy
// once had its own signal handling, which let SIGHUP kill it without a summary.
TEST(ProxyCli, SighupStopsTheProxyLikeEveryServer) {
  test::raw_listener upstream;
  auto proxy = start_proxy(upstream.port());
  raw_socket client = test::connect_loopback(proxy.port, in(5s));
  raw_socket server = upstream.accept(in(5s));
  ASSERT_TRUE(client && server);
  ASSERT_TRUE(proxy.proc.wait_for_stdout("Forwarding 127.0.0.1:", 10s));
  proxy.proc.signal(SIGHUP);
  EXPECT_EQ(proxy.proc.wait(10s), 0) << proxy.proc.stderr_text();
  EXPECT_NE(proxy.proc.stdout_text().find("Served 1 connection: 0 failed, 0 refused"), std::string::npos)
      << proxy.proc.stdout_text();
  EXPECT_EQ(client.recv_until_eof(in(10s)).how, ending::eof);
}

TEST(ProxyCli, ItsOwnPausesAreNotIdleTimeButASilentConnectionIsClosed) {
  test::raw_listener upstream;
  // Three slices 800 ms apart, with an idle timeout of 0.5 s: the pauses are the proxy's own.
  auto proxy = start_proxy(upstream.port(), {"--slice", "1", "--delay", "800", "--up", "--idle-timeout", "0.5"});
  raw_socket client = test::connect_loopback(proxy.port, in(5s));
  raw_socket server = upstream.accept(in(5s));
  ASSERT_TRUE(client && server);
  ASSERT_EQ(client.send_all("abc", in(5s)), 3u);
  EXPECT_EQ(server.recv_exactly(3, in(10s)).data, "abc");
  // Then nothing moves: the idle timeout closes the connection on its own.
  EXPECT_TRUE(proxy.proc.wait_for_stderr("no progress for 0.5 s, connection closed", 10s)) << proxy.proc.stderr_text();
  EXPECT_NE(client.recv_until_eof(in(10s)).how, ending::timeout);
}

TEST(ProxyCli, LatencyHoldsEveryByteInEachDirection) {
  test::raw_listener upstream;
  auto proxy = start_proxy(upstream.port(), {"--latency", "300"});
  raw_socket client = test::connect_loopback(proxy.port, in(5s));
  raw_socket server = upstream.accept(in(5s));
  ASSERT_TRUE(client && server);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(client.send_all("ping!", in(5s)), 5u);
  ASSERT_EQ(server.recv_exactly(5, in(10s)).data, "ping!");
  ASSERT_EQ(server.send_all("pong!", in(5s)), 5u);
  ASSERT_EQ(client.recv_exactly(5, in(10s)).data, "pong!");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 600ms);
}

TEST(ProxyCli, TheSameSeedGivesTheSameRandomSlices) {
  test::raw_listener upstream;
  std::vector<std::uint64_t> writes;
  for (int run = 0; run < 2; ++run) {
    auto proxy = start_proxy(upstream.port(), {"--slice", "1-7", "--seed", "42", "--up"});
    raw_socket client = test::connect_loopback(proxy.port, in(5s));
    raw_socket server = upstream.accept(in(5s));
    ASSERT_TRUE(client && server);
    ASSERT_EQ(client.send_all(std::string(200, 'x'), in(5s)), 200u);
    client.shutdown_write();
    ASSERT_EQ(server.recv_until_eof(in(10s)).data.size(), 200u);
    server.shutdown_write();
    const auto n = up_writes(proxy.proc);
    ASSERT_TRUE(n) << proxy.proc.stdout_text();
    writes.push_back(*n);
  }
  EXPECT_EQ(writes[0], writes[1]);
  EXPECT_GE(writes[0], 200u / 7);
  EXPECT_LT(writes[0], 200u);  // not one byte per write: sizes up to 7 were drawn
}

TEST(ProxyCli, ForwardsOverIpv6) {
  auto server = test::start_tcpkit_server({"sixteen", "server", "::1", "-p", "0"});
  auto proxy = test::start_tcpkit_server({"proxy", "::1", "-p", "0", "-6", "--to", "[::1]:" + port_text(server.port)});
  auto client = test::run_tcpkit({"sixteen", "client", "::1", "-p", port_text(proxy.port)});
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  EXPECT_TRUE(proxy.proc.wait_for_stdout("to [::1]:" + port_text(server.port) + " (from [::1]:", 10s)) << proxy.proc.stdout_text();
}

}  // namespace
}  // namespace tcpkit
