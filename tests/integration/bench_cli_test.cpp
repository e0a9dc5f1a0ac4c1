// tcpkit bench as a user runs it: against our servers it counts every exchange as ok; against
// servers that answer wrongly, never answer, or are not there, it counts every failure under
// its kind and exits with the first failure's status.
#include "support/cli.hpp"
#include "support/raw_peer.hpp"

#include "tcpkit/core/endpoint.hpp"
#include "tcpkit/programs/lines_protocol.hpp"
#include "tcpkit/instruments/load_lines.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include <unistd.h>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;
using test::process;
using test::run_tcpkit;

std::string port_text(std::uint16_t port) { return std::to_string(port); }

// A tcpkit server whose output after its "Listening at" line is thrown away, so that a load run
// cannot fill a pipe this test does not read.
test::running_server start_discarding_server(const std::vector<std::string>& args, bool listening_on_stderr = false) {
  test::spawn_options options;
  options.argv = {"sh", "-c",
                  listening_on_stderr ? R"(exec "$0" "$@" > /dev/null)"
                                      : R"("$0" "$@" | { head -n 1; exec cat > /dev/null; })",
                  test::tcpkit_binary()};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  test::running_server server{process::spawn(options), 0};
  const auto line = listening_on_stderr ? server.proc.wait_for_stderr("Listening at", 10s)
                                        : server.proc.wait_for_stdout("Listening at", 10s);
  if (line) server.port = test::port_from_text(*line).value_or(0);
  return server;
}

// A server written in the test for one misbehaviour, on its own thread and event loop,
// listening on 127.0.0.1:0. Each connection runs `handler`, which owns the socket.
class fake_server {
 public:
  using handler = std::function<asio::awaitable<void>(tcp::socket)>;

