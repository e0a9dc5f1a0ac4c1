// The uppercase server and the three client strategies as library code, in one process, over
// loopback: results, the seed's lines, the deadlock watchdog, stop requests, and every way a
// server can get the reply wrong.
#include "support/recording_reporter.hpp"
#include "support/session_line.hpp"
#include "support/write_until_stuck.hpp"

#include "tcpkit/core/connection.hpp"
#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/io.hpp"
#include "tcpkit/core/listen.hpp"
#include "tcpkit/programs/uppercase_client.hpp"
#include "tcpkit/programs/uppercase_server.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <asio/write.hpp>
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <filesystem>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using test::recording_reporter;

constexpr uppercase_strategy kAllStrategies[] = {uppercase_strategy::naive, uppercase_strategy::threads,
                                                 uppercase_strategy::async};

// What a misbehaving server does to the stream; the default is a correct uppercase server.
struct fake_behaviour {
  bool uppercase = true;
  std::optional<std::uint64_t> flip_case_at{};  // this offset comes back in the wrong case
  std::optional<std::uint64_t> reply_limit{};   // replies stop after this many bytes (then EOF)
  std::string trailer{};                        // sent after the client's EOF
};

asio::awaitable<void> serve_fake(connection& conn, session_context&, fake_behaviour behaviour) {
  std::vector<unsigned char> buffer(64 * 1024);
  std::uint64_t offset = 0;
  for (;;) {
    std::error_code ec;
    std::size_t n = co_await conn.async_read_some(asio::buffer(buffer), ec);
    if (ec) break;
    if (behaviour.uppercase) uppercase_in_place(buffer.data(), n);
    if (behaviour.flip_case_at && *behaviour.flip_case_at >= offset && *behaviour.flip_case_at < offset + n) {
      buffer[*behaviour.flip_case_at - offset] ^= 0x20;
    }
    if (behaviour.reply_limit) n = static_cast<std::size_t>(std::min<std::uint64_t>(n, *behaviour.reply_limit - std::min(offset, *behaviour.reply_limit)));
    co_await conn.async_send_all(asio::buffer(buffer.data(), n));
    offset += n;
  }
  co_await conn.async_send_all(asio::buffer(behaviour.trailer));
  conn.socket().shutdown(tcp::socket::shutdown_send);
}

// A server on 127.0.0.1:0 running on its own thread for the duration of a test.
class uppercase_fixture : public ::testing::Test {
 protected:
  void start(session_handler handler, server_options options = {}) {
    srv_.emplace(open_listener(io_.get_executor(), "127.0.0.1", 0), events_, options);
    port_ = srv_->local_endpoint().port();
    asio::co_spawn(io_, srv_->run(std::move(handler)), asio::detached);
    thread_ = std::thread([this] { io_.run_for(120s); });  // bounded even if a test forgets to stop
  }
  void start_uppercase(server_options options = {}, std::size_t chunk = kDefaultChunk) {
    start(uppercase_handler(chunk), options);
  }
  void start_fake(fake_behaviour behaviour) {
    start([behaviour](connection& conn, session_context& context) { return serve_fake(conn, context, behaviour); });
  }

  void TearDown() override {
    if (srv_) asio::post(io_, [this] { srv_->stop(); });
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  uppercase_client_options client(uppercase_strategy strategy, std::uint64_t bytes) const {
    uppercase_client_options options;
    options.host = "127.0.0.1";
    options.port = port_;
    options.connect.timeout = 5s;
    options.strategy = strategy;
    options.bytecount = bytes;
    options.stall_timeout = 20s;  // a test that does not expect a stall must fail, not pass slowly
    options.io_timeout = 20s;
    return options;
  }

  tcp::socket connect_raw(asio::io_context& io) const {
    tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), port_});
    return socket;
  }

  asio::io_context io_;
  recording_reporter events_;
  std::optional<server> srv_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

std::vector<std::string> texts(const recording_reporter& events) {
  std::vector<std::string> out;
  for (const auto& e : events.entries()) {
    if (!e.text.empty()) out.push_back(e.text);
  }
  return out;
}

