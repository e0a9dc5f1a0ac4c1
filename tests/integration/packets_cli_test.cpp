// --packets and --pcap as a learner uses them (SPEC §3.5): the sixteen exchange's handshake,
// data and teardown in the ladder and in a pcap file that tcpdump reads; the naive uppercase
// deadlock's zero windows; and the one line a process without the privilege gets instead.
// Capturing needs root (CAP_NET_RAW): those tests skip with a message otherwise, as CI runs
// them as root.
#include "support/cli.hpp"

#include "tcpkit/core/connect.hpp"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;
using test::run_tcpkit;
using test::start_tcpkit_server;

#define TCPKIT_REQUIRE_ROOT()                                                                 \
  do {                                                                                        \
    if (::geteuid() != 0) GTEST_SKIP() << "capturing packets needs root (CAP_NET_RAW): not tested"; \
  } while (0)

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::size_t count_matching(const std::vector<std::string>& lines, const std::regex& pattern) {
  std::size_t n = 0;
  for (const auto& line : lines) n += std::regex_search(line, pattern) ? 1 : 0;
  return n;
}

// `tcpdump -n -r FILE`: one line per packet.
std::vector<std::string> tcpdump(const std::string& path) {
  auto proc = test::process::spawn({.argv = {"tcpdump", "-n", "-r", path}});
  EXPECT_EQ(proc.wait(20s), 0) << proc.stderr_text();
  return lines_of(proc.stdout_text());
}

class PacketsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("tcpkit-packets-cli-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string at(std::string_view name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

TEST_F(PacketsCli, SixteenExchangeHandshakeDataAndBothFinsInThePcapFileAndTheLadder) {
  TCPKIT_REQUIRE_ROOT();
  auto server = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0", "--once", "--packets"});
  const std::string port = std::to_string(server.port);
  auto client = run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port, "--packets", "--pcap", at("c.pcap")});
  ASSERT_EQ(client.exit_code(), 0) << client.stderr_text();
  ASSERT_EQ(server.proc.wait(20s), 0) << server.proc.stderr_text();

  // The file, as tcpdump reads it: client -> server is "127.0.0.1.X > 127.0.0.1.PORT:".
  const auto packets = tcpdump(at("c.pcap"));
  const std::string to_server = "> 127\\.0\\.0\\.1\\." + port + ": ";
  const std::string to_client = "127\\.0\\.0\\.1\\." + port + " > ";
  EXPECT_EQ(count_matching(packets, std::regex(to_server + "Flags \\[S\\],")), 1u);
  EXPECT_EQ(count_matching(packets, std::regex(to_client + ".*Flags \\[S\\.\\],")), 1u);
  EXPECT_GE(count_matching(packets, std::regex(to_server + "Flags \\[\\.\\], ack 1,")), 1u);  // the handshake's ACK
  EXPECT_EQ(count_matching(packets, std::regex(to_server + "Flags \\[P\\.\\], seq 1:17,.* length 16")), 1u);
  EXPECT_EQ(count_matching(packets, std::regex(to_client + ".*Flags \\[P\\.\\], seq 1:17,.* length 16")), 1u);
  EXPECT_EQ(count_matching(packets, std::regex(to_server + "Flags \\[F\\.\\]")), 1u);
  EXPECT_EQ(count_matching(packets, std::regex(to_client + ".*Flags \\[F\\.\\]")), 1u);

  // The client's ladder drew the same: every segment in the file, one rung each, with its lessons.
  const auto ladder = lines_of(client.stdout_text());
  const std::size_t sent = count_matching(ladder, std::regex(R"(ms  \|-- )"));
  const std::size_t received = count_matching(ladder, std::regex(R"(ms  \|<-)"));
  EXPECT_EQ(sent + received, packets.size()) << client.stdout_text();
  EXPECT_EQ(count_matching(ladder, std::regex(R"(\|-- SYN seq=0 win=\d+ mss=\d+)")), 1u) << client.stdout_text();
  EXPECT_EQ(count_matching(ladder, std::regex(R"(\|<-.* SYN-ACK seq=0 ack=1 )")), 1u);
  EXPECT_EQ(count_matching(ladder, std::regex(R"(\|-- ACK seq=1 ack=1 .*->\|  handshake complete$)")), 1u);
  EXPECT_EQ(count_matching(ladder, std::regex(R"(\|-- PSH-ACK seq=1 ack=1 len=16 )")), 1u);
  EXPECT_EQ(count_matching(ladder, std::regex(R"(\|<-.* PSH-ACK seq=1 ack=(17|18) len=16 )")), 1u);
  EXPECT_EQ(count_matching(ladder, std::regex(R"(\|-- FIN-ACK .*this side half-closed: FIN)")), 1u);
  EXPECT_EQ(count_matching(ladder, std::regex(R"(\|<-.* FIN-ACK .*the peer half-closed: FIN)")), 1u);
  EXPECT_EQ(count_matching(ladder, std::regex("TIME_WAIT is on (this|the peer's) side: it closed first")), 1u);
  EXPECT_EQ(count_matching(ladder, std::regex("^Captured " + std::to_string(packets.size()) + " segments: " +
                                              std::to_string(sent) + " sent, " + std::to_string(received) + " received")),
            1u)
      << client.stdout_text();
  // The session summary counts the segments that were captured before it.
  EXPECT_EQ(count_matching(ladder, std::regex(R"(^  Session with .*; \d+ segments sent, \d+ received, 0 retransmitted)")), 1u);

  // The server drew the same connection, each line led by the peer it belongs to.
  const auto server_ladder = lines_of(server.proc.stdout_text());
  const std::string peer = R"(^127\.0\.0\.1:\d+ +)";
  EXPECT_EQ(count_matching(server_ladder, std::regex(peer + R"([0-9.]+ ms  \|<-.* SYN seq=0 )")), 1u) << server.proc.stdout_text();
  EXPECT_EQ(count_matching(server_ladder, std::regex(peer + R"([0-9.]+ ms  \|-- SYN-ACK seq=0 ack=1 )")), 1u);
  EXPECT_EQ(count_matching(server_ladder, std::regex(peer + ".*handshake complete$")), 1u);
  EXPECT_EQ(count_matching(server_ladder, std::regex(peer + R"([0-9.]+ ms  \|)")), packets.size());
}

