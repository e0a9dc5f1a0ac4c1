// The sixteen-octet server and client as library code, in one process, over loopback.
#include "support/recording_reporter.hpp"
#include "support/session_line.hpp"

#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/io.hpp"
#include "tcpkit/core/listen.hpp"
#include "tcpkit/programs/sixteen.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/use_future.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;
using test::recording_reporter;

// A sixteen server on 127.0.0.1:0 running on its own thread for the duration of a test.
class sixteen_server_fixture : public ::testing::Test {
 protected:
  void start(server_options options = {}) {
    srv_.emplace(open_listener(io_.get_executor(), "127.0.0.1", 0), events_, sixteen_server_options(options));
    port_ = srv_->local_endpoint().port();
    asio::co_spawn(io_, srv_->run(sixteen_handler()), asio::detached);
    thread_ = std::thread([this] { io_.run_for(60s); });  // bounded even if a test forgets to stop
  }

  void TearDown() override {
    if (srv_) asio::post(io_, [this] { srv_->stop(); });
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  sixteen_client_options client() const {
    sixteen_client_options options;
    options.host = "127.0.0.1";
    options.port = port_;
    options.connect.timeout = 5s;
    options.io_timeout = 10s;
    return options;
  }

  asio::io_context io_;
  recording_reporter events_;
  std::optional<server> srv_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(sixteen_server_fixture, ClientAndServerSayTheSeedsLines) {
  start();
  asio::io_context client_io;
  recording_reporter client_events;
  auto future = asio::co_spawn(client_io, async_run_sixteen_client(client(), client_events), asio::use_future);
  client_io.run_for(10s);
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(future.get().reply, "Farewell, client");

  const auto said = client_events.entries();
  ASSERT_EQ(said.size(), 5u);
  EXPECT_EQ(said[0].type, event_type::start);
  EXPECT_EQ(said[1].text.rfind("Client has been assigned socket name 127.0.0.1:", 0), 0u);
  EXPECT_EQ(said[2].text, "The server said \"Farewell, client\"");
  // Then the session's summary (both sides may have sent their FIN before seeing the other's),
  // and the run's end, last.
  EXPECT_EQ(said[3].type, event_type::session);
  EXPECT_TRUE(test::has_session_line(said[3].text, {"client", 16, 16, "(client|server)", "FIN"})) << said[3].text;
  EXPECT_EQ(said[4].type, event_type::end);
}

TEST_F(sixteen_server_fixture, SixtyFourConcurrentClientsCompleteThousandsOfExchanges) {
  start();
  constexpr int kClients = 64;
  constexpr int kEach = 50;  // 3,200 exchanges
  asio::io_context client_io;
  null_reporter quiet;
  std::atomic<int> ok = 0;
  std::atomic<int> failed = 0;
  const auto options = client();
  for (int c = 0; c < kClients; ++c) {
    asio::co_spawn(
        client_io,
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < kEach; ++i) {
            try {
              const auto result = co_await async_run_sixteen_client(options, quiet);
              (result.reply == kFarewell ? ok : failed)++;
            } catch (const std::exception&) {
              failed++;
            }
          }
        },
        asio::detached);
  }
  client_io.run_for(45s);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(ok.load(), kClients * kEach);
}

TEST_F(sixteen_server_fixture, ASilentClientDoesNotHoldUpOthers) {
  start();
  asio::io_context client_io;
  tcp::socket silent(client_io);
  silent.connect({asio::ip::make_address("127.0.0.1"), port_});  // says nothing, stays open
  null_reporter quiet;
  auto future = asio::co_spawn(client_io, async_run_sixteen_client(client(), quiet), asio::use_future);
  client_io.run_for(10s);
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(future.get().reply, kFarewell);
}

TEST_F(sixteen_server_fixture, IdleTimeoutFreesASilentClientsSlot) {
  server_options options;
  options.idle_timeout = 200ms;
  start(options);
  asio::io_context client_io;
  tcp::socket silent(client_io);
  silent.connect({asio::ip::make_address("127.0.0.1"), port_});
  const auto start_time = clock::now();
  std::array<char, 1> buf{};
  std::error_code ec;
  silent.read_some(asio::buffer(buf), ec);  // returns when the server closes us
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_LT(clock::now() - start_time, 5s);
}

TEST_F(sixteen_server_fixture, AnEarlyCloseIsReportedWithTheCountsAndTheServerGoesOn) {
  start();
  asio::io_context client_io;
  {
    tcp::socket early(client_io);
    early.connect({asio::ip::make_address("127.0.0.1"), port_});
    send_all(early, asio::buffer(std::string_view("Hi th")));
    early.shutdown(tcp::socket::shutdown_send);
    std::array<char, 16> buf{};
    std::error_code ec;
    early.read_some(asio::buffer(buf), ec);  // the server closes after logging
  }
  null_reporter quiet;
  auto future = asio::co_spawn(client_io, async_run_sixteen_client(client(), quiet), asio::use_future);
  client_io.restart();
  client_io.run_for(10s);
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(future.get().reply, kFarewell);

  bool logged = false;
  for (const auto& e : events_.entries()) {
    if (e.type == event_type::error &&
        e.text.find("was expecting 16 bytes but only received 5 bytes before the socket closed") != std::string::npos) {
      logged = true;
    }
  }
  EXPECT_TRUE(logged);
}

TEST_F(sixteen_server_fixture, ExtraBytesDoNotCostTheClientItsReply) {
  start();
  auto options = client();
  options.message = std::string(kGreeting) + "!" + std::string(64 << 10, 'x');  // far more than 16
  asio::io_context client_io;
  null_reporter quiet;
  auto future = asio::co_spawn(client_io, async_run_sixteen_client(options, quiet), asio::use_future);
  client_io.run_for(10s);
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(future.get().reply, kFarewell);
}

TEST(SixteenServer, OnceServesOneConnectionThenReturns) {
  asio::io_context io;
  recording_reporter events;
  server_options options;
  options.once = true;
  server srv(open_listener(io.get_executor(), "127.0.0.1", 0), events, sixteen_server_options(options));
  auto served = asio::co_spawn(io, srv.run(sixteen_handler()), asio::use_future);
  sixteen_client_options options_client;
  options_client.host = "127.0.0.1";
  options_client.port = srv.local_endpoint().port();
  null_reporter quiet;
  auto answered = asio::co_spawn(io, async_run_sixteen_client(options_client, quiet), asio::use_future);
  io.run_for(10s);
  ASSERT_EQ(served.wait_for(5s), std::future_status::ready);
  ASSERT_EQ(answered.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(answered.get().reply, kFarewell);
  EXPECT_EQ(srv.stats().accepted, 1u);
  EXPECT_FALSE(srv.last_error());
}

}  // namespace
}  // namespace tcpkit