TEST_F(uppercase_fixture, NaiveSaysTheSeedsLinesInOrder) {
  start_uppercase();
  recording_reporter events;
  const auto result = run_uppercase_client(client(uppercase_strategy::naive, 16), events);
  EXPECT_EQ(result.bytes_received, 16u);
  const auto lines = texts(events);
  ASSERT_EQ(lines.size(), 7u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0], "Sending 16 bytes of data, in chunks of 16 bytes");
  EXPECT_EQ(lines[1], "  16 bytes sent");
  EXPECT_EQ(lines[2], "Receiving all the data the server sends back");
  EXPECT_EQ(lines[3], "  The first data received says \"CAPITALIZE THIS!\"");
  EXPECT_EQ(lines[4], "  16 bytes received");
  // The client half-closes before the server can close: it is always first. The run's end, last.
  EXPECT_TRUE(test::has_session_line(lines[5], {"client", 16, 16, "client", "FIN"})) << lines[5];
  EXPECT_EQ(lines[6].rfind("Sent 16 bytes and received 16 bytes in ", 0), 0u) << lines[6];
}

TEST_F(uppercase_fixture, EveryStrategyHandlesSmallAndOddCounts) {
  start_uppercase();
  for (const auto strategy : kAllStrategies) {
    for (const std::uint64_t bytes : {0u, 1u, 17u, 1000u, 100000u}) {
      null_reporter quiet;
      const auto result = run_uppercase_client(client(strategy, bytes), quiet);
      EXPECT_EQ(result.bytes_total, round_up_to_messages(bytes));
      EXPECT_EQ(result.bytes_sent, result.bytes_total) << to_string(strategy) << " " << bytes;
      EXPECT_EQ(result.bytes_received, result.bytes_total) << to_string(strategy) << " " << bytes;
      EXPECT_FALSE(result.interrupted);
    }
  }
}

TEST_F(uppercase_fixture, ConcurrentStrategiesStreamWithAnySendReceiveAndChunkSize) {
  start_uppercase({}, kSeedChunk);  // the seed's 1024-byte reads
  struct sizes {
    uppercase_strategy strategy;
    std::size_t send, recv;
  };
  for (const auto& s : {sizes{uppercase_strategy::async, 65537, 4099}, sizes{uppercase_strategy::threads, 1000, 100003},
                        sizes{uppercase_strategy::async, 1, 1}}) {
    auto options = client(s.strategy, s.send == 1 ? 4096 : 8 << 20);
    options.send_size = s.send;
    options.recv_size = s.recv;
    null_reporter quiet;
    const auto result = run_uppercase_client(options, quiet);
    EXPECT_EQ(result.bytes_received, options.bytecount) << to_string(s.strategy) << " send " << s.send;
  }
}

TEST_F(uppercase_fixture, NaiveDeadlockIsDiagnosedWithTheQueuesAndStopped) {
  start_uppercase();
  auto options = client(uppercase_strategy::naive, 256u << 20);
  options.stall_timeout = 1s;
  recording_reporter events;
  const auto start = clock::now();
  try {
    run_uppercase_client(options, events);
    FAIL() << "256 MiB through the naive client did not deadlock";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), make_error_code(errc::stalled)) << e.what();
    EXPECT_EQ(classify(e.code()), exit_status::deadlock);
    EXPECT_EQ(e.operation(), "send");
  }
  EXPECT_LT(clock::now() - start, 20s);
  std::optional<recording_reporter::entry> diagnosis;  // the first error: the run's own follows it
  for (const auto& e : events.entries()) {
    if (e.type == event_type::error && !diagnosis) diagnosis = e;
  }
  ASSERT_TRUE(diagnosis);
  EXPECT_EQ(diagnosis->text.rfind("Deadlock: nothing has moved in either direction for ", 0), 0u) << diagnosis->text;
  EXPECT_NE(diagnosis->text.find("our send queue:"), std::string::npos);
  EXPECT_NE(diagnosis->text.find("--strategy threads"), std::string::npos);
  EXPECT_NE(diagnosis->json.find("\"queues_known\":true"), std::string::npos) << diagnosis->json;
  EXPECT_EQ(diagnosis->json.find("\"send_queue_bytes\":0,"), std::string::npos) << "our send queue must be full";
  EXPECT_NE(diagnosis->json.find("\"bytes_received\":0,"), std::string::npos) << "naive reads nothing while sending";
  EXPECT_NE(diagnosis->json.find("\"deadlock\":true"), std::string::npos) << diagnosis->json;
}