TEST_F(PacketsCli, AClientCapturesItsOwnConnectionOnlyWhileAnotherStreamsToTheSameServer) {
  TCPKIT_REQUIRE_ROOT();
  auto server = start_tcpkit_server({"uppercase", "server", "127.0.0.1", "-p", "0"});
  const std::string port = std::to_string(server.port);
  // A stream that will not end during the test (64 GiB), both directions busy.
  auto stream = test::process::spawn({.argv = {test::tcpkit_binary(), "uppercase", "client", "127.0.0.1", "68719476736",
                                               "-p", port, "--strategy", "threads", "--json"}});
  ASSERT_TRUE(stream.wait_for_stdout(R"("event":"connection")", 10s)) << stream.stderr_text();

  auto client = run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", port, "--packets", "--pcap", at("one.pcap")});
  ASSERT_EQ(client.exit_code(), 0) << client.stderr_text();
  ASSERT_FALSE(stream.exit_code().has_value()) << "the other stream ended before the client ran";

  // Exactly the sixteen exchange, all of the client's own port, nothing dropped: ten segments, or
  // eleven when the busy server's reply came after its delayed ACK had acknowledged the FIN alone.
  std::smatch local;
  const std::string out = client.stdout_text();
  ASSERT_TRUE(std::regex_search(out, local, std::regex(R"(this side 127\.0\.0\.1:(\d+) \(left\))"))) << out;
  const auto packets = tcpdump(at("one.pcap"));
  const std::size_t lone_fin_acks =
      count_matching(packets, std::regex("127\\.0\\.0\\.1\\." + port + " > .*: Flags \\[\\.\\], ack 18,"));
  EXPECT_LE(lone_fin_acks, 1u);
  EXPECT_EQ(packets.size(), 10u + lone_fin_acks) << out;
  EXPECT_EQ(count_matching(packets, std::regex("127\\.0\\.0\\.1\\." + local[1].str() + "[ :]")), packets.size());
  EXPECT_EQ(count_matching(lines_of(out), std::regex("^Packets between ")), 1u) << out;
  EXPECT_EQ(count_matching(lines_of(out), std::regex("handshake complete$")), 1u) << out;
  EXPECT_EQ(count_matching(lines_of(out), std::regex("^Captured " + std::to_string(packets.size()) +
                                                     R"( segments: .*one\.pcap$)")),
            1u)
      << out;
}

