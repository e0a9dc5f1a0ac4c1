// The half-close conformance matrix (docs/RELIABILITY.md): tcpkit as {client, server} ×
// the direction that ends first, {out: tcpkit's own sending, in: the peer's} × what the other
// direction is doing at that moment, {quiet, backpressured, done}. In every cell each
// direction delivers all of its bytes, in order, and then its EOF: a FIN, never a reset, and
// no timer tears the connection down while data is owed.
//
// The other end is a scripted peer (support/raw_peer.hpp) that does exactly what the cell
// needs; tcpkit runs as a real process: `tcpkit uppercase server|client`, the one program
// whose two directions both carry a stream.
#include "support/cli.hpp"
#include "support/raw_peer.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <future>
#include <optional>
#include <thread>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;
using test::ending;
using test::in;
using test::raw_socket;
using test::uppercase_reply;
using test::uppercase_request;

std::string port_text(std::uint16_t port) { return std::to_string(port); }

// --- tcpkit is the server ---------------------------------------------------------------------

class server_side : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.emplace(test::start_tcpkit_server({"uppercase", "server", "127.0.0.1", "-p", "0", "--idle-timeout", "20"}));
    peer_ = test::connect_loopback(server_->port, in(5s));
    ASSERT_TRUE(peer_) << "cannot connect to the server";
  }

  // One request/reply round trip: afterwards nothing is in flight either way.
  void round_trip(std::size_t n) {
    ASSERT_EQ(peer_.send_all(uppercase_request(0, n), in(10s)), n);
    const auto reply = peer_.recv_exactly(n, in(10s));
    ASSERT_EQ(reply.data, uppercase_reply(0, n)) << to_string(reply.how);
  }

  // SIGTERM: the server stops accepting and ends its sending on every live session.
  void stop_server() {
    ASSERT_TRUE(server_->proc.wait_for_stdout("Processing up to", 10s)) << server_->proc.stdout_text();
    server_->proc.signal(SIGTERM);
  }

  void expect_server_exits_cleanly() {
    EXPECT_EQ(server_->proc.wait(10s), 0) << server_->proc.stderr_text();
    EXPECT_EQ(server_->proc.stderr_text().find("reset"), std::string::npos) << server_->proc.stderr_text();
  }

  std::optional<test::running_server> server_;
  raw_socket peer_;
};

// in × quiet: the client half-closes after every reply has arrived.
TEST_F(server_side, InEndsWhileOutIsQuiet) {
  round_trip(64 * 1024);
  peer_.shutdown_write();
  const auto rest = peer_.recv_until_eof(in(10s));
  EXPECT_EQ(rest.how, ending::eof);
  EXPECT_EQ(rest.data.size(), 0u);
}

// in × backpressured: the client writes until both queues are full without reading, then
// half-closes (its FIN queued behind megabytes), and only then reads everything back.
TEST_F(server_side, InEndsWhileOutIsBackpressured) {
  const std::uint64_t sent = peer_.write_until_stuck(uppercase_request, in(20s));
  RecordProperty("bytes_in_flight", std::to_string(sent));
  // How much the queues hold depends on how far autotuning had grown them; any amount will do,
  // as long as the writer was stopped by full queues (write_until_stuck) and not by the deadline.
  ASSERT_GT(sent, 64u * 1024) << "the kernel queues should hold more than 64 KiB";
  peer_.shutdown_write();
  const auto reply = peer_.recv_until_eof(in(20s));
  EXPECT_EQ(reply.how, ending::eof);
  ASSERT_EQ(reply.data.size(), sent);
  EXPECT_TRUE(reply.data == uppercase_reply(0, sent)) << "the reply differs from the uppercase of the request";
}

// in × done: the server has already ended its sending (SIGTERM: a FIN to every live session);
// the client goes on sending and then half-closes. The server reads it all to that EOF, so
// its close is a FIN, not a reset that would destroy data in flight.
TEST_F(server_side, InEndsAfterOutIsDone) {
  round_trip(16);
  stop_server();
  const auto first = peer_.recv_until_eof(in(10s));
  ASSERT_EQ(first.how, ending::eof) << "the server's stop should end its sending with a FIN";
  EXPECT_EQ(peer_.send_all(uppercase_request(0, 256 * 1024), in(10s)), 256u * 1024);
  peer_.shutdown_write();
  expect_server_exits_cleanly();
  const auto after = peer_.recv_until_eof(in(5s));
  EXPECT_EQ(after.how, ending::eof) << "a reset means the server closed with our data unread";
}

// out × quiet: the server ends its sending (SIGTERM) while nothing is in flight.
TEST_F(server_side, OutEndsWhileInIsQuiet) {
  round_trip(64 * 1024);
  stop_server();
  const auto rest = peer_.recv_until_eof(in(10s));
  EXPECT_EQ(rest.how, ending::eof);
  EXPECT_EQ(rest.data.size(), 0u);
  peer_.shutdown_write();
  expect_server_exits_cleanly();
}