// Requests a stop at the first sign of progress: a deterministic "Ctrl-C mid-transfer".
class stop_on_progress final : public reporter {
 public:
  stop_on_progress(reporter& inner, std::stop_source& stop) : inner_(inner), stop_(stop) {}
  void emit(const event& e) override {
    inner_.emit(e);
    if (e.type == event_type::progress) stop_.request_stop();
  }

 private:
  reporter& inner_;
  std::stop_source& stop_;
};

TEST_F(uppercase_fixture, AStopRequestEndsEveryStrategyWithAnAccuratePartialResult) {
  start_uppercase();
  for (const auto strategy : kAllStrategies) {
    std::stop_source stop;
    recording_reporter events;
    stop_on_progress reporter(events, stop);
    const auto start = clock::now();
    const auto result = run_uppercase_client(client(strategy, std::uint64_t{1} << 40), reporter, stop.get_token());
    EXPECT_LT(clock::now() - start, 10s) << to_string(strategy);
    EXPECT_TRUE(result.interrupted) << to_string(strategy);
    EXPECT_GT(result.bytes_sent, 0u);
    EXPECT_LT(result.bytes_sent, result.bytes_total);
    EXPECT_LE(result.bytes_received, result.bytes_sent);
    const auto entries = events.entries();
    ASSERT_GE(entries.size(), 2u);
    // The session's summary with the same counts, then the run's end, last.
    const auto& session = entries[entries.size() - 2];
    EXPECT_EQ(session.type, event_type::session);
    EXPECT_TRUE(test::has_session_line(session.text,
                                       {"client", result.bytes_sent, result.bytes_received, "client", "interrupted"}))
        << to_string(strategy) << ": " << session.text;
    const auto& end = entries.back();
    EXPECT_EQ(end.type, event_type::end);
    EXPECT_EQ(end.text.rfind("Interrupted after ", 0), 0u) << end.text;
    EXPECT_NE(end.json.find("\"bytes_sent\":" + std::to_string(result.bytes_sent)), std::string::npos);
    EXPECT_NE(end.json.find("\"close_how\":\"interrupted\""), std::string::npos) << end.json;
  }
}

// Like Ctrl-C in the CLI, where the process-wide SIGINT may land on any thread: at the first
// progress line, a signal to every thread of this process (a no-op handler, without
// SA_RESTART, so that blocked calls fail with EINTR), then the stop request.
class signal_every_thread_then_stop final : public reporter {
 public:
  explicit signal_every_thread_then_stop(std::stop_source& stop) : stop_(stop) {
    struct sigaction action {};
    action.sa_handler = [](int) {};
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGUSR1, &action, &previous_);
  }
  ~signal_every_thread_then_stop() override { ::sigaction(SIGUSR1, &previous_, nullptr); }

  void emit(const event& e) override {
    if (e.type != event_type::progress || stop_.stop_requested()) return;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      ::syscall(SYS_tgkill, ::getpid(), std::stoi(task.path().filename().string()), SIGUSR1);
    }
    stop_.request_stop();
  }

 private:
  std::stop_source& stop_;
  struct sigaction previous_ {};
};

TEST_F(uppercase_fixture, ASignalInterruptingABlockedSendOrReceiveIsNotAnError) {
  // A server that neither reads nor answers: the threads client's receiver is blocked from the
  // start, and its sender as soon as the buffers are full, when the signal comes.
  start([](connection&, session_context&) -> asio::awaitable<void> { co_await sleep_for(std::chrono::hours(1)); });
  std::stop_source stop;
  signal_every_thread_then_stop reporter(stop);
  const auto result = run_uppercase_client(client(uppercase_strategy::threads, std::uint64_t{1} << 40), reporter,
                                           stop.get_token());
  EXPECT_TRUE(result.interrupted);
  EXPECT_GT(result.bytes_sent, 0u);
}

