// The lines service as library code over real loopback sockets: the line reader against peers
// that trickle and flood, the istream adapter, the server and client together, backpressure
// from a sink that stops taking lines, and the stdout/stdin plumbing (fd_sink, fd_source).
#include "support/run_coroutine.hpp"
#include "support/recording_reporter.hpp"
#include "support/scale.hpp"
#include "support/session_line.hpp"
#include "support/socket_pair.hpp"

#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/fd_sink.hpp"
#include "tcpkit/core/fd_source.hpp"
#include "tcpkit/core/io.hpp"
#include "tcpkit/core/line_reader.hpp"
#include "tcpkit/programs/lines_client.hpp"
#include "tcpkit/programs/lines_server.hpp"
#include "tcpkit/core/listen.hpp"
#include "tcpkit/core/socket_istream.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_future.hpp>
#include <asio/write.hpp>
#include <fcntl.h>
#include <poll.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <future>
#include <mutex>
#include <random>
#include <thread>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;
using test::make_socket_pair;
using test::recording_reporter;

// Lines tests move megabytes: a longer bound than the default.
template <typename T>
T run_coroutine(asio::io_context& io, asio::awaitable<T> coroutine) {
  return test::run_coroutine(io, std::move(coroutine), 20s);
}

// Random printable lines, some CRLF, some empty, ending in `tail`.
std::string random_lines(std::size_t approx_bytes, unsigned seed, std::string_view tail = "no newline at the end") {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> length(0, 200);
  std::uniform_int_distribution<int> printable(32, 126);
  std::string data;
  data.reserve(approx_bytes + 256);
  while (data.size() < approx_bytes) {
    for (int n = length(rng); n > 0; --n) data += static_cast<char>(printable(rng));
    data += rng() % 10 == 0 ? "\r\n" : "\n";
  }
  data += tail;
  return data;
}

// --- line_reader ---------------------------------------------------------------------------

TEST(LineReader, ReadsLinesTrickledOneByteAtATime) {
  asio::io_context io;
  auto [client, server] = make_socket_pair(io);
  set_no_delay(client);
  const std::string sent = "one\r\ntwo\n\nthree";
  std::thread trickler([&, c = &client] {
    for (const char ch : sent) send_all(*c, asio::buffer(&ch, 1));
    c->shutdown(tcp::socket::shutdown_send);
  });
  auto read_all = [s = &server]() -> asio::awaitable<std::vector<std::pair<std::string, bool>>> {
    line_reader reader(*s);
    std::vector<std::pair<std::string, bool>> lines;
    while (auto l = co_await reader.async_read_line()) lines.emplace_back(std::string(l->text()), l->terminated);
    EXPECT_EQ(reader.lines_read(), 4u);
    EXPECT_EQ(reader.bytes_read(), 15u);
    co_return lines;
  };
  const auto lines = run_coroutine(io, read_all());
  trickler.join();
  const std::vector<std::pair<std::string, bool>> expected = {{"one", true}, {"two", true}, {"", true}, {"three", false}};
  EXPECT_EQ(lines, expected);
}

TEST(LineReader, BlockingFormReadsWhatTheCoroutineFormReads) {
  asio::io_context io;
  auto [client, server] = make_socket_pair(io);
  const std::string sent = random_lines(3 << 20, 7);
  std::thread sender([&, c = &client] {
    send_all(*c, asio::buffer(sent));
    c->shutdown(tcp::socket::shutdown_send);
  });
  line_reader reader(server);
  std::string copy;
  bool last_terminated = true;
  while (auto l = reader.read_line()) {
    copy += l->bytes;
    last_terminated = l->terminated;
  }
  sender.join();
  EXPECT_TRUE(copy == sent);
  EXPECT_FALSE(last_terminated);
}

