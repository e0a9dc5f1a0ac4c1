// lingering_closes: graceful closes that nobody awaits, drained on the loop. The peer is a
// plain loopback socket driven by the test; every loop runs for a bounded time (run_for), and
// every wait for a condition has a deadline.
//
// accept_ready: the server's accept, the connection non-blocking and close-on-exec from the
// start.
#include "tcpkit/core/accept.hpp"
#include "tcpkit/core/lingering_close.hpp"

#include "support/socket_pair.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <string>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;

// Runs `io` until `done()` holds, for at most `limit`; says whether it held.
template <typename Condition>
bool run_until(asio::io_context& io, Condition done, clock::duration limit = 5s) {
  const auto give_up = clock::now() + limit;
  while (!done() && clock::now() < give_up) {
    io.restart();
    io.run_for(5ms);
  }
  return done();
}

// What the peer reads until its EOF (or a reset: then `reset` is set), blocking, within 5 s.
std::string read_to_eof(tcp::socket& peer, bool* reset = nullptr) {
  std::string received;
  std::array<char, 4096> chunk;
  const auto give_up = clock::now() + 5s;
  while (clock::now() < give_up) {
    pollfd pfd{peer.native_handle(), POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0) continue;
    std::error_code ec;
    const std::size_t n = peer.read_some(asio::buffer(chunk), ec);
    if (ec) {
      if (reset != nullptr) *reset = ec != asio::error::eof;
      break;
    }
    received.append(chunk.data(), n);
  }
  return received;
}

// The peer's socket, once this side's has been closed: what it sends is answered with a reset
// instead of being drained, and its next send fails. Probes once per 10 ms, within 5 s.
bool peer_sees_closed(tcp::socket& peer) {
  const auto give_up = clock::now() + 5s;
  while (clock::now() < give_up) {
    const char byte = 'x';
    if (::send(peer.native_handle(), &byte, 1, MSG_NOSIGNAL) < 0) return errno == ECONNRESET || errno == EPIPE;
    ::poll(nullptr, 0, 10);
  }
  return false;
}

TEST(LingeringClose, APeerThatHasClosedAlreadyIsClosedBeforeCloseReturns) {
  asio::io_context io;
  auto [peer, ours] = test::make_socket_pair(io);
  asio::write(ours, asio::buffer(std::string("reply")));
  peer.shutdown(tcp::socket::shutdown_send);
  ASSERT_TRUE(run_until(io, [&] {  // until the peer's FIN is in our queue
    pollfd pfd{ours.native_handle(), POLLIN, 0};
    return ::poll(&pfd, 1, 0) > 0;
  }));

  lingering_closes closes(io.get_executor());
  closes.close(std::move(ours));
  EXPECT_EQ(closes.draining(), 0u);
  EXPECT_EQ(read_to_eof(peer), "reply");  // then our FIN
}