// Throws from the progress line the strategies' monitors draw every tick.
class progress_line_fails final : public reporter {
 public:
  void emit(const event& e) override {
    if (e.transient) throw std::runtime_error("the progress line could not be drawn");
  }
};

TEST_F(uppercase_fixture, AReporterThatThrowsInTheMonitorEndsEveryStrategyWithItsError) {
  start_uppercase();
  for (const auto strategy : kAllStrategies) {
    progress_line_fails reporter;
    const auto start = clock::now();
    try {
      run_uppercase_client(client(strategy, std::uint64_t{1} << 30), reporter);  // done in ~1 s if the failure were lost
      ADD_FAILURE() << to_string(strategy) << ": no error";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "the progress line could not be drawn") << to_string(strategy);
    }
    EXPECT_LT(clock::now() - start, 10s) << to_string(strategy);
  }
}

void expect_error(const uppercase_client_options& options, errc code, std::string_view message) {
  null_reporter quiet;
  try {
    run_uppercase_client(options, quiet);
    ADD_FAILURE() << to_string(options.strategy) << ": no error, expected " << message;
  } catch (const error& e) {
    EXPECT_EQ(e.code(), make_error_code(code)) << e.what();
    EXPECT_NE(std::string_view(e.what()).find(message), std::string_view::npos) << e.what();
    EXPECT_EQ(classify(e.code()), exit_status::peer);
  }
}

TEST_F(uppercase_fixture, AnEchoServerIsCaughtAtTheFirstByte) {
  start_fake({.uppercase = false});
  for (const auto strategy : kAllStrategies) {
    expect_error(client(strategy, 100000), errc::data_mismatch,
                 "byte 0 of the reply is \"c\", expected \"C\" (the uppercase of the \"c\" sent)");
  }
}

TEST_F(uppercase_fixture, OneWrongByteDeepInTheStreamIsCaught) {
  start_fake({.flip_case_at = 123457});
  for (const auto strategy : kAllStrategies) {
    expect_error(client(strategy, 200000), errc::data_mismatch, "byte 123457 of the reply is");
  }
}

TEST_F(uppercase_fixture, AShortReplyIsAShortRead) {
  start_fake({.reply_limit = 50000});
  for (const auto strategy : kAllStrategies) {
    expect_error(client(strategy, 100000), errc::short_read,
                 "was expecting 100000 bytes but only received 50000 bytes before the socket closed");
  }
}

TEST_F(uppercase_fixture, ExtraBytesAreAMismatch) {
  start_fake({.trailer = "!"});
  for (const auto strategy : kAllStrategies) {
    expect_error(client(strategy, 1600), errc::data_mismatch, "the server sent more than the 1600 bytes it was sent");
  }
}

asio::awaitable<void> send_then_half_close(tcp::socket& socket, std::string data) {
  co_await async_send_all(socket, asio::buffer(data));
  socket.shutdown(tcp::socket::shutdown_send);
}

asio::awaitable<void> receive_until_eof(tcp::socket& socket, std::string& reply) {
  std::array<char, 65536> buffer;
  for (;;) {
    std::error_code ec;
    const std::size_t n = co_await socket.async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::eof) co_return;
    if (ec) throw std::system_error(ec, "recv");
    reply.append(buffer.data(), n);
  }
}

// Sends `data` to the server on `port` while reading its reply until EOF, both at once (the
// server answers each chunk before it reads the next). Fails the test after 10 s.
std::string round_trip(std::uint16_t port, std::string data) {
  std::string reply;  // declared before `io`: pending coroutines may refer to it until io dies
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  auto done = asio::co_spawn(io, run_both(send_then_half_close(socket, std::move(data)), receive_until_eof(socket, reply)),
                             asio::use_future);
  io.run_for(10s);
  if (done.wait_for(5s) != std::future_status::ready) {
    ADD_FAILURE() << "no reply and EOF within 10 s; " << reply.size() << " bytes received";
    return reply;
  }
  done.get();  // rethrows a send or receive error
  return reply;
}

