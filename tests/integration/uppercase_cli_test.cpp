// tcpkit uppercase as a user runs it: real processes, the seeds' Python programs as peers, the
// deadlock and its diagnosis, SIGINT, and a server that stays small whatever its clients do.
#include "support/cli.hpp"
#include "support/raw_peer.hpp"
#include "support/scale.hpp"
#include "support/session_line.hpp"
#include "support/write_until_stuck.hpp"

#include "tcpkit/core/io.hpp"
#include "tcpkit/core/report.hpp"
#include "tcpkit/programs/uppercase_client.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <gtest/gtest.h>

#include <poll.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <regex>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;
using test::process;
using test::run_tcpkit;
using test::start_seed_server;
using test::start_tcpkit_server;

std::string port_text(std::uint16_t port) { return std::to_string(port); }

std::size_t count_of(std::string_view text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

using test::heavy_scale_down;

// Every error the CLI prints ends in one line, prefixed, and never a crash.
void expect_last_line_error(const process& proc, std::string_view contains) {
  const std::string& err = proc.stderr_text();
  const auto last = err.rfind('\n', err.size() - 2);
  const std::string line = err.substr(last == std::string::npos ? 0 : last + 1);
  EXPECT_EQ(line.rfind("tcpkit: ", 0), 0u) << err;
  EXPECT_NE(line.find(contains), std::string::npos) << err;
  EXPECT_EQ(err.find("terminate called"), std::string::npos) << err;
}

// The MB/s in a client's summary line, for the test log.
std::string summary_line(const process& client) {
  const std::string& out = client.stdout_text();
  const auto at = out.rfind("Sent ");
  return at == std::string::npos ? "(no summary)" : out.substr(at, out.find('\n', at) - at);
}

TEST(UppercaseCli, ServerAndNaiveClientPrintTheSeedsLines) {
  auto server = start_tcpkit_server({"uppercase", "server", "127.0.0.1", "-p", "0", "--once"});
  ASSERT_NE(server.port, 0);
  auto client = run_tcpkit({"uppercase", "client", "127.0.0.1", "-p", port_text(server.port)});
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  EXPECT_EQ(client.stdout_text().rfind("Sending 16 bytes of data, in chunks of 16 bytes\n"
                                       "  16 bytes sent\n"
                                       "Receiving all the data the server sends back\n"
                                       "  The first data received says \"CAPITALIZE THIS!\"\n"
                                       "  16 bytes received\n"
                                       "  Session with 127.0.0.1:",
                                       0),
            0u)
      << client.stdout_text();
  EXPECT_EQ(client.stderr_text(), "");

  ASSERT_EQ(server.proc.wait(10s), 0) << server.proc.stderr_text();
  const std::regex expected("Listening at 127\\.0\\.0\\.1:\\d+\n"
                            "Processing up to 262144 bytes at a time from 127\\.0\\.0\\.1:\\d+\n"
                            "  16 bytes processed\n"
                            "  Socket closed\n"
                            "(.*)\n"
                            "Served 1 connection: 0 failed, 0 refused\n");
  std::smatch server_said;
  ASSERT_TRUE(std::regex_match(server.proc.stdout_text(), server_said, expected)) << server.proc.stdout_text();
  // After the seed's lines, each side's session summary: 16 bytes each way, the client's
  // half-close first (it comes before the server has anything left to close on).
  EXPECT_TRUE(test::has_session_line(server_said[1].str(), {"server", 16, 16, "client", "FIN"})) << server_said[1];
  // The client's summary comes before its last line, the run's verdict.
  const std::string& client_out = client.stdout_text();
  const auto last_at = client_out.rfind('\n', client_out.size() - 2) + 1;
  const auto session_at = client_out.rfind('\n', last_at - 2) + 1;
  EXPECT_TRUE(test::has_session_line(client_out.substr(session_at, last_at - session_at), {"client", 16, 16, "client", "FIN"}))
      << client_out;
  EXPECT_EQ(client_out.substr(last_at).rfind("Sent 16 bytes and received 16 bytes in ", 0), 0u) << client_out;
}

TEST(UppercaseCli, SeedChunkSizeIsAnOption) {
  auto server = start_tcpkit_server({"uppercase", "server", "127.0.0.1", "-p", "0", "--once", "--chunk", "1024"});
  auto client = run_tcpkit({"uppercase", "client", "127.0.0.1", "100000", "-p", port_text(server.port)});
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  ASSERT_EQ(server.proc.wait(10s), 0);
  EXPECT_NE(server.proc.stdout_text().find("Processing up to 1024 bytes at a time from 127.0.0.1:"), std::string::npos);
  EXPECT_NE(server.proc.stdout_text().find("  100000 bytes processed\n"), std::string::npos);
}

// 1 GiB, or 64 MiB under sanitizers (heavy_scale_down).
TEST(UppercaseCli, AsyncAndThreadsCheckEveryByteOfOneGiB) {
  const std::string bytes = std::to_string((std::uint64_t{1} << 30) / heavy_scale_down());
  auto server = start_tcpkit_server({"uppercase", "server", "127.0.0.1", "-p", "0"});
  for (const char* strategy : {"async", "threads"}) {
    auto client = run_tcpkit({"uppercase", "client", "127.0.0.1", bytes, "-p", port_text(server.port), "--strategy", strategy},
                             60s);
    EXPECT_EQ(client.exit_code(), 0) << strategy << ": " << client.stderr_text();
    EXPECT_NE(client.stdout_text().find("Sent " + bytes + " bytes and received " + bytes + " bytes in "), std::string::npos)
        << client.stdout_text();
    std::cout << "[ measure  ] " << strategy << " vs tcpkit server: " << summary_line(client) << "\n";
  }
}

TEST(UppercaseCli, NaiveDeadlocksOnALargeCountAndExitsSevenWithADiagnosis) {
  auto server = start_tcpkit_server({"uppercase", "server", "127.0.0.1", "-p", "0"});
  const auto start = test::clock::now();
  auto client = run_tcpkit({"uppercase", "client", "127.0.0.1", "268435456", "-p", port_text(server.port)}, 30s);
  EXPECT_LT(test::clock::now() - start, 30s);
  EXPECT_EQ(client.exit_code(), 7) << client.stderr_text();
  const std::string& err = client.stderr_text();
  EXPECT_EQ(err.rfind("Deadlock: nothing has moved in either direction for 5.", 0), 0u) << err;
  for (const char* line : {"\n  bytes sent so far:     ", " of 268435456 (this client sends everything before it reads)\n",
                           "\n  bytes received so far: 0\n", "\n  our send queue:        ", "\n  our receive queue:     ",
                           "\nFix: receive while sending. --strategy threads"}) {
    EXPECT_NE(err.find(line), std::string::npos) << line << " missing in:\n" << err;
  }
  expect_last_line_error(client, "tcpkit: send 127.0.0.1:" + port_text(server.port) +
                                     ": no progress in either direction for 5 s: deadlock, stopped by the watchdog");
  EXPECT_NE(client.stdout_text().find("; the client closed first (stall watchdog)"), std::string::npos)
      << client.stdout_text();
  std::cout << "[ measure  ] naive diagnosis after " << std::chrono::duration<double>(test::clock::now() - start).count()
            << " s:\n" << err;

  // The server dropped the deadlocked connection (the watchdog's close resets it) and serves on.
  auto next = run_tcpkit({"uppercase", "client", "127.0.0.1", "1000", "-p", port_text(server.port)});
  EXPECT_EQ(next.exit_code(), 0) << next.stderr_text();
}

// Runs `tcpkit ARGS...` to completion while reading the seed server's output: it prints a
// progress line for every 1024 bytes, and once its stdout pipe is full it stops serving.
process run_tcpkit_beside(process& seed_server, const std::vector<std::string>& args, test::clock::duration timeout) {
  test::spawn_options options;
  options.argv.push_back(test::tcpkit_binary());
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  process client = process::spawn(options);
  const auto deadline = test::clock::now() + timeout;
  while (!client.wait(20ms) && test::clock::now() < deadline) {
    seed_server.wait_for_stdout_if([](std::string_view) { return false; }, 20ms);
  }
  if (!client.exit_code()) ADD_FAILURE() << "tcpkit did not finish in time: " << client.stderr_text();
  return client;
}

TEST(UppercaseCli, OurClientTalksToTheSeedServer) {
  TCPKIT_REQUIRE_SEEDS();
  auto seed = start_seed_server("tcp_deadlock.py");
  ASSERT_NE(seed.port, 0);
  for (const char* strategy : {"async", "threads"}) {
    auto client = run_tcpkit_beside(
        seed.proc, {"uppercase", "client", "127.0.0.1", "4000000", "-p", port_text(seed.port), "--strategy", strategy}, 30s);
    EXPECT_EQ(client.exit_code(), 0) << strategy << ": " << client.stderr_text();
    EXPECT_NE(client.stdout_text().find("Sent 4000000 bytes and received 4000000 bytes in "), std::string::npos);
    std::cout << "[ measure  ] " << strategy << " vs seed server: " << summary_line(client) << "\n";
  }
  auto naive = run_tcpkit_beside(seed.proc, {"uppercase", "client", "127.0.0.1", "-p", port_text(seed.port)}, 20s);
  EXPECT_EQ(naive.exit_code(), 0) << naive.stderr_text();
  EXPECT_NE(naive.stdout_text().find("  The first data received says \"CAPITALIZE THIS!\"\n"), std::string::npos);
}

TEST(UppercaseCli, TheSeedClientGetsEveryByteBack) {
  TCPKIT_REQUIRE_SEEDS();
  for (const char* chunk : {"262144", "1024"}) {
    auto server = start_tcpkit_server({"uppercase", "server", "127.0.0.1", "-p", "0", "--once", "--chunk", chunk});
    auto seed = process::spawn({.argv = {"python3", *test::seeds_dir() + "/tcp_deadlock.py", "client", "127.0.0.1",
                                         "1000000", "-p", port_text(server.port)}});
    ASSERT_EQ(seed.wait(60s), 0) << seed.stderr_text();
    const std::string& out = seed.stdout_text();
    EXPECT_NE(out.find("  The first data received says b'CAPITALIZE THIS!CAPITALIZE THIS!CAPITALIZE'"), std::string::npos)
        << out.substr(0, 200);
    EXPECT_NE(out.find("\r  1000000 bytes received \n"), std::string::npos) << out.substr(out.size() - 200);
    ASSERT_EQ(server.proc.wait(10s), 0) << server.proc.stderr_text();
    EXPECT_NE(server.proc.stdout_text().find("  1000000 bytes processed\n  Socket closed\n"), std::string::npos);
  }
}

// 1 MiB each, or 64 KiB under sanitizers (heavy_scale_down).
TEST(UppercaseCli, TwoHundredClientsStreamingAtOnceAreAllServed) {
  auto server = start_tcpkit_server({"uppercase", "server", "127.0.0.1", "-p", "0"});
  constexpr int kClients = 200;
  const std::uint64_t bytes_each = (std::uint64_t{1} << 20) / heavy_scale_down();
  null_reporter quiet;  // before `io`: the clients' frames refer to it until io is destroyed
  asio::io_context io;
  uppercase_client_options options;
  options.host = "127.0.0.1";
  options.port = server.port;
  options.bytecount = bytes_each;
  options.send_size = 64 * 1024;
  options.recv_size = 64 * 1024;
  options.io_timeout = 30s;
  std::vector<std::future<uppercase_result>> results;
  for (int i = 0; i < kClients; ++i) {
    results.push_back(asio::co_spawn(io, async_run_uppercase_client(options, quiet), asio::use_future));
  }
  io.run_for(60s);
  int ok = 0;
  for (auto& result : results) {
    ASSERT_EQ(result.wait_for(5s), std::future_status::ready) << "a client did not finish";
    try {
      ok += result.get().bytes_received == bytes_each ? 1 : 0;
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_EQ(ok, kClients);
  server.proc.signal(SIGINT);
  ASSERT_EQ(server.proc.wait(10s), 0);
  EXPECT_EQ(count_of(server.proc.stdout_text(), "  " + std::to_string(bytes_each) + " bytes processed\n  Socket closed\n"),
            std::size_t{kClients});
  EXPECT_NE(server.proc.stdout_text().find("Served 200 connections: 0 failed, 0 refused"), std::string::npos);
}

// The server's resident memory, from /proc/PID/status.
std::uint64_t vm_rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      std::uint64_t kib = 0;
      status >> kib;
      return kib;
    }
    status.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  ADD_FAILURE() << "no VmRSS for pid " << pid;
  return 0;
}

TEST(UppercaseCli, AClientThatNeverReadsCostsBoundedMemoryAndIsClosedByTheIdleTimeout) {
  auto server = start_tcpkit_server({"uppercase", "server", "127.0.0.1", "-p", "0", "--idle-timeout", "3"});
  // One full exchange first, so that the allocator's arenas and the code are warm.
  EXPECT_EQ(run_tcpkit({"uppercase", "client", "127.0.0.1", "4000000", "-p", port_text(server.port), "--strategy", "async"})
                .exit_code(),
            0);
  const std::uint64_t before = vm_rss_kib(server.proc.pid());

  asio::io_context io;
  tcp::socket greedy(io);
  greedy.connect({asio::ip::make_address("127.0.0.1"), server.port});
  // A pause of the server on a busy machine can look like "stuck" before the buffers
  // are full: keep writing until well past them (any real stall shows below, within 20 s).
  const auto deadline = test::clock::now() + 20s;
  std::uint64_t written = 0;
  while (written <= (1u << 20) && test::clock::now() < deadline && !HasFailure()) {
    written += test::write_until_stuck(greedy, deadline);
  }
  const std::uint64_t stuck = vm_rss_kib(server.proc.pid());

  // Others are served meanwhile.
  auto other = run_tcpkit({"uppercase", "client", "127.0.0.1", "8000000", "-p", port_text(server.port), "--strategy", "threads"});
  EXPECT_EQ(other.exit_code(), 0) << other.stderr_text();

  std::cout << "[ measure  ] a client wrote " << written << " bytes without reading; server VmRSS " << before
            << " KiB -> " << stuck << " KiB\n";
  EXPECT_GT(written, 1u << 20);
  EXPECT_LT(stuck, before + 4096) << "the server's memory grew with what a non-reading client sent";

  // The idle timeout ends it: our socket is reset or closed, and the server says why.
  EXPECT_TRUE(server.proc.wait_for_stderr("no progress for 3 s, connection closed", 15s)) << server.proc.stderr_text();
  // Readable is not enough (the server's replies are there to read): wait for its FIN or reset.
  pollfd pfd{greedy.native_handle(), POLLRDHUP, 0};
  EXPECT_EQ(::poll(&pfd, 1, 5000), 1) << "the idle client was not closed";
}

TEST(UppercaseCli, SigintPrintsAnAccuratePartialSummaryAndExits130) {
  auto server = start_tcpkit_server({"uppercase", "server", "127.0.0.1", "-p", "0"});
  for (const char* strategy : {"naive", "threads", "async"}) {
    auto client = process::spawn({.argv = {test::tcpkit_binary(), "uppercase", "client", "127.0.0.1", "100000000000000",
                                           "-p", port_text(server.port), "--strategy", strategy, "--json"}});
    // --json shows progress events even without a terminal: wait until bytes are moving.
    ASSERT_TRUE(client.wait_for_stdout("{\"event\":\"progress\"", 10s)) << strategy << client.stderr_text();
    client.signal(SIGINT);
    ASSERT_EQ(client.wait(10s), 130) << strategy << client.stderr_text();
    const std::string& out = client.stdout_text();
    // The last two events: the session's summary, then the run's end.
    const auto last_at = out.rfind('\n', out.size() - 2) + 1;
    const std::string last = out.substr(last_at);
    const std::string session = out.substr(out.rfind('\n', last_at - 2) + 1, last_at - out.rfind('\n', last_at - 2) - 1);
    EXPECT_EQ(last.rfind("{\"event\":\"end\",", 0), 0u) << last;
    EXPECT_NE(last.find("\"interrupted\":true"), std::string::npos) << last;
    EXPECT_EQ(session.rfind("{\"event\":\"session\",", 0), 0u) << session;
    EXPECT_NE(session.find("\"closed_by\":\"client\",\"close_how\":\"interrupted\""), std::string::npos) << session;
    // The text summary says the same numbers as the JSON one.
    std::smatch text, json;
    ASSERT_TRUE(std::regex_search(client.stderr_text(), text, std::regex("Interrupted after .* s: sent (\\d+) of 100000000000000 bytes, received (\\d+)")))
        << client.stderr_text();
    ASSERT_TRUE(std::regex_search(last, json, std::regex("\"bytes_sent\":(\\d+),\"bytes_received\":(\\d+)"))) << last;
    EXPECT_EQ(text[1], json[1]);
    EXPECT_EQ(text[2], json[2]);
    EXPECT_NE(text[1], "0") << strategy;
    std::smatch counted;
    ASSERT_TRUE(std::regex_search(session, counted, std::regex("\"bytes_sent\":(\\d+),\"bytes_received\":(\\d+)"))) << session;
    EXPECT_EQ(counted[1], json[1]) << strategy;
    EXPECT_EQ(counted[2], json[2]) << strategy;
  }
}

TEST(UppercaseCli, AServerThatDoesNotUppercaseIsCaughtAndExitsSix) {
  auto sixteen = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0"});
  auto client = run_tcpkit({"uppercase", "client", "127.0.0.1", "-p", port_text(sixteen.port)});
  EXPECT_EQ(client.exit_code(), 6);
  expect_last_line_error(client, "tcpkit: recv 127.0.0.1:" + port_text(sixteen.port) +
                                     ": byte 0 of the reply is \"F\", expected \"C\" (the uppercase of the \"c\" sent)");
}

TEST(UppercaseCli, BadOptionsAreUsageErrorsAndRefusalExitsThree) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"uppercase", "client", "127.0.0.1", "--strategy", "fast"},
        {"uppercase", "client", "127.0.0.1", "--send-size", "0"},
        {"uppercase", "client", "127.0.0.1", "-5"},
        {"uppercase", "client", "127.0.0.1", "--stall-timeout", "0"},
        {"uppercase", "client", "127.0.0.1", "--stall-timeout", "1e300"},  // would overflow clock::duration
        {"uppercase", "server", "127.0.0.1", "--chunk", "0"}}) {
    auto run = run_tcpkit(args);
    EXPECT_EQ(run.exit_code(), 2) << ::testing::PrintToString(args) << run.stderr_text();
  }
  const test::refusing_port refusing;
  const std::uint16_t port = refusing.port();
  auto refused = run_tcpkit({"uppercase", "client", "127.0.0.1", "-p", port_text(port), "--strategy", "threads"});
  EXPECT_EQ(refused.exit_code(), 3);
  expect_last_line_error(refused, "connect 127.0.0.1:" + port_text(port) + ": Connection refused");
}

}  // namespace
}  // namespace tcpkit