TEST_F(PacketsCli, NaiveUppercaseDeadlockAdvertisesZeroWindowsInTheFileAndTheLadder) {
  TCPKIT_REQUIRE_ROOT();
  auto server = start_tcpkit_server({"uppercase", "server", "127.0.0.1", "-p", "0", "--once"});
  auto client = run_tcpkit({"uppercase", "client", "127.0.0.1", "33554432", "-p", std::to_string(server.port),
                            "--stall-timeout", "1.5", "--packets", "--pcap", at("deadlock.pcap")},
                           60s);
  ASSERT_EQ(client.exit_code(), 7) << client.stderr_text();  // the deadlock, diagnosed
  ASSERT_TRUE(server.proc.wait(20s).has_value());

  const auto packets = tcpdump(at("deadlock.pcap"));
  const std::size_t zero_in_file = count_matching(packets, std::regex(", win 0,"));
  EXPECT_GT(zero_in_file, 0u) << "no zero window among " << packets.size() << " packets";
  const auto ladder = lines_of(client.stdout_text());
  const std::size_t zero_in_ladder = count_matching(ladder, std::regex(R"( win=0 .*zero window: the receiver's buffer is full)"));
  EXPECT_EQ(zero_in_ladder, zero_in_file);
  EXPECT_GT(count_matching(ladder, std::regex(R"(\|<-.* win=0 .*zero window: the receiver's buffer is full \(the peer's\))")), 0u)
      << "the server never closed its window";
  EXPECT_EQ(count_matching(ladder, std::regex("; \\d+ segments sent, \\d+ received, \\d+ retransmitted, " +
                                              std::to_string(zero_in_file) + " with a zero window")),
            1u)
      << client.stdout_text();
}

TEST_F(PacketsCli, TheLinesServerKeepsItsStdoutForThePayloadAndDrawsOnStderr) {
  TCPKIT_REQUIRE_ROOT();
  auto server = start_tcpkit_server({"lines", "server", "::1", "-p", "0", "--once", "--packets"}, /*listening_on_stderr=*/true);
  auto client = run_tcpkit({"lines", "client", "::1", "-p", std::to_string(server.port), "--packets"}, 20s,
                           std::string("one\ntwo\n"));
  ASSERT_EQ(client.exit_code(), 0) << client.stderr_text();
  ASSERT_EQ(server.proc.wait(20s), 0) << server.proc.stderr_text();
  EXPECT_EQ(server.proc.stdout_text(), "one\ntwo\n");  // the payload, byte for byte, and nothing else
  const auto drawn = lines_of(server.proc.stderr_text());
  EXPECT_EQ(count_matching(drawn, std::regex(R"(^\[::1\]:\d+ +[0-9.]+ ms  \|<-.* SYN seq=0 )")), 1u) << server.proc.stderr_text();
  EXPECT_EQ(count_matching(drawn, std::regex(R"(^\[::1\]:\d+ .*\|<-.* PSH-ACK seq=1 ack=1 len=8 )")), 1u);
  // The client, on IPv6 too, draws on stdout with its other text.
  EXPECT_EQ(count_matching(lines_of(client.stdout_text()), std::regex("handshake complete$")), 1u) << client.stdout_text();
}