// Every byte value (and some UTF-8, NUL, 0xFF) through the server; only a-z may change.
void expect_byte_transparent(std::uint16_t port, int rounds) {
  std::string data = "caf\xc3\xa9 \xe2\x82\xac na\xc3\xafve \x00\xff"s;
  for (int round = 0; round < rounds; ++round) {
    for (int value = 0; value < 256; ++value) data += static_cast<char>(value);
  }
  std::string expected = data;
  for (char& c : expected) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  const std::string reply = round_trip(port, data);
  ASSERT_EQ(reply.size(), expected.size());
  EXPECT_TRUE(reply == expected);
}

TEST_F(uppercase_fixture, AllByteValuesRoundTripWithOnlyLettersChanged) {
  start_uppercase();
  expect_byte_transparent(port_, 1000);
}

TEST_F(uppercase_fixture, AllByteValuesRoundTripOneByteAtATime) {
  start_uppercase({}, 1);
  expect_byte_transparent(port_, 4);
}

TEST_F(uppercase_fixture, AClientThatNeverReadsIsClosedByTheIdleTimeoutWhileOthersAreServed) {
  server_options options;
  options.idle_timeout = 1s;
  start_uppercase(options);
  asio::io_context io;
  tcp::socket greedy = connect_raw(io);
  // A pause of the server on a busy machine can look like "stuck" before its chunk is full:
  // keep writing until past it (a server that really stopped reading fails this within 20 s).
  const auto deadline = clock::now() + 20s;
  std::uint64_t written = 0;
  while (written <= kDefaultChunk && clock::now() < deadline && !HasFailure()) {
    written += test::write_until_stuck(greedy, deadline);
  }
  EXPECT_GT(written, kDefaultChunk);

  null_reporter quiet;
  const auto other = run_uppercase_client(client(uppercase_strategy::async, 4 << 20), quiet);
  EXPECT_EQ(other.bytes_received, 4u << 20);

  // The server gives up on the greedy client: its socket is reset or closed.
  // Readable is not enough (the server's replies are there to read): wait for its FIN or reset.
  pollfd pfd{greedy.native_handle(), POLLRDHUP, 0};
  ASSERT_EQ(::poll(&pfd, 1, 10000), 1) << "the idle client was not closed";
  bool idle_reported = false;
  for (const auto& e : events_.entries()) {
    idle_reported = idle_reported || (e.type == event_type::error && e.text.find("no progress for 1 s") != std::string::npos);
  }
  EXPECT_TRUE(idle_reported);
}

// A session still open when its server object is destroyed: the io_context, destroyed after
// the server (as in this fixture, and in the CLI), destroys the session's coroutine frame
// later, and its buffer gives its growth back to the budget then. The session owns a share
// of the budget, so that is safe; when the budget belonged to the handler alone, this was a
// heap-use-after-free that the ASan and TSan builds report (and abort on) at teardown.
TEST_F(uppercase_fixture, ASessionStillOpenWhenItsServerIsDestroyedGivesItsBufferBackSafely) {
  start_uppercase();
  asio::io_context io;
  tcp::socket open_session = connect_raw(io);
  // Enough bytes in one go that the server's reads fill its buffer and it grows (taking from
  // the budget): 8 KiB doubles to 256 KiB within a few reads.
  const std::string sent(1 << 20, 'a');
  asio::write(open_session, asio::buffer(sent));
  std::string back(sent.size(), '\0');
  asio::read(open_session, asio::buffer(back));
  EXPECT_EQ(back, std::string(sent.size(), 'A'));
  // The session now waits for more. Stop the loop without letting it end, then destroy the
  // server first; the fixture's io_context goes last and destroys the pending frame.
  io_.stop();
  thread_.join();
  srv_.reset();
}

}  // namespace
}  // namespace tcpkit