TEST(LineReader, AnOverlongLineIsAnErrorNamingThePeerNotAnAllocation) {
  asio::io_context io;
  auto [client, server] = make_socket_pair(io);
  std::thread flooder([c = &client] {
    const std::string flood(1 << 20, 'x');
    std::error_code ec;
    for (int i = 0; i < 64 && !ec; ++i) asio::write(*c, asio::buffer(flood), ec);  // ends when the reader closes
  });
  auto read = [s = &server]() -> asio::awaitable<std::string> {
    line_reader reader(*s, 1000, "198.51.100.7:1060");
    try {
      while (co_await reader.async_read_line()) {
      }
    } catch (const error& e) {
      EXPECT_EQ(e.code(), errc::line_too_long);
      s->close();
      co_return e.what();
    }
    co_return "no error";
  };
  EXPECT_EQ(run_coroutine(io, read()), "recv 198.51.100.7:1060: line too long (over 1000 bytes)");
  flooder.join();
}

TEST(LineReader, NeverKeepsTheConnectionOpen) {
  // Python's makefile() pitfall: sock.close() while the file object lives leaves the
  // connection open, and the peer waits forever. Here closing the socket closes it, reader
  // or not, and the reader's destruction does nothing to it.
  asio::io_context io;
  auto [client, server] = make_socket_pair(io);
  send_all(client, asio::buffer(std::string_view("first\n")));
  {
    line_reader reader(server);
    ASSERT_EQ(reader.read_line()->text(), "first");
  }  // reader gone: the socket is untouched and still readable
  send_all(client, asio::buffer(std::string_view("second\n")));
  line_reader reader(server);
  ASSERT_EQ(reader.read_line()->text(), "second");
  server.close();  // while `reader` is alive

  pollfd ready{client.native_handle(), POLLIN, 0};
  ASSERT_EQ(::poll(&ready, 1, 5000), 1) << "the peer was not told about the close";
  std::array<char, 16> buf{};
  std::error_code ec;
  client.read_some(asio::buffer(buf), ec);
  EXPECT_EQ(ec, asio::error::eof);
}

// --- socket_istream ------------------------------------------------------------------------

TEST(SocketIstream, StdGetlineReadsLinesAndTheLastOneWithoutNewline) {
  asio::io_context io;
  auto [client, server] = make_socket_pair(io);
  send_all(client, asio::buffer(std::string_view("alpha\nbeta\r\n\nlast")));
  client.shutdown(tcp::socket::shutdown_send);

  socket_istream in(server);
  std::vector<std::string> lines;
  bool last_had_newline = true;
  for (std::string text; std::getline(in, text);) {
    lines.push_back(text);
    last_had_newline = !in.eof();  // getline sets eofbit when the line ended at EOF
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"alpha", "beta\r", "", "last"}));  // std::getline keeps the CR
  EXPECT_FALSE(last_had_newline);
  EXPECT_TRUE(in.eof());
  EXPECT_FALSE(in.bad());
}

TEST(SocketIstream, WorksWithAnyIstreamConsumer) {
  asio::io_context io;
  auto [client, server] = make_socket_pair(io);
  send_all(client, asio::buffer(std::string_view("3 14\n15 92 65")));
  client.shutdown(tcp::socket::shutdown_send);
  socket_istream in(server);
  int sum = 0;
  for (int value; in >> value;) sum += value;
  EXPECT_EQ(sum, 3 + 14 + 15 + 92 + 65);
}

TEST(SocketIstream, AnOverlongLineThrowsAfterHandingOutAtMostMaxLineBytes) {
  asio::io_context io;
  auto [client, server] = make_socket_pair(io);
  std::thread flooder([c = &client] {
    send_all(*c, asio::buffer(std::string_view("short\n")));
    const std::string flood(256 << 10, 'x');
    std::error_code ec;
    for (int i = 0; i < 64 && !ec; ++i) asio::write(*c, asio::buffer(flood), ec);
  });
  socket_istream in(server, 100'000, "203.0.113.9:1060");
  std::string text;
  ASSERT_TRUE(std::getline(in, text));
  EXPECT_EQ(text, "short");
  try {
    std::getline(in, text);
    FAIL() << "expected line_too_long";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), errc::line_too_long);
    EXPECT_STREQ(e.what(), "recv 203.0.113.9:1060: line too long (over 100000 bytes)");
  }
  EXPECT_EQ(text.size(), 100'000u);  // what getline had taken when the stream failed
  EXPECT_TRUE(in.bad());
  server.close();
  flooder.join();
}

