// send_all / recv_exact / graceful close over real loopback sockets, against peers that
// split, trickle, stop early or leave input unread.
#include "support/raw_peer.hpp"
#include "support/run_coroutine.hpp"
#include "support/socket_pair.hpp"

#include "tcpkit/core/close.hpp"
#include "tcpkit/core/connect.hpp"
#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/io.hpp"
#include "tcpkit/core/listen.hpp"

#include <asio/co_spawn.hpp>
#include <asio/use_future.hpp>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <future>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;
using test::make_socket_pair;

using test::run_coroutine;

std::string pattern(std::size_t size) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

TEST(Io, RecvExactReassemblesASplitAtEveryOffset) {
  const std::string message = "Hi there, server";
  for (std::size_t split = 0; split <= message.size(); ++split) {
    asio::io_context io;
    auto [client, server] = make_socket_pair(io);
    set_no_delay(client);
    send_all(client, asio::buffer(message.data(), split));
    std::thread rest([&, c = &client] {
      std::this_thread::yield();
      send_all(*c, asio::buffer(message.data() + split, message.size() - split));
    });
    std::string got(16, '\0');
    recv_exact(server, asio::buffer(got));
    rest.join();
    EXPECT_EQ(got, message) << "split at " << split;
  }
}

TEST(Io, AsyncRecvExactReassemblesAOneByteTrickle) {
  asio::io_context io;
  auto [client, server] = make_socket_pair(io);
  set_no_delay(client);
  const std::string message = "Hi there, server";
  std::thread trickler([&, c = &client] {
    for (const char ch : message) send_all(*c, asio::buffer(&ch, 1));  // one segment per byte
  });
  auto read = [&, s = &server]() -> asio::awaitable<std::string> {
    std::string got(16, '\0');
    co_await async_recv_exact(*s, asio::buffer(got));
    co_return got;
  };
  EXPECT_EQ(run_coroutine(io, read()), message);
  trickler.join();
}

TEST(Io, EofBeforeTheCountIsAShortReadCarryingWhatArrived) {
  asio::io_context io;
  auto [client, server] = make_socket_pair(io);
  send_all(client, asio::buffer(std::string_view("Hi th")));
  client.shutdown(tcp::socket::shutdown_send);
  std::string got(16, '\0');
  try {
    recv_exact(server, asio::buffer(got));
    FAIL() << "expected short_read";
  } catch (const short_read& e) {
    EXPECT_EQ(e.expected(), 16u);
    EXPECT_EQ(e.received(), 5u);
    EXPECT_NE(std::string(e.what()).find("was expecting 16 bytes but only received 5 bytes before the socket closed"),
              std::string::npos);
  }
}

TEST(Io, AsyncShortReadNamesThePeerGivenByTheCaller) {
  asio::io_context io;
  auto [client, server] = make_socket_pair(io);
  client.close();
  auto read = [s = &server]() -> asio::awaitable<void> {
    std::array<char, 16> buf{};
    co_await async_recv_exact(*s, asio::buffer(buf), nullptr, "198.51.100.7:1060");
  };
  try {
    run_coroutine(io, read());
    FAIL() << "expected short_read";
  } catch (const short_read& e) {
    EXPECT_EQ(e.received(), 0u);
    EXPECT_EQ(e.endpoint(), "198.51.100.7:1060");
  }
}

TEST(Io, SendAllMovesBuffersFarLargerThanTheKernelsQueues) {
  asio::io_context io;
  auto [client, server] = make_socket_pair(io);
  const std::string data = pattern(32 << 20);  // 32 MiB: many partial sends
  std::thread sender([&, c = &client] {
    send_all(*c, asio::buffer(data));
    c->shutdown(tcp::socket::shutdown_send);
  });
  std::string got(data.size(), '\0');
  recv_exact(server, asio::buffer(got));
  sender.join();
  EXPECT_TRUE(got == data);
}