TEST(LingeringClose, TheReplyArrivesWholeThenTheFinAndTheDrainEndsAtThePeersEof) {
  asio::io_context io;
  auto [peer, ours] = test::make_socket_pair(io);
  const std::string reply(256 * 1024, 'r');  // more than one segment, less than the buffers hold
  asio::write(ours, asio::buffer(reply));
  lingering_closes closes(io.get_executor());
  closes.close(std::move(ours));
  ASSERT_EQ(closes.draining(), 1u);

  EXPECT_EQ(read_to_eof(peer), reply);
  // The peer's last words are read and discarded, not answered with a reset.
  asio::write(peer, asio::buffer(std::string(100'000, 'p')));
  peer.shutdown(tcp::socket::shutdown_send);
  EXPECT_TRUE(run_until(io, [&] { return closes.draining() == 0; }));
}

TEST(LingeringClose, APeerThatNeverClosesIsClosedAtTheLimitWithinATenth) {
  asio::io_context io;
  auto [peer, ours] = test::make_socket_pair(io);
  lingering_closes closes(io.get_executor(), 200ms);
  const auto start = clock::now();
  closes.close(std::move(ours));
  ASSERT_TRUE(run_until(io, [&] { return closes.draining() == 0; }));
  const auto took = clock::now() - start;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 200ms + 20ms + 100ms);  // a tick (a tenth), and the test loop's own slack
  EXPECT_TRUE(peer_sees_closed(peer));
}

TEST(LingeringClose, APeerThatKeepsSendingIsClosedAtTheLimitToo) {
  asio::io_context io;
  auto [peer, ours] = test::make_socket_pair(io);
  peer.non_blocking(true);
  lingering_closes closes(io.get_executor(), 200ms);
  closes.close(std::move(ours));
  const auto start = clock::now();
  const std::array<char, 1024> chunk{};
  const bool closed = run_until(io, [&] {
    std::error_code ignored;
    peer.write_some(asio::buffer(chunk), ignored);  // as much as the peer's queue takes
    return closes.draining() == 0;
  });
  ASSERT_TRUE(closed);
  EXPECT_LT(clock::now() - start, 200ms + 20ms + 100ms);
}

TEST(LingeringClose, TheDrainsEndInTheOrderTheyBeganEachAtItsOwnLimit) {
  asio::io_context io;
  lingering_closes closes(io.get_executor(), 300ms);
  auto [first_peer, first] = test::make_socket_pair(io);
  auto [second_peer, second] = test::make_socket_pair(io);
  closes.close(std::move(first));
  ASSERT_TRUE(run_until(io, [] { return false; }, 150ms) == false);  // 150 ms pass
  closes.close(std::move(second));
  ASSERT_EQ(closes.draining(), 2u);

  ASSERT_TRUE(run_until(io, [&] { return closes.draining() == 1; }));  // the first, at ~300 ms
  ASSERT_TRUE(run_until(io, [&] { return closes.draining() == 0; }));  // the second, at ~450 ms
  first_peer.shutdown(tcp::socket::shutdown_send);
  second_peer.shutdown(tcp::socket::shutdown_send);
}

TEST(LingeringClose, UntilEmptyReturnsWhenTheLastDrainEnds) {
  asio::io_context io;
  auto [peer, ours] = test::make_socket_pair(io);
  lingering_closes closes(io.get_executor());
  closes.close(std::move(ours));
  bool emptied = false;
  asio::co_spawn(io, closes.async_until_empty(), [&](std::exception_ptr) { emptied = true; });
  EXPECT_FALSE(run_until(io, [&] { return emptied; }, 100ms));
  peer.shutdown(tcp::socket::shutdown_send);
  EXPECT_TRUE(run_until(io, [&] { return emptied; }));
  EXPECT_EQ(closes.draining(), 0u);
}

TEST(LingeringClose, WoundDownTheLoopRunsOutOfWorkWithTheLastDrain) {
  asio::io_context io;
  auto [peer, ours] = test::make_socket_pair(io);
  lingering_closes closes(io.get_executor());  // 2 s: the loop must not wait for its timer
  closes.close(std::move(ours));
  closes.wind_down();
  peer.shutdown(tcp::socket::shutdown_send);
  const auto start = clock::now();
  io.run_for(5s);  // returns as soon as no work is left
  EXPECT_LT(clock::now() - start, 1s);
  EXPECT_EQ(closes.draining(), 0u);
}

TEST(LingeringClose, ADrainBegunWhileTheWoundDownTimerIsBeingCancelledIsStillBounded) {
  asio::io_context io;
  lingering_closes closes(io.get_executor(), 200ms);
  closes.wind_down();
  auto [first_peer, first] = test::make_socket_pair(io);
  closes.close(std::move(first));  // arms the timer
  first_peer.shutdown(tcp::socket::shutdown_send);
  // One handler at a time, until the first drain has ended: the set is empty and wound down,
  // so the timer is cancelled, its handler not run yet.
  const auto give_up = clock::now() + 5s;
  while (closes.draining() != 0 && clock::now() < give_up) io.run_one_for(10ms);
  ASSERT_EQ(closes.draining(), 0u);

  auto [second_peer, second] = test::make_socket_pair(io);
  const auto start = clock::now();
  closes.close(std::move(second));  // its peer never closes: only the limit ends it
  ASSERT_TRUE(run_until(io, [&] { return closes.draining() == 0; }, 2s)) << "the second drain had no bound";
  EXPECT_LT(clock::now() - start, 200ms + 20ms + 100ms);
  EXPECT_TRUE(peer_sees_closed(second_peer));
}

TEST(LingeringClose, DestroyingTheSetClosesWhatStillDrains) {
  asio::io_context io;
  auto [peer, ours] = test::make_socket_pair(io);
  {
    lingering_closes closes(io.get_executor());
    closes.close(std::move(ours));
    io.run_for(20ms);
  }
  io.restart();
  io.run_for(50ms);  // the aborted read completes after the set is gone, and frees its drain
  EXPECT_EQ(read_to_eof(peer), "");
  EXPECT_TRUE(peer_sees_closed(peer));
}

TEST(AcceptReady, TakesWhatTheBacklogHoldsNonBlockingAndCloseOnExecThenWouldBlock) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  acceptor.non_blocking(true);
  tcp::socket client(io);
  client.connect(acceptor.local_endpoint());

  tcp::endpoint peer;
  std::error_code ec;
  tcp::socket accepted = accept_ready(acceptor, io.get_executor(), peer, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(peer, client.local_endpoint());
  EXPECT_EQ(accepted.remote_endpoint(), client.local_endpoint());
  EXPECT_NE(::fcntl(accepted.native_handle(), F_GETFL) & O_NONBLOCK, 0);
  EXPECT_NE(::fcntl(accepted.native_handle(), F_GETFD) & FD_CLOEXEC, 0);

  // Asio's blocking read on it still blocks until data comes (it waits with poll()).
  asio::write(client, asio::buffer(std::string("sixteen octets!!")));
  std::array<char, 16> got{};
  asio::read(accepted, asio::buffer(got));
  EXPECT_EQ(std::string(got.data(), got.size()), "sixteen octets!!");

  tcp::socket none = accept_ready(acceptor, io.get_executor(), peer, ec);
  EXPECT_EQ(ec, std::error_code(asio::error::would_block));
  EXPECT_FALSE(none.is_open());
}

TEST(AcceptReady, AnIpv6PeerComesWithItsAddress) {
  asio::io_context io;
  tcp::acceptor acceptor(io);
  std::error_code ec;
  acceptor.open(tcp::v6(), ec);
  if (!ec) acceptor.bind(tcp::endpoint(asio::ip::address_v6::loopback(), 0), ec);
  if (ec) GTEST_SKIP() << "no IPv6 loopback here: " << ec.message();
  acceptor.listen();
  acceptor.non_blocking(true);
  tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  tcp::endpoint peer;
  tcp::socket accepted = accept_ready(acceptor, io.get_executor(), peer, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(peer, client.local_endpoint());
  EXPECT_TRUE(peer.address().is_v6());
}

}  // namespace
}  // namespace tcpkit