std::size_t count_occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST_F(PacketsCli, PlotMarksTheZeroWindowsOfACaptureOnTheTrace) {
  TCPKIT_REQUIRE_ROOT();
  auto server = start_tcpkit_server({"uppercase", "server", "127.0.0.1", "-p", "0", "--once"});
  auto client = run_tcpkit({"uppercase", "client", "127.0.0.1", "33554432", "-p", std::to_string(server.port),
                            "--stall-timeout", "1.5", "-q", "--trace", at("client.csv"), "--pcap", at("client.pcap")},
                           60s);
  ASSERT_EQ(client.exit_code(), 7) << client.stderr_text();
  ASSERT_TRUE(server.proc.wait(20s).has_value());

  auto bare = run_tcpkit({"plot", at("client.csv"), "-o", at("bare.svg")});
  ASSERT_EQ(bare.exit_code(), 0) << bare.stderr_text();
  auto marked = run_tcpkit({"plot", at("client.csv"), "--pcap", at("client.pcap"), "-o", at("marked.svg")});
  ASSERT_EQ(marked.exit_code(), 0) << marked.stderr_text();
  std::ifstream in(at("marked.svg"));
  const std::string svg{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::ifstream bare_in(at("bare.svg"));
  const std::string bare_svg{std::istreambuf_iterator<char>(bare_in), std::istreambuf_iterator<char>()};
  // Both sides closed their windows in the deadlock: both kinds of mark, and their legend.
  EXPECT_GT(count_occurrences(svg, R"(data-series="zero_window_local")"), 0u);
  EXPECT_GT(count_occurrences(svg, R"(data-series="zero_window_peer")"), 0u);
  EXPECT_NE(svg.find("zero window, this side"), std::string::npos);
  EXPECT_EQ(bare_svg.find("zero_window"), std::string::npos);  // no capture, no marks

  auto not_a_capture = run_tcpkit({"plot", at("client.csv"), "--pcap", at("client.csv"), "-o", at("x.svg")});
  EXPECT_EQ(not_a_capture.exit_code(), 1);
  EXPECT_EQ(not_a_capture.stderr_text().rfind("tcpkit: read " + at("client.csv") + ": ", 0), 0u) << not_a_capture.stderr_text();
}

// A listener of the test's own: a client that connected would be waiting in its queue.
class bare_listener {
 public:
  bare_listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), length), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    port_ = ntohs(address.sin_port);
  }
  ~bare_listener() { ::close(fd_); }
  std::uint16_t port() const { return port_; }
  bool has_connection() const {
    const int accepted = ::accept(fd_, nullptr, nullptr);
    if (accepted >= 0) ::close(accepted);
    return accepted >= 0;
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

TEST_F(PacketsCli, WithoutThePrivilegeOneLineSaysHowToGetItAndNothingConnects) {
  // Root is made unprivileged by dropping CAP_NET_RAW from the bounding set for the child.
  std::vector<std::string> prefix;
  if (::geteuid() == 0) {
    if (!std::filesystem::exists("/usr/bin/setpriv")) GTEST_SKIP() << "root without setpriv (util-linux): cannot drop CAP_NET_RAW";
    prefix = {"/usr/bin/setpriv", "--bounding-set=-net_raw", "--inh-caps=-net_raw"};
  }
  bare_listener listener;
  std::vector<std::string> argv = prefix;
  for (const char* word : {"sixteen", "client", "127.0.0.1", "-p"}) argv.emplace_back(word);
  argv.push_back(std::to_string(listener.port()));
  argv.emplace_back("--packets");
  argv.insert(argv.begin() + static_cast<std::ptrdiff_t>(prefix.size()), test::tcpkit_binary());
  auto client = test::process::spawn({.argv = argv});
  ASSERT_EQ(client.wait(20s), 3) << client.stderr_text();
  EXPECT_EQ(client.stdout_text(), "");
  EXPECT_TRUE(std::regex_match(client.stderr_text(),
                               std::regex("tcpkit: capture \\S+: permission denied: capturing packets needs CAP_NET_RAW: "
                                          "run as root, or once: sudo setcap cap_net_raw\\+ep .*\n")))
      << client.stderr_text();
  EXPECT_FALSE(listener.has_connection());
}

// The library's side of it: the hook runs once per attempt, before the SYN, with the port the
// connection then has. No capture, so no root needed.
TEST(ConnectHook, BeforeConnectSeesTheBoundPortBeforeTheServerSeesAConnection) {
  bare_listener listener;
  asio::io_context io;
  connect_options options;
  options.timeout = std::chrono::seconds(10);
  std::vector<std::uint16_t> ports;
  bool connected_before_hook = false;
  options.before_connect = [&](std::uint16_t local_port, const tcp::endpoint& remote) {
    ports.push_back(local_port);
    EXPECT_EQ(remote.port(), listener.port());
    connected_before_hook = listener.has_connection();
  };
  const tcp::socket socket = connect_to(io, "127.0.0.1", listener.port(), options);
  ASSERT_EQ(ports.size(), 1u);
  EXPECT_NE(ports[0], 0);
  EXPECT_EQ(socket.local_endpoint().port(), ports[0]);
  EXPECT_FALSE(connected_before_hook);
  EXPECT_TRUE(listener.has_connection());
}

}  // namespace
}  // namespace tcpkit