TEST(Io, AsyncSendAllTouchesTheIdleDeadlineAsBytesMove) {
  asio::io_context io;
  auto [client, server] = make_socket_pair(io);
  idle_deadline idle(50ms);
  const std::string data = pattern(8 << 20);
  std::thread reader([&, s = &server] {
    std::string got(data.size(), '\0');
    recv_exact(*s, asio::buffer(got));
  });
  auto write = [&, c = &client]() -> asio::awaitable<void> { co_await async_send_all(*c, asio::buffer(data), &idle); };
  run_coroutine(io, write());
  reader.join();
  EXPECT_FALSE(idle.has_expired());  // touched at the end of the transfer
}

TEST(Io, SendToAResetPeerIsAnErrorNotSigpipe) {
  asio::io_context io;
  auto [client, server] = make_socket_pair(io);
  abort_connection(server);
  const std::string data = pattern(4 << 20);
  EXPECT_THROW(send_all(client, asio::buffer(data)), error);  // the process is still alive
}

// The lesson of the seed's 17-byte client: reply, then close with unread input pending.
// A graceful close still delivers the whole reply; the peer sees it and then EOF.
TEST(Io, GracefulCloseDeliversTheReplyDespiteUnreadInput) {
  asio::io_context io;
  auto [client, server] = make_socket_pair(io);
  send_all(client, asio::buffer(pattern(64 << 10)));  // request plus junk the server never reads
  const std::string reply = pattern(1 << 20);
  std::thread server_side([&, s = &server] {
    send_all(*s, asio::buffer(reply));
    EXPECT_EQ(graceful_close(*s, 5s), close_how::fin);
  });
  std::string got(reply.size(), '\0');
  recv_exact(client, asio::buffer(got));
  EXPECT_TRUE(got == reply);
  std::array<char, 1> extra{};
  std::error_code ec;
  client.read_some(asio::buffer(extra), ec);
  EXPECT_EQ(ec, asio::error::eof);  // a FIN, not a reset
  client.close();
  server_side.join();
}

TEST(Io, GracefulCloseGivesUpAtTheDrainDeadline) {
  asio::io_context io;
  auto [client, server] = make_socket_pair(io);
  const auto start = clock::now();
  EXPECT_EQ(graceful_close(server, 200ms), close_how::drain_timeout);  // the peer never closes
  EXPECT_LT(clock::now() - start, 5s);
  EXPECT_FALSE(server.is_open());
}

TEST(Io, AsyncGracefulCloseSeesThePeersEof) {
  asio::io_context io;
  auto [client, server] = make_socket_pair(io);
  client.shutdown(tcp::socket::shutdown_send);
  auto close = [s = &server]() -> asio::awaitable<close_how> { co_return co_await async_graceful_close(*s, 5s); };
  EXPECT_EQ(run_coroutine(io, close()), close_how::fin);
}

TEST(Io, AbortiveCloseIsSeenAsAReset) {
  asio::io_context io;
  auto [client, server] = make_socket_pair(io);
  abort_connection(server);
  std::array<char, 1> buf{};
  std::error_code ec;
  client.read_some(asio::buffer(buf), ec);
  EXPECT_EQ(ec, asio::error::connection_reset);
}

TEST(Connect, RefusedIsAnErrorNamingTheEndpoint) {
  asio::io_context io;
  const test::refusing_port refusing;
  const std::uint16_t port = refusing.port();
  try {
    connect_to(io, "127.0.0.1", port);
    FAIL() << "expected an error";
  } catch (const error& e) {
    EXPECT_EQ(e.operation(), "connect");
    EXPECT_EQ(e.endpoint(), "127.0.0.1:" + std::to_string(port));
    EXPECT_EQ(classify(e), exit_status::unreachable);
  }
}

TEST(Connect, TriesEveryAddressInOrder) {
  // "localhost" resolves to 127.0.0.1 here (and to ::1 where /etc/hosts says so); a listener on
  // 127.0.0.1 must be found whichever comes first.
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket socket = connect_to(io, "localhost", acceptor.local_endpoint().port());
  EXPECT_EQ(socket.remote_endpoint(), acceptor.local_endpoint());
}