// --- server and client together ---------------------------------------------------------------

// Keeps every block in memory. When `blocked` is set, async_write waits until release().
class memory_sink final : public line_sink {
 public:
  explicit memory_sink(asio::any_io_executor executor) : release_(executor, clock::time_point::max()) {}

  asio::awaitable<void> async_write(const line_block& block) override {
    {
      std::lock_guard lock(mutex_);
      data_.append(block.bytes);
      ++blocks_;
      lines_ += block.lines;
      changed_.notify_all();
    }
    while (blocked_) {
      std::error_code ignored;
      co_await release_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
  }
  asio::awaitable<void> async_flush() override { co_return; }

  void block() { blocked_ = true; }
  void release() {  // on the io thread
    blocked_ = false;
    release_.cancel();
  }
  template <typename Predicate>
  bool wait_until(Predicate predicate, clock::duration limit) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return predicate(*this); });
  }
  std::string data() const {
    std::lock_guard lock(mutex_);
    return data_;
  }
  std::uint64_t blocks() const { return blocks_; }  // call with the lock held (wait_until) or after the io stops

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string data_;
  std::uint64_t blocks_ = 0;
  std::uint64_t lines_ = 0;
  std::atomic<bool> blocked_{false};
  asio::steady_timer release_;
};

class lines_server_fixture : public ::testing::Test {
 protected:
  void start(server_options options = {}, std::size_t max_line = kDefaultMaxLine) {
    srv_.emplace(open_listener(io_.get_executor(), "127.0.0.1", 0), events_, options);
    port_ = srv_->local_endpoint().port();
    asio::co_spawn(io_, srv_->run(lines_handler(sink_, {max_line})), asio::detached);
    thread_ = std::thread([this] { io_.run_for(60s); });  // bounded even if a test forgets to stop
  }

  void TearDown() override {
    if (srv_) asio::post(io_, [this] { srv_->stop(); });
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  lines_client_result send(std::string_view data, recording_reporter& report) {
    asio::io_context client_io;
    lines_client_options options;
    options.host = "127.0.0.1";
    options.port = port_;
    options.connect.timeout = 5s;
    options.io_timeout = 10s;
    string_source input(data);
    return run_coroutine(client_io, async_run_lines_client(options, input, report));
  }

  asio::io_context io_;
  recording_reporter events_;
  memory_sink sink_{io_.get_executor()};
  std::optional<server> srv_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(lines_server_fixture, EverythingSentArrivesAndIsAcknowledged) {
  start();
  const std::string data = random_lines((8 << 20) / test::heavy_scale_down(), 1);
  recording_reporter report;
  const auto result = send(data, report);
  line_counter expected;
  expected.add(data);
  EXPECT_EQ(result.sent, expected.count());
  EXPECT_EQ(result.acknowledged, expected.count());
  EXPECT_TRUE(sink_.data() == data);
  ASSERT_EQ(report.count(event_type::end), 1u);
  const auto entries = report.entries();
  ASSERT_GE(entries.size(), 3u);
  EXPECT_NE(entries[entries.size() - 3].text.find("The server said \"received " + std::to_string(expected.count().lines)),
            std::string::npos);
  // Then the session's summary: every byte sent, the acknowledgement received, our FIN first;
  // and the run's end, last.
  const std::string ack = format_ack(expected.count());
  EXPECT_TRUE(test::has_session_line(entries[entries.size() - 2].text,
                                     {"client", expected.count().bytes, ack.size(), "client", "FIN"}))
      << entries[entries.size() - 2].text;
  EXPECT_EQ(entries.back().type, event_type::end);
  EXPECT_EQ(entries.back().text.find(std::to_string(expected.count().lines) + " lines, "), 0u) << entries.back().text;
}

TEST_F(lines_server_fixture, EmptyInputIsZeroLinesAcknowledged) {
  start();
  recording_reporter report;
  const auto result = send("", report);
  EXPECT_EQ(result.acknowledged, (line_count{0, 0}));
}

TEST_F(lines_server_fixture, AnOverlongLineIsRefusedWithAReasonAndOthersAreStillServed) {
  start({}, 1000);
  recording_reporter report;
  const std::string data = "fine\n" + std::string(5000, 'x') + "\nnever printed\n";
  try {
    send(data, report);
    FAIL() << "expected a refusal";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), errc::data_mismatch);
    EXPECT_NE(std::string(e.what()).find("the server refused the data: \"line too long (over 1000 bytes)\""),
              std::string::npos)
        << e.what();
  }
  // Only whole lines before the bad one reached the sink.
  EXPECT_TRUE(sink_.wait_until([](auto& s) { return s.blocks() >= 1; }, 5s));
  EXPECT_EQ(sink_.data(), "fine\n");