  explicit fake_server(handler serve)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), serve_(std::move(serve)) {
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~fake_server() {
    io_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  // True once `count` connections have been accepted, false if `timeout` passes first.
  bool wait_for_accepts(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return accepted_changed_.wait_for(lock, timeout, [&] { return accepted_ >= count; });
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      tcp::socket socket = co_await acceptor_.async_accept(asio::use_awaitable);
      {
        std::lock_guard lock(mutex_);
        ++accepted_;
      }
      accepted_changed_.notify_all();
      asio::co_spawn(io_, serve_(std::move(socket)), asio::detached);
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  handler serve_;
  std::mutex mutex_;
  std::condition_variable accepted_changed_;
  std::size_t accepted_ = 0;
  std::thread thread_;
};

// Reads until the peer's EOF (or an error), discarding everything.
asio::awaitable<void> drain(tcp::socket& socket) {
  std::array<char, 64 * 1024> scratch{};
  for (;;) {
    std::error_code ec;
    co_await socket.async_read_some(asio::buffer(scratch), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

asio::awaitable<void> reply_wrong_case(tcp::socket socket) {
  std::array<char, 16> request{};
  std::error_code ec;
  co_await asio::async_read(socket, asio::buffer(request), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  co_await asio::async_write(socket, asio::buffer(std::string_view("Farewell, CLIENT")),
                             asio::redirect_error(asio::use_awaitable, ec));
  socket.shutdown(tcp::socket::shutdown_send, ec);
  co_await drain(socket);
}

asio::awaitable<void> never_answer(tcp::socket socket) { co_await drain(socket); }

// Echoes every byte unchanged: an uppercase server that forgot to uppercase.
asio::awaitable<void> echo_unchanged(tcp::socket socket) {
  std::array<char, 64 * 1024> buffer{};
  for (;;) {
    std::error_code ec;
    const std::size_t n =
        co_await socket.async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    co_await asio::async_write(socket, asio::buffer(buffer.data(), n), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
  std::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
}

// Acknowledges one line less than it received.
asio::awaitable<void> acknowledge_one_line_less(tcp::socket socket) {
  line_counter counter;
  std::array<char, 64 * 1024> buffer{};
  for (;;) {
    std::error_code ec;
    const std::size_t n =
        co_await socket.async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    counter.add(std::string_view(buffer.data(), n));
  }
  line_count count = counter.count();
  --count.lines;
  std::error_code ec;
  co_await asio::async_write(socket, asio::buffer(format_ack(count)), asio::redirect_error(asio::use_awaitable, ec));
  socket.shutdown(tcp::socket::shutdown_send, ec);
}

// The value of a number field in the bench's NDJSON `end` line; nullopt if absent.
std::optional<double> json_number(const std::string& text, std::string_view key) {
  const auto line_start = text.find(R"({"event":"end")");
  if (line_start == std::string::npos) return std::nullopt;
  const std::string needle = fmt::format(R"("{}":)", key);
  const auto at = text.find(needle, line_start);
  if (at == std::string::npos) return std::nullopt;
  return std::strtod(text.c_str() + at + needle.size(), nullptr);
}

std::vector<std::string> bench_args(std::string_view mode, std::uint16_t port, std::vector<std::string> more) {
  std::vector<std::string> args{"bench", std::string(mode), "127.0.0.1", "-p", port_text(port), "--json"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST(BenchCli, SixteenAgainstOurServerCountsEveryExchangeOk) {
  auto server = start_discarding_server({"sixteen", "server", "127.0.0.1", "-p", "0"});
  ASSERT_NE(server.port, 0) << server.proc.stderr_text();
  auto bench = run_tcpkit(bench_args("sixteen", server.port, {"--connections", "8", "--total", "300"}), 60s);
  ASSERT_EQ(bench.exit_code(), 0) << bench.stderr_text();
  const std::string& out = bench.stdout_text();
  EXPECT_EQ(json_number(out, "exchanges"), 300) << out;
  EXPECT_EQ(json_number(out, "ok"), 300) << out;
  EXPECT_EQ(json_number(out, "failed"), 0) << out;
  EXPECT_GT(json_number(out, "exchanges_per_s").value_or(0), 0) << out;
  EXPECT_GT(json_number(out, "latency_p99_us").value_or(0), 0) << out;
  EXPECT_GE(json_number(out, "latency_p999_us").value_or(0), json_number(out, "latency_p50_us").value_or(1)) << out;
  // With --json the table goes to stderr, for people watching.
  EXPECT_NE(bench.stderr_text().find("300 ok, 0 failed"), std::string::npos) << bench.stderr_text();
}

TEST(BenchCli, WithoutJsonPrintsTheTableOnStdout) {
  auto server = start_discarding_server({"sixteen", "server", "127.0.0.1", "-p", "0"});
  ASSERT_NE(server.port, 0);
  auto bench = run_tcpkit({"bench", "sixteen", "127.0.0.1", "-p", port_text(server.port), "-n", "20"}, 30s);
  ASSERT_EQ(bench.exit_code(), 0) << bench.stderr_text();
  const std::string& out = bench.stdout_text();
  EXPECT_EQ(out.rfind("bench sixteen 127.0.0.1:" + port_text(server.port) + "\n", 0), 0u) << out;
  EXPECT_NE(out.find("20 ok, 0 failed"), std::string::npos) << out;
  EXPECT_NE(out.find("latency p99"), std::string::npos) << out;
  EXPECT_EQ(out.find("{\"event\""), std::string::npos) << out;
}

TEST(BenchCli, AWrongReplyIsAFailureOfEveryExchange) {
  fake_server server(reply_wrong_case);
  auto bench = run_tcpkit(bench_args("sixteen", server.port(), {"--connections", "2", "--total", "10"}), 30s);
  EXPECT_EQ(bench.exit_code(), 6) << bench.stderr_text();  // the peer broke the exchange
  const std::string& out = bench.stdout_text();
  EXPECT_EQ(json_number(out, "ok"), 0) << out;
  EXPECT_EQ(json_number(out, "failed"), 10) << out;
  EXPECT_EQ(json_number(out, "failed_mismatch"), 10) << out;
  EXPECT_NE(out.find(R"("first_failure":)"), std::string::npos) << out;
  const std::string& err = bench.stderr_text();
  EXPECT_NE(err.find("tcpkit: bench sixteen 127.0.0.1:" + port_text(server.port()) + ": 10 of 10 failed"),
            std::string::npos) << err;
  EXPECT_NE(err.find("got \"Farewell, CLIENT\""), std::string::npos) << err;  // the wrong reply, quoted
}

TEST(BenchCli, AServerThatNeverAnswersFailsEachExchangeAtItsDeadline) {
  fake_server server(never_answer);
  const auto start = test::clock::now();
  auto bench = run_tcpkit(bench_args("sixteen", server.port(), {"-c", "3", "-n", "3", "--deadline", "0.3"}), 30s);
  EXPECT_LT(test::clock::now() - start, 10s);
  EXPECT_EQ(bench.exit_code(), 4) << bench.stderr_text();  // timed out
  const std::string& out = bench.stdout_text();
  EXPECT_EQ(json_number(out, "failed_timeout"), 3) << out;
  EXPECT_EQ(json_number(out, "ok"), 0) << out;
}

TEST(BenchCli, NothingListeningIsCountedAsConnectFailures) {
  const test::refusing_port refusing;
  const std::uint16_t closed_port = refusing.port();
  auto bench = run_tcpkit(bench_args("sixteen", closed_port, {"-c", "2", "-n", "4"}), 30s);
  EXPECT_EQ(bench.exit_code(), 3) << bench.stderr_text();  // could not connect
  EXPECT_EQ(json_number(bench.stdout_text(), "failed_connect"), 4) << bench.stdout_text();
  EXPECT_NE(bench.stderr_text().find("Connection refused"), std::string::npos) << bench.stderr_text();
}

TEST(BenchCli, SigintPrintsThePartialCountAndExits130) {
  fake_server server(never_answer);
  auto bench = process::spawn({.argv = {test::tcpkit_binary(), "bench", "sixteen", "127.0.0.1", "-p",
                                        port_text(server.port()), "--json", "-c", "2", "-n", "1000000"}});
  // Once a connection is in, the command is running its event loop and handles the signal.
  ASSERT_TRUE(server.wait_for_accepts(2, 10s));
  bench.signal(SIGINT);
  ASSERT_EQ(bench.wait(10s), 130) << bench.stderr_text();
  const std::string& out = bench.stdout_text();
  EXPECT_EQ(json_number(out, "interrupted"), 2) << out;
  EXPECT_EQ(json_number(out, "failed"), 0) << out;  // cut short is not failed
  EXPECT_NE(bench.stderr_text().find("interrupted: partial result"), std::string::npos) << bench.stderr_text();
}

TEST(BenchCli, UppercaseAgainstOurServerVerifiesEveryByte) {
  auto server = start_discarding_server({"uppercase", "server", "127.0.0.1", "-p", "0"});
  ASSERT_NE(server.port, 0) << server.proc.stderr_text();
  auto bench = run_tcpkit(bench_args("uppercase", server.port, {"--connections", "3", "--bytes", "3MB"}), 60s);
  ASSERT_EQ(bench.exit_code(), 0) << bench.stderr_text();
  const std::string& out = bench.stdout_text();
  EXPECT_EQ(json_number(out, "ok"), 3) << out;
  EXPECT_EQ(json_number(out, "bytes_per_exchange"), 3'000'000) << out;
  EXPECT_EQ(json_number(out, "bytes_verified"), 9'000'000) << out;
  EXPECT_EQ(json_number(out, "peak_concurrent"), 3) << out;  // all streams connected, then all ran
  EXPECT_GT(json_number(out, "mb_per_s").value_or(0), 0) << out;
}

// The number after "KEY": in the server's closing summary (the last line that has "connections").
std::optional<double> summary_number(const std::string& text, std::string_view key) {
  const auto line_start = text.rfind(R"("connections":)");
  if (line_start == std::string::npos) return std::nullopt;
  const auto begin = text.rfind('\n', line_start);
  const std::string needle = fmt::format(R"("{}":)", key);
  const auto at = text.find(needle, begin == std::string::npos ? 0 : begin);
  if (at == std::string::npos) return std::nullopt;
  return std::strtod(text.c_str() + at + needle.size(), nullptr);
}

// --threads N: connections are dealt out to N event loops on N threads. Every exchange still
// completes with the right bytes, and the server's counts, kept by all the loops, add up
// exactly; SIGINT still ends the sessions of every loop and the server exits 0.
TEST(BenchCli, ThreadsSpreadConnectionsOverLoopsAndEveryExchangeIsRight) {
  for (const std::string program : {"uppercase", "sixteen"}) {
    SCOPED_TRACE(program);
    // Its JSON events go to a file, and the load is small enough for its text on stderr to fit
    // in the pipe: this thread does not read pipes while the load runs.
    const std::string events_path = ::testing::TempDir() + "tcpkit_threads_" + program + "_" + std::to_string(::getpid());
    test::spawn_options options;
    options.argv = {"sh", "-c", R"(out=$1; shift; exec "$0" "$@" > "$out")", test::tcpkit_binary(), events_path,
                    program, "server", "127.0.0.1", "-p", "0", "--threads", "3", "--json"};
    test::running_server server{process::spawn(options), 0};
    if (const auto line = server.proc.wait_for_stderr("Listening at", 10s)) server.port = test::port_from_text(*line).value_or(0);
    ASSERT_NE(server.port, 0) << server.proc.stderr_text();
    // Three loops: the acceptor's thread and two more (sh has exec'ed into tcpkit).
    const auto tasks = std::distance(std::filesystem::directory_iterator(fmt::format("/proc/{}/task", server.proc.pid())),
                                     std::filesystem::directory_iterator());
    EXPECT_GE(tasks, 3);
    const bool streams = program == "uppercase";
    const std::vector<std::string> load = streams ? std::vector<std::string>{"--connections", "12", "--bytes", "1MB"}
                                                  : std::vector<std::string>{"--connections", "16", "--total", "150"};
    auto bench = run_tcpkit(bench_args(program, server.port, load), 60s);
    ASSERT_EQ(bench.exit_code(), 0) << bench.stderr_text();
    const std::string& out = bench.stdout_text();
    const double expected = streams ? 12 : 150;
    EXPECT_EQ(json_number(out, "ok"), expected) << out;
    if (streams) {
      EXPECT_EQ(json_number(out, "bytes_verified"), 12'000'000) << out;
    }

    server.proc.signal(SIGINT);
    ASSERT_EQ(server.proc.wait(15s), 0) << server.proc.stderr_text();
    std::ifstream events(events_path);
    const std::string served((std::istreambuf_iterator<char>(events)), std::istreambuf_iterator<char>());
    std::remove(events_path.c_str());
    EXPECT_EQ(summary_number(served, "connections"), expected) << served.substr(served.size() > 2000 ? served.size() - 2000 : 0);
    EXPECT_EQ(summary_number(served, "failed"), 0);
    EXPECT_EQ(summary_number(served, "refused"), 0);
  }
}

TEST(BenchCli, UppercaseNamesTheFirstWrongByte) {
  fake_server server(echo_unchanged);
  auto bench = run_tcpkit(bench_args("uppercase", server.port(), {"--connections", "2", "--bytes", "64K"}), 30s);
  EXPECT_EQ(bench.exit_code(), 6) << bench.stderr_text();
  EXPECT_EQ(json_number(bench.stdout_text(), "failed_mismatch"), 2) << bench.stdout_text();
  // "capitalize this!": byte 0 is 'c' (0x63) and should have come back as 'C' (0x43).
  EXPECT_NE(bench.stderr_text().find("byte 0 is 0x63, expected 0x43"), std::string::npos) << bench.stderr_text();
}

TEST(BenchCli, LinesAgainstOurServerIsAcknowledgedInFull) {
  auto server = start_discarding_server({"lines", "server", "127.0.0.1", "-p", "0"}, /*listening_on_stderr=*/true);
  ASSERT_NE(server.port, 0) << server.proc.stderr_text();
  auto bench = run_tcpkit(bench_args("lines", server.port, {"--connections", "2", "--bytes", "100000"}), 60s);
  ASSERT_EQ(bench.exit_code(), 0) << bench.stderr_text();
  const std::string& out = bench.stdout_text();
  const std::uint64_t lines_each = (100000 + kLoadLineBytes - 1) / kLoadLineBytes;
  EXPECT_EQ(json_number(out, "ok"), 2) << out;
  EXPECT_EQ(json_number(out, "lines_acknowledged"), static_cast<double>(2 * lines_each)) << out;
  EXPECT_EQ(json_number(out, "bytes_acknowledged"), static_cast<double>(2 * lines_each * kLoadLineBytes)) << out;
  EXPECT_GT(json_number(out, "lines_per_s").value_or(0), 0) << out;
}

TEST(BenchCli, LinesNoticesAnAcknowledgementThatLostALine) {
  fake_server server(acknowledge_one_line_less);
  auto bench = run_tcpkit(bench_args("lines", server.port(), {"--bytes", "10000"}), 30s);
  EXPECT_EQ(bench.exit_code(), 6) << bench.stderr_text();
  EXPECT_EQ(json_number(bench.stdout_text(), "failed_mismatch"), 1) << bench.stdout_text();
  EXPECT_NE(bench.stderr_text().find("the server said \"received 188 lines, 10017 bytes"), std::string::npos)
      << bench.stderr_text();
}

TEST(BenchCli, BadOptionsAreUsageErrors) {
  EXPECT_EQ(run_tcpkit({"bench", "sixteen", "127.0.0.1", "-p", "0"}).exit_code(), 2);
  EXPECT_EQ(run_tcpkit({"bench", "sixteen", "127.0.0.1", "-p", "1", "--connections", "0"}).exit_code(), 2);
  EXPECT_EQ(run_tcpkit({"bench", "uppercase", "127.0.0.1", "-p", "1", "--bytes", "lots"}).exit_code(), 2);
}

}  // namespace
}  // namespace tcpkit