TEST(Connect, FamilyRestrictionRejectsALiteralOfTheOtherFamily) {
  asio::io_context io;
  connect_options options;
  options.family = address_family::v6;
  EXPECT_THROW(connect_to(io, "127.0.0.1", 1060, options), error);
}

TEST(Connect, ANameThatCannotResolveIsAResolveError) {
  // A 64-character label is invalid in DNS, so the lookup fails locally without any query
  // leaving the machine.
  asio::io_context io;
  const std::string name = std::string(64, 'x') + ".invalid";
  try {
    connect_to(io, name, 1060);
    FAIL() << "expected an error";
  } catch (const error& e) {
    EXPECT_EQ(e.operation(), "resolve");
    EXPECT_EQ(classify(e), exit_status::resolve);
  }
}

TEST(Connect, TimesOutWhenTheListenersQueueIsFull) {
  // A listener that never accepts, with a backlog of 0: once its queue is full the kernel drops
  // further SYNs, so connect() hears nothing, as from a host behind a silent firewall.
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
  connect_options options;
  options.timeout = 500ms;
  const auto start = clock::now();
  try {
    connect_to(io, "127.0.0.1", acceptor.local_endpoint().port(), options);
    FAIL() << "expected a timeout";
  } catch (const error& e) {
    EXPECT_EQ(classify(e), exit_status::timed_out) << e.what();
  }
  EXPECT_LT(clock::now() - start, 3s);
}

TEST(Listen, BusyPortFailsWithAddressInUse) {
  asio::io_context io;
  tcp::acceptor first = open_listener(io.get_executor(), "127.0.0.1", 0);
  try {
    open_listener(io.get_executor(), "127.0.0.1", first.local_endpoint().port());
    FAIL() << "expected an error";
  } catch (const error& e) {
    EXPECT_EQ(e.operation(), "listen");
    EXPECT_EQ(classify(e), exit_status::unreachable);
    EXPECT_NE(std::string(e.what()).find("Address already in use"), std::string::npos);
  }
}

TEST(Listen, NeverSetsReusePort) {
  asio::io_context io;
  tcp::acceptor acceptor = open_listener(io.get_executor(), "127.0.0.1", 0);
  int value = -1;
  socklen_t size = sizeof value;
  ASSERT_EQ(::getsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &value, &size), 0);
  EXPECT_EQ(value, 0);
  asio::socket_base::reuse_address reuse;
  acceptor.get_option(reuse);
  EXPECT_TRUE(reuse.value());
}

TEST(Listen, InterfaceArgumentsMeanWhatTheSeedsSay) {
  EXPECT_EQ(listen_address("", address_family::any), asio::ip::make_address("0.0.0.0"));
  EXPECT_EQ(listen_address("0.0.0.0", address_family::any), asio::ip::make_address("0.0.0.0"));
  EXPECT_EQ(listen_address("", address_family::v6), asio::ip::make_address("::"));
  EXPECT_EQ(listen_address("[::1]", address_family::any), asio::ip::make_address("::1"));
  EXPECT_THROW(listen_address("::1", address_family::v4), error);
}

TEST(Listen, DualStackListenerAcceptsIpv4PeersAndShowsThemAsIpv4) {
  asio::io_context io;
  tcp::acceptor acceptor = open_listener(io.get_executor(), "::", 0);
  tcp::socket client(io);
  client.connect({asio::ip::make_address("127.0.0.1"), acceptor.local_endpoint().port()});
  tcp::socket accepted = acceptor.accept();
  EXPECT_EQ(peer_name(accepted), format_endpoint(client.local_endpoint()));
  EXPECT_EQ(peer_name(accepted).rfind("127.0.0.1:", 0), 0u);
}

}  // namespace
}  // namespace tcpkit