  const auto result = send("after\n", report);
  EXPECT_EQ(result.acknowledged, (line_count{1, 6}));
  bool logged = false;
  for (const auto& e : events_.entries()) {
    logged |= e.type == event_type::error &&
              e.text.find("line too long (over 1000 bytes); connection closed after 1 lines, 5 bytes") != std::string::npos;
  }
  EXPECT_TRUE(logged);
}

TEST_F(lines_server_fixture, ASinkThatStopsTakingLinesStopsTheReadingNotTheSession) {
  // Backpressure: while the sink holds a block the connection is not read, so the client's
  // sending stalls once the kernel buffers are full; the idle timeout (0.3 s here) does not
  // count that wait against the client. Released, everything arrives.
  server_options options;
  options.idle_timeout = 300ms;
  sink_.block();
  start(options);

  // Several times what the kernel queues hold (about 10 MB here), also when scaled down.
  const std::string data = random_lines(test::under_sanitizer() ? 32 << 20 : 64 << 20, 3, "end\n");
  std::atomic<std::size_t> sent{0};
  std::promise<std::string> ack;
  std::thread client([&] {
    asio::io_context client_io;
    tcp::socket socket(client_io);
    socket.connect({asio::ip::make_address("127.0.0.1"), port_});
    std::string_view rest = data;
    while (!rest.empty()) {
      const std::size_t n = socket.write_some(asio::buffer(rest.substr(0, 64 << 10)));
      rest.remove_prefix(n);
      sent += n;
    }
    socket.shutdown(tcp::socket::shutdown_send);
    std::string reply(64, '\0');
    std::error_code ec;
    reply.resize(asio::read(socket, asio::buffer(reply), ec));
    ack.set_value(reply);
  });

  ASSERT_TRUE(sink_.wait_until([](auto& s) { return s.blocks() >= 1; }, 10s));
  // Held for a second, three idle timeouts: the client gets nowhere near the end.
  EXPECT_FALSE(sink_.wait_until([&](auto&) { return sent.load() == data.size(); }, 1s));
  EXPECT_LT(sent.load(), data.size() / 2) << "the server kept reading while its sink was blocked";

  asio::post(io_, [this] { sink_.release(); });
  auto reply = ack.get_future();
  ASSERT_EQ(reply.wait_for(20s), std::future_status::ready);
  client.join();
  line_counter expected;
  expected.add(data);
  EXPECT_EQ(reply.get(), format_ack(expected.count()));
  EXPECT_TRUE(sink_.data() == data);
}

// --- fd_sink and fd_source -------------------------------------------------------------------

struct pipe_ends {
  int read = -1;
  int write = -1;
  pipe_ends() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    read = fds[0];
    write = fds[1];
  }
  ~pipe_ends() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
  }
  void close_read() {
    ::close(read);
    read = -1;
  }
  void close_write() {
    ::close(write);
    write = -1;
  }
};