// out × backpressured: the server is stopped while the client has filled both queues and reads
// nothing. What the server had sent arrives intact, then its FIN; the server drains the
// client's bytes to the client's EOF, and both close without a reset.
TEST_F(server_side, OutEndsWhileInIsBackpressured) {
  const std::uint64_t sent = peer_.write_until_stuck(uppercase_request, in(20s));
  RecordProperty("bytes_in_flight", std::to_string(sent));
  stop_server();
  peer_.shutdown_write();
  const auto reply = peer_.recv_until_eof(in(20s));
  EXPECT_EQ(reply.how, ending::eof);
  EXPECT_LE(reply.data.size(), sent);
  EXPECT_TRUE(reply.data == uppercase_reply(0, reply.data.size())) << "what arrived is not the uppercase prefix";
  expect_server_exits_cleanly();
}

// out × done: the client has half-closed and then reads nothing for a while. The server must
// keep its sending open for as long as it owes data: no timer after a half-close (socat's
// 0.5 s default loses data exactly here).
TEST_F(server_side, OutEndsAfterInIsDoneAndTheReaderIsSlow) {
  const std::uint64_t sent = peer_.write_until_stuck(uppercase_request, in(20s));
  RecordProperty("bytes_in_flight", std::to_string(sent));
  peer_.shutdown_write();
  EXPECT_FALSE(peer_.hangup_within(1500ms)) << "the server ended the connection while it still owed data";
  const auto reply = peer_.recv_until_eof(in(20s));
  EXPECT_EQ(reply.how, ending::eof);
  ASSERT_EQ(reply.data.size(), sent);
  EXPECT_TRUE(reply.data == uppercase_reply(0, sent));
}

// --- tcpkit is the client -----------------------------------------------------------------------

// A scripted server on 127.0.0.1:0 running `script` on the one connection it accepts.
class client_side : public ::testing::Test {
 protected:
  template <class Script>
  void serve(Script script) {
    peer_done_ = std::async(std::launch::async, [this, script] {
      raw_socket connection = listener_.accept(in(20s));
      if (!connection) return std::string("nobody connected");
      return script(connection);
    });
  }

  test::process run_client(std::uint64_t bytes, const std::string& strategy) {
    return test::run_tcpkit({"uppercase", "client", "127.0.0.1", std::to_string(bytes), "-p", port_text(listener_.port()),
                             "--strategy", strategy},
                            30s);
  }

  // The peer's verdict: empty if it saw what it expected.
  std::string peer_verdict() {
    if (peer_done_.wait_for(30s) != std::future_status::ready) return "the peer did not finish";
    return peer_done_.get();
  }

  test::raw_listener listener_;
  std::future<std::string> peer_done_;
};

// Reads the client's whole request to its EOF; "" if it is the expected request.
std::string expect_request(raw_socket& connection, std::uint64_t bytes) {
  const auto request = connection.recv_until_eof(in(20s));
  if (request.how != ending::eof) return std::string("request ended by ") + to_string(request.how);
  if (request.data.size() != bytes) return "request of " + std::to_string(request.data.size()) + " bytes";
  if (request.data != uppercase_request(0, bytes)) return "request bytes differ";
  return {};
}

// out × quiet: the server reads the whole request, says nothing until the client's EOF, and
// only then answers. The client's FIN comes after all its bytes; the client then waits for the
// reply without a teardown timer.
TEST_F(client_side, OutEndsWhileInIsQuiet) {
  constexpr std::uint64_t bytes = 1 << 20;
  serve([&](raw_socket& c) {
    std::string verdict = expect_request(c, bytes);
    if (!verdict.empty()) return verdict;
    // Slow on purpose: a client with a teardown timer after its half-close (socat's 0.5 s)
    // would be gone by now, and the reply below would be lost.
    std::this_thread::sleep_for(1500ms);
    c.send_all(uppercase_reply(0, bytes), in(20s));
    c.shutdown_write();
    return std::string();
  });
  auto client = run_client(bytes, "async");
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  EXPECT_EQ(peer_verdict(), "");
}

// out × backpressured: the seed's naive client sends everything before reading, against a
// server that buffers without bound: the client's receive direction is full while its sending
// ends. Its FIN still follows every byte, and every reply byte arrives afterwards.
TEST_F(client_side, OutEndsWhileInIsBackpressured) {
  constexpr std::uint64_t bytes = 8 << 20;
  serve([&](raw_socket& c) {
    std::string request;
    std::uint64_t replied = 0;
    const auto deadline = in(20s);
    // Reads everything at once, replies as far as the client's queue lets it.
    for (bool eof = false; !eof && std::chrono::steady_clock::now() < deadline;) {
      auto chunk = c.recv_until_eof(in(10ms), 1 << 20);
      request += chunk.data;
      eof = chunk.how == ending::eof;
      if (chunk.how == ending::reset) return std::string("reset while reading the request");
      replied += c.send_all(uppercase_reply(replied, request.size() - replied), in(10ms));
    }
    if (request != uppercase_request(0, bytes)) return "request of " + std::to_string(request.size()) + " bytes differs";
    c.send_all(uppercase_reply(replied, bytes - replied), in(20s));
    c.shutdown_write();
    return std::string();
  });
  auto client = run_client(bytes, "naive");
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  EXPECT_EQ(peer_verdict(), "");
}

