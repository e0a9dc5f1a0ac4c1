// Faults a server must survive without help: running out of descriptors, and peers that
// reset or vanish. Each test bounds every wait.
#include "support/cli.hpp"

#include "tcpkit/core/endpoint.hpp"

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;
using test::clock;

// CPU time (user + system) a process has used so far, in clock ticks.
long cpu_ticks(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));  // skip "pid (comm) "
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip;  // state .. cmajflt: fields 3-13
  long utime = 0, stime = 0;
  fields >> utime >> stime;
  return utime + stime;
}

TEST(Resilience, OutOfDescriptorsTheServerIdlesAndRecoversWhenClientsLeave) {
  // 24 descriptors: a handful for the server itself, a dozen or so for sessions.
  test::spawn_options options;
  options.argv = {"/bin/sh", "-c",
                  "ulimit -n 24 && exec \"$0\" sixteen server 127.0.0.1 -p 0", test::tcpkit_binary()};
  auto server = test::process::spawn(options);
  const auto listening = server.wait_for_stdout("Listening at", 10s);
  ASSERT_TRUE(listening) << server.stderr_text();
  const auto port = *test::port_from_text(*listening);

  asio::io_context io;
  std::vector<tcp::socket> silent;
  for (int i = 0; i < 40; ++i) {
    silent.emplace_back(io);
    silent.back().connect({asio::ip::make_address("127.0.0.1"), port});  // completes in the backlog
  }
  ASSERT_TRUE(server.wait_for_stderr("pausing accepts", 10s)) << server.stderr_text();

  // Saturated: the server must wait for descriptors, not spin on accept(). This is a
  // measurement window, not a wait for a condition.
  const long before = cpu_ticks(server.pid());
  std::this_thread::sleep_until(clock::now() + 1s);
  const long used = cpu_ticks(server.pid()) - before;
  EXPECT_LT(used, 20) << "ticks of CPU in 1 s while out of descriptors (100 ticks = one busy core)";

  silent.clear();  // the clients leave; their sessions end and give descriptors back
  auto client = test::run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", std::to_string(port)}, 20s);
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
}

TEST(Resilience, ResetsAndVanishingPeersEndOnlyTheirOwnSessions) {
  auto server = test::start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0"});
  asio::io_context io;
  for (int i = 0; i < 50; ++i) {
    tcp::socket peer(io);
    peer.connect({asio::ip::make_address("127.0.0.1"), server.port});
    if (i % 2 == 0) {
      const char partial[] = "Hi";
      peer.write_some(asio::buffer(partial, 2));
    }
    peer.set_option(asio::socket_base::linger(true, 0));  // close() sends a reset
    peer.close();
  }
  auto client = test::run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", std::to_string(server.port)});
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
}

}  // namespace
}  // namespace tcpkit