std::string read_to_end(int fd) {
  std::string out;
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

TEST(FdSink, WritesBlocksWholeAndInOrderAndFlushMeansWritten) {
  pipe_ends pipe;
  auto drained = std::async(std::launch::async, [fd = pipe.read] { return read_to_end(fd); });
  asio::io_context io;
  std::string expected;
  {
    fd_sink sink(io.get_executor(), pipe.write, "pipe", 4096);  // a small queue: writers wait
    // Line i of writer `tag`: i % 97 + 1 copies of the tag, then "\n".
    auto line_of = [](char tag, int i) { return std::string(static_cast<std::size_t>(i % 97 + 1), tag).append("\n"); };
    auto write_many = [&](char tag) -> asio::awaitable<void> {
      for (int i = 0; i < 2000; ++i) {
        const std::string block = line_of(tag, i);
        co_await sink.async_write({block, 1, true});
      }
    };
    std::string a, b;
    for (int i = 0; i < 2000; ++i) {
      a += line_of('a', i);
      b += line_of('b', i);
    }
    auto both = [&]() -> asio::awaitable<void> {
      co_await run_both(write_many('a'), write_many('b'));
      co_await sink.async_flush();
      EXPECT_EQ(sink.bytes_unwritten(), 0u);
      EXPECT_EQ(sink.bytes_written(), a.size() + b.size());
    };
    run_coroutine(io, both());
    EXPECT_TRUE(sink.close(5s));
    expected = a + b;
  }
  pipe.close_write();
  ASSERT_EQ(drained.wait_for(10s), std::future_status::ready);
  const std::string out = drained.get();
  ASSERT_EQ(out.size(), expected.size());
  // Every line is whole and each writer's lines keep their order.
  std::string only_a, only_b;
  for (std::size_t pos = 0; pos < out.size();) {
    const std::size_t end = out.find('\n', pos) + 1;
    const std::string_view l(out.data() + pos, end - pos);
    ASSERT_EQ(l.find_first_not_of(l[0]), l.size() - 1) << "mixed line: " << l;
    (l[0] == 'a' ? only_a : only_b) += l;
    pos = end;
  }
  EXPECT_EQ(only_a + only_b, expected);
}

TEST(FdSink, AClosedReaderIsReportedOnceAndFailsLaterWrites) {
  std::signal(SIGPIPE, SIG_IGN);  // as the CLI does: EPIPE, not death
  pipe_ends pipe;
  pipe.close_read();
  asio::io_context io;
  fd_sink sink(io.get_executor(), pipe.write, "stdout");
  int failures = 0;
  std::string message;
  sink.on_failure([&](const error& e) {
    ++failures;
    message = e.what();
  });
  auto write = [&]() -> asio::awaitable<void> {
    co_await sink.async_write({"lost\n", 1, true});
    try {
      co_await sink.async_flush();
      ADD_FAILURE() << "flush succeeded on a closed pipe";
    } catch (const error& e) {
      EXPECT_EQ(std::string(e.what()), "write stdout: Broken pipe");
    }
    EXPECT_THROW(co_await sink.async_write({"more\n", 1, true}), error);
  };
  run_coroutine(io, write());
  io.restart();
  io.poll();  // the failure callback is posted
  EXPECT_EQ(failures, 1);
  EXPECT_EQ(message, "write stdout: Broken pipe");
}

// A temporary regular file, removed at once: only the descriptor names it.
struct temporary_file {
  int fd = -1;
  explicit temporary_file(int flags = O_RDWR) {
    char path[] = "/tmp/tcpkit-fd-sink-XXXXXX";
    const int created = ::mkstemp(path);
    if (created < 0) throw std::runtime_error("mkstemp");
    fd = ::open(path, flags | O_CLOEXEC);
    ::close(created);
    ::unlink(path);
    if (fd < 0) throw std::runtime_error("open");
  }
  ~temporary_file() { ::close(fd); }
  std::string contents() const {
    ::lseek(fd, 0, SEEK_SET);
    return read_to_end(fd);
  }
};

TEST(FdSink, ARegularFileIsWrittenAtOnceWholeAndInOrder) {
  temporary_file file;
  asio::io_context io;
  fd_sink sink(io.get_executor(), file.fd, "stdout", 4096);
  auto line_of = [](char tag, int i) { return std::string(static_cast<std::size_t>(i % 97 + 1), tag).append("\n"); };
  std::string expected;
  auto write_many = [&](char tag) -> asio::awaitable<void> {
    for (int i = 0; i < 2000; ++i) {
      const std::string block = line_of(tag, i) + line_of(tag, i + 1);
      co_await sink.async_write({block, 2, true});
      expected += block;
      // Written straight from the block, not queued: nothing is left for the writer thread.
      EXPECT_EQ(sink.bytes_unwritten(), 0u);
    }
  };
  auto both = [&]() -> asio::awaitable<void> {
    co_await run_both(write_many('a'), write_many('b'));
    co_await sink.async_flush();
  };
  run_coroutine(io, both());
  EXPECT_TRUE(sink.close(5s));
  EXPECT_EQ(sink.bytes_written(), expected.size());
  EXPECT_TRUE(file.contents() == expected);  // blocks whole, in the order they were taken
}

TEST(FdSink, AFailedWriteToAFileFailsThatWriteAndIsReportedOnce) {
  temporary_file file(O_RDONLY);  // write(2) fails: EBADF
  asio::io_context io;
  fd_sink sink(io.get_executor(), file.fd, "stdout");
  int failures = 0;
  sink.on_failure([&](const error&) { ++failures; });
  auto write = [&]() -> asio::awaitable<void> {
    try {
      co_await sink.async_write({"lost\n", 1, true});
      ADD_FAILURE() << "a write to a read-only descriptor succeeded";
    } catch (const error& e) {
      EXPECT_EQ(std::string(e.what()), "write stdout: Bad file descriptor");
    }
    EXPECT_THROW(co_await sink.async_write({"more\n", 1, true}), error);
    EXPECT_THROW(co_await sink.async_flush(), error);
  };
  run_coroutine(io, write());
  io.restart();
  io.poll();  // the failure callback is posted
  EXPECT_EQ(failures, 1);
}

TEST(FdSource, ReadsAPipeToTheEnd) {
  pipe_ends pipe;
  asio::io_context io;
  fd_source source(io.get_executor(), pipe.read, "pipe", 1000);
  const std::string data = random_lines(1 << 20, 9);
  std::thread writer([&] {
    for (std::size_t at = 0; at < data.size(); at += 4099) {
      const auto piece = std::string_view(data).substr(at, 4099);
      ASSERT_EQ(::write(pipe.write, piece.data(), piece.size()), static_cast<ssize_t>(piece.size()));
    }
    pipe.close_write();
  });
  auto read_all = [&]() -> asio::awaitable<std::string> {
    std::string got;
    for (;;) {
      const auto chunk = co_await source.async_read_chunk();
      if (chunk.empty()) break;
      EXPECT_LE(chunk.size(), 1000u);
      got += chunk;
    }
    co_return got;
  };
  const std::string got = run_coroutine(io, read_all());
  writer.join();
  EXPECT_TRUE(got == data);
}

TEST(FdSource, IsStoppedWhileWaitingForInputThatNeverComes) {
  pipe_ends pipe;  // nobody writes: a terminal nobody types into
  asio::io_context io;
  auto source = std::make_unique<fd_source>(io.get_executor(), pipe.read, "stdin");
  auto wait_briefly = [&]() -> asio::awaitable<bool> {
    auto read = [&]() -> asio::awaitable<void> { co_await source->async_read_chunk(); };
    co_return co_await complete_within(read(), 50ms);
  };
  EXPECT_FALSE(run_coroutine(io, wait_briefly()));
  auto destroyed = std::async(std::launch::async, [&] { source.reset(); });
  EXPECT_EQ(destroyed.wait_for(5s), std::future_status::ready) << "the helper thread did not stop";
}

TEST(FdSource, ReadsARegularFileDirectly) {
  char path[] = "/tmp/tcpkit_fd_source_XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::unlink(path);
  const std::string data = random_lines(600'000, 5);
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ::lseek(fd, 0, SEEK_SET);
  asio::io_context io;
  fd_source source(io.get_executor(), fd, "file");
  auto read_all = [&]() -> asio::awaitable<std::string> {
    std::string got;
    for (;;) {
      const auto chunk = co_await source.async_read_chunk();
      if (chunk.empty()) break;
      got += chunk;
    }
    co_return got;
  };
  EXPECT_TRUE(run_coroutine(io, read_all()) == data);
  ::close(fd);
}

}  // namespace
}  // namespace tcpkit