// out × done: the server knows the request in advance, sends the whole reply and its FIN
// before reading anything, and reads only then. The client's receiving is done while its
// sending is still blocked; it must go on sending, half-close, and succeed.
TEST_F(client_side, OutEndsAfterInIsDone) {
  constexpr std::uint64_t bytes = 8 << 20;
  serve([&](raw_socket& c) {
    if (c.send_all(uppercase_reply(0, bytes), in(20s)) != bytes) return std::string("the reply did not go out");
    c.shutdown_write();
    return expect_request(c, bytes);
  });
  auto client = run_client(bytes, "async");
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  EXPECT_EQ(peer_verdict(), "");
}

// in × quiet: the server ends its sending (a FIN, and no acknowledgement will ever come) while
// the client's sending is open but idle: a lines client whose stdin is a pipe nobody writes to.
// The client must notice the EOF at once, not when its input ends (which may be never), and
// exit 6 saying the server closed without an acknowledgement.
TEST_F(client_side, InEndsWhileOutIsQuiet) {
  serve([&](raw_socket& c) {
    c.shutdown_write();
    return c.hangup_within(20000ms) ? std::string() : std::string("the client never closed");
  });
  test::spawn_options options;
  options.argv = {test::tcpkit_binary(), "lines", "client", "127.0.0.1", "-", "-p", port_text(listener_.port())};
  options.stdin_pipe = true;  // open, and never written to
  const auto start = std::chrono::steady_clock::now();
  auto client = test::process::spawn(options);
  EXPECT_EQ(client.wait(10s), 6) << client.stderr_text();
  EXPECT_NE(client.stderr_text().find("without an acknowledgement"), std::string::npos) << client.stderr_text();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(peer_verdict(), "");
}

// in × backpressured: the server answers the first 64 KiB, sends its FIN, and stops reading, so
// the client's sending is stuck behind full queues when the EOF arrives. The 64 KiB arrive,
// checked, then the EOF; the client reports exactly that and exits 6 without waiting for the
// stall timeout.
TEST_F(client_side, InEndsWhileOutIsBackpressured) {
  constexpr std::size_t answered = 64 * 1024;
  serve([&](raw_socket& c) {
    const auto request = c.recv_exactly(answered, in(20s));
    if (request.data != uppercase_request(0, answered)) return std::string("request prefix differs");
    c.send_all(uppercase_reply(0, answered), in(20s));
    c.shutdown_write();
    // Reading again: everything the client had queued arrives, in order, and then its FIN.
    const auto rest = c.recv_until_eof(in(20s));
    if (rest.how != ending::eof) return std::string("the client's sending ended by ") + to_string(rest.how);
    return rest.data == uppercase_request(answered, rest.data.size()) ? std::string() : std::string("request bytes differ");
  });
  const auto start = std::chrono::steady_clock::now();
  auto client = run_client(64 << 20, "async");
  EXPECT_EQ(client.exit_code(), 6) << client.stderr_text();
  EXPECT_NE(client.stderr_text().find("only received 65536 bytes"), std::string::npos) << client.stderr_text();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s) << "the client waited for its stall timeout";
  EXPECT_EQ(peer_verdict(), "");
}

// in × done: the ordinary end, with the threads strategy against a server that answers as it
// reads: the client's FIN first, then the rest of the reply and the server's FIN.
TEST_F(client_side, InEndsAfterOutIsDone) {
  constexpr std::uint64_t bytes = 4 << 20;
  serve([&](raw_socket& c) {
    std::uint64_t done = 0;
    for (;;) {
      auto chunk = c.recv_until_eof(in(20s), 256 * 1024);
      if (chunk.how == ending::reset || chunk.how == ending::timeout) return std::string("request cut short");
      if (chunk.data != uppercase_request(done, chunk.data.size())) return std::string("request bytes differ");
      c.send_all(uppercase_reply(done, chunk.data.size()), in(20s));
      done += chunk.data.size();
      if (chunk.how == ending::eof) break;
    }
    c.shutdown_write();
    return done == bytes ? std::string() : "request of " + std::to_string(done) + " bytes";
  });
  auto client = run_client(bytes, "threads");
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  EXPECT_EQ(peer_verdict(), "");
}

}  // namespace
}  // namespace tcpkit
