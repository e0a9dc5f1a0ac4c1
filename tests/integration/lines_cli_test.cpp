// tcpkit lines as a user runs it: real processes, stdout redirected to a file, nc as a client,
// a flood without newlines, ten clients at once, and the documented exit codes.
#include "support/cli.hpp"
#include "support/scale.hpp"

#include "tcpkit/core/endpoint.hpp"

#include <asio/io_context.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;
using test::process;
using test::run_tcpkit;
using test::running_server;
using test::start_tcpkit_server;

std::string port_text(std::uint16_t port) { return std::to_string(port); }

// A scratch directory, removed with its files at the end of the test.
class scratch_dir {
 public:
  scratch_dir() {
    std::string templ = ::testing::TempDir() + "tcpkit_lines_XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp");
    path_ = templ;
  }
  ~scratch_dir() {
    for (const auto& name : files_) ::unlink((path_ + "/" + name).c_str());
    ::rmdir(path_.c_str());
  }
  std::string file(const std::string& name) {
    files_.push_back(name);
    return path_ + "/" + name;
  }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

void write_file(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream all;
  all << in.rdbuf();
  return all.str();
}

// Random printable lines of 0..max_length bytes, one in ten CRLF, each starting with `prefix`
// and its number when one is given.
std::string random_lines(std::size_t approx_bytes, unsigned seed, int max_length = 200, const std::string& prefix = {}) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> length(0, max_length);
  std::uniform_int_distribution<int> printable(32, 126);
  std::string data;
  data.reserve(approx_bytes + static_cast<std::size_t>(max_length) + 64);
  for (std::size_t number = 0; data.size() < approx_bytes; ++number) {
    if (!prefix.empty()) data.append(prefix).append(std::to_string(number)).append(" ");
    for (int n = length(rng); n > 0; --n) data += static_cast<char>(printable(rng));
    data += rng() % 10 == 0 ? "\r\n" : "\n";
  }
  return data;
}

std::string ack_for(std::string_view data) {
  std::size_t lines = static_cast<std::size_t>(std::count(data.begin(), data.end(), '\n'));
  if (!data.empty() && data.back() != '\n') ++lines;
  return "received " + std::to_string(lines) + " lines, " + std::to_string(data.size()) + " bytes";
}

running_server start_lines_server(std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"lines", "server", "127.0.0.1", "-p", "0"};
  args.insert(args.end(), extra.begin(), extra.end());
  return start_tcpkit_server(args, /*listening_on_stderr=*/true);
}

// `tcpkit lines server 127.0.0.1 -p 0 ARGS... > output`, as a user runs it. (A pipe to this
// test process would only be drained while the test waits on the server itself, and the
// server's backpressure would rightly stall every client meanwhile.)
running_server start_lines_server_to_file(const std::string& output, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {"/bin/sh", "-c", "out=$1; shift; exec \"$0\" lines server 127.0.0.1 -p 0 \"$@\" > \"$out\"",
                                   test::tcpkit_binary(), output};
  argv.insert(argv.end(), extra.begin(), extra.end());
  running_server server{process::spawn({.argv = argv}), 0};
  const auto listening = server.proc.wait_for_stderr("Listening at", 10s);
  if (!listening) {
    ADD_FAILURE() << "no 'Listening at' from tcpkit; stderr: " << server.proc.stderr_text();
    return server;
  }
  server.port = test::port_from_text(*listening).value_or(0);
  return server;
}

// Stops a server with SIGINT (exit 0) and returns once it has exited.
void stop(running_server& server) {
  server.proc.signal(SIGINT);
  ASSERT_EQ(server.proc.wait(10s), 0) << server.proc.stderr_text();
}

long vm_kib(pid_t pid, std::string_view field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with(field)) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

TEST(LinesCli, ALargeFileComesOutOfTheServersStdoutByteForByte) {
  scratch_dir dir;
  const std::string input = dir.file("input.txt");
  const std::string copy = dir.file("copy.txt");
  const std::string data = random_lines((24 << 20) / test::heavy_scale_down(), 1) + "and a last line without newline";
  write_file(input, data);

  // As a user runs it: `tcpkit lines server ... > copy.txt`.
  auto server = start_lines_server_to_file(copy, {"--once"});
  ASSERT_NE(server.port, 0);

  auto client = run_tcpkit({"lines", "client", "127.0.0.1", input, "-p", port_text(server.port)}, 40s);
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  EXPECT_NE(client.stdout_text().find("The server said \"" + ack_for(data) + "\""), std::string::npos)
      << client.stdout_text();
  ASSERT_EQ(server.proc.wait(20s), 0) << server.proc.stderr_text();
  EXPECT_TRUE(read_file(copy) == data) << "copy differs from the input";
  EXPECT_NE(server.proc.stderr_text().find("acknowledged, socket closed"), std::string::npos)
      << server.proc.stderr_text();
}

TEST(LinesCli, NetcatIsAClientCrlfAndAnUnterminatedLastLineIncluded) {
  auto server = start_lines_server();
  ASSERT_NE(server.port, 0);
  const std::string sent = "hello\r\nworld\nlast line, no newline";
  std::optional<process> nc;
  try {
    nc.emplace(process::spawn({.argv = {"nc", "-N", "127.0.0.1", port_text(server.port)}, .stdin_data = sent}));
  } catch (const std::system_error&) {
    GTEST_SKIP() << "nc (netcat-openbsd) is not installed: scripts/install-deps.sh installs it";
  }
  ASSERT_EQ(nc->wait(10s), 0) << nc->stderr_text();
  EXPECT_EQ(nc->stdout_text(), ack_for(sent) + "\n");
  stop(server);
  EXPECT_EQ(server.proc.stdout_text(), sent);  // stdout holds the lines and nothing else
}

TEST(LinesCli, AFloodWithoutNewlinesIsCutOffWithBoundedMemory) {
  auto server = start_lines_server();
  ASSERT_NE(server.port, 0);

  // A client that sends as fast as it can, without a newline, until the server cuts it off.
  asio::io_context io;
  tcp::socket flooder(io);
  flooder.connect({asio::ip::make_address("127.0.0.1"), server.port});
  const std::string chunk(1 << 20, 'x');
  std::uint64_t flooded = 0;
  std::error_code ec;
  const auto give_up = test::clock::now() + 20s;
  while (!ec && test::clock::now() < give_up) flooded += asio::write(flooder, asio::buffer(chunk), ec);
  EXPECT_TRUE(ec) << "still connected after " << flooded << " bytes";
  // What reached us before the reset, if anything (never waits: the reset is in).
  std::string said(256, '\0');
  flooder.non_blocking(true, ec);
  said.resize(flooder.read_some(asio::buffer(said), ec));
  flooder.close();
  RecordProperty("flooded_bytes", std::to_string(flooded));
  RecordProperty("server_said", said);

  const long peak_kib = vm_kib(server.proc.pid(), "VmHWM:");
  EXPECT_GT(peak_kib, 0);
  RecordProperty("server_peak_rss_kib", std::to_string(peak_kib));
  // Sanitizer builds add shadow memory and keep freed blocks in quarantine: RSS means nothing
  // there (CI sets TCPKIT_SANITIZER for those runs).
  if (!test::under_sanitizer()) {
    EXPECT_LT(peak_kib, 40 * 1024) << "server peak RSS after " << flooded << " bytes of flood";
  }
  EXPECT_TRUE(server.proc.wait_for_stderr("line too long (over 65536 bytes)", 10s)) << server.proc.stderr_text();

  // And it goes on serving.
  auto client = run_tcpkit({"lines", "client", "127.0.0.1", "-", "-p", port_text(server.port)}, 20s, "still here\n");
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  stop(server);
  EXPECT_EQ(server.proc.stdout_text(), "still here\n");
}

TEST(LinesCli, TenClientsAtOnceNeverShareALine) {
  scratch_dir dir;
  const std::string output = dir.file("output.txt");
  auto server = start_lines_server_to_file(output);
  ASSERT_NE(server.port, 0);

  constexpr int kClients = 10;
  // Each client reads a FIFO that a thread of ours fills in small pieces, all at once, so the
  // ten connections really are sending at the same time, each of them cut mid-line again and
  // again. Long lines (up to 4000 bytes) make the cuts land inside lines.
  // Overlap is made certain, not hoped for (a fast server may otherwise take one client's
  // whole input before the next one's arrives): each feeder sends the first half of its input,
  // and only once the server has written a line of every client do they send the second
  // halves. Ten clients before that point and ten after it make at least 19 runs of one
  // client's lines in the output.
  std::vector<std::string> inputs;
  std::vector<std::string> fifos;
  std::vector<process> clients;
  for (int c = 0; c < kClients; ++c) {
    const std::string tag = std::string("c").append(std::to_string(c)).append(" l");  // "c3 l17 ..."
    inputs.push_back(random_lines((1 << 20) / test::heavy_scale_down(), 100 + static_cast<unsigned>(c), 4000, tag));
    fifos.push_back(dir.file("client" + std::to_string(c) + ".fifo"));
    ASSERT_EQ(::mkfifo(fifos.back().c_str(), 0600), 0);
    clients.push_back(process::spawn(
        {.argv = {test::tcpkit_binary(), "lines", "client", "127.0.0.1", fifos.back(), "-p", port_text(server.port)}}));
  }
  std::mutex gate_mutex;
  std::condition_variable gate;
  bool second_halves = false;
  std::vector<std::thread> feeders;
  for (int c = 0; c < kClients; ++c) {
    feeders.emplace_back([&, c] {
      const int fd = ::open(fifos[static_cast<std::size_t>(c)].c_str(), O_WRONLY | O_CLOEXEC);  // meets the client's open
      if (fd < 0) return;
      const std::string& input = inputs[static_cast<std::size_t>(c)];
      const std::size_t half = input.find('\n', input.size() / 2) + 1;  // a line boundary
      auto send = [fd](std::string_view rest) {
        while (!rest.empty()) {
          const ssize_t n = ::write(fd, rest.data(), std::min<std::size_t>(rest.size(), 8192));
          if (n <= 0) return;
          rest.remove_prefix(static_cast<std::size_t>(n));
        }
      };
      send(std::string_view(input).substr(0, half));
      {
        std::unique_lock lock(gate_mutex);
        gate.wait_for(lock, 30s, [&] { return second_halves; });
      }
      send(std::string_view(input).substr(half));
      ::close(fd);
    });
  }
  // The barrier: a line of every client in the server's output file.
  const auto all_seen_by = test::clock::now() + 30s;
  bool all_seen = false;
  while (!all_seen && test::clock::now() < all_seen_by) {
    const std::string so_far = read_file(output);
    all_seen = true;
    for (int c = 0; c < kClients && all_seen; ++c) {
      all_seen = so_far.find(std::string("c").append(std::to_string(c)).append(" l")) != std::string::npos;
    }
    if (!all_seen) std::this_thread::sleep_for(5ms);  // polling a file the server writes; bounded above
  }
  EXPECT_TRUE(all_seen) << "not every client's first half reached the server's output within 30 s";
  {
    const std::lock_guard lock(gate_mutex);
    second_halves = true;
  }
  gate.notify_all();
  for (int c = 0; c < kClients; ++c) {
    EXPECT_EQ(clients[static_cast<std::size_t>(c)].wait(30s), 0) << clients[static_cast<std::size_t>(c)].stderr_text();
  }
  for (auto& feeder : feeders) feeder.join();
  stop(server);

  // Every output line is a whole line of one client, and each client's lines come in order.
  const std::string out = read_file(output);
  std::vector<std::size_t> offset(kClients, 0);  // how far into each input the output has got
  std::size_t switches = 0;
  int previous = -1;
  for (std::size_t pos = 0; pos < out.size();) {
    const std::size_t end = out.find('\n', pos);
    ASSERT_NE(end, std::string::npos) << "output ends inside a line";
    const std::string_view l(out.data() + pos, end + 1 - pos);
    ASSERT_EQ(l[0], 'c') << "a line that starts with no client's tag: " << l.substr(0, 40);
    const int c = std::stoi(std::string(l.substr(1, l.find(' ') - 1)));
    ASSERT_TRUE(c >= 0 && c < kClients) << l.substr(0, 40);
    auto& at = offset[static_cast<std::size_t>(c)];
    const std::string& input = inputs[static_cast<std::size_t>(c)];
    ASSERT_EQ(input.compare(at, l.size(), l), 0) << "client " << c << "'s line at " << at << " is not whole: "
                                                 << l.substr(0, 60);
    at += l.size();
    switches += previous != c ? 1 : 0;
    previous = c;
    pos = end + 1;
  }
  for (int c = 0; c < kClients; ++c) EXPECT_EQ(offset[static_cast<std::size_t>(c)], inputs[static_cast<std::size_t>(c)].size());
  RecordProperty("client_switches", std::to_string(switches));
  EXPECT_GT(switches, std::size_t{kClients}) << "the clients did not overlap: nothing was tested";
}

TEST(LinesCli, StdinThroughAPipeIsPrintedPromptlyLineByLine) {
  // A person typing into `tcpkit lines client HOST -`: each line shows on the server's stdout
  // (a pipe here) while the client is still running, not at the end.
  auto server = start_lines_server();
  ASSERT_NE(server.port, 0);
  auto client = process::spawn({.argv = {test::tcpkit_binary(), "lines", "client", "127.0.0.1", "-", "-p",
                                         port_text(server.port)},
                                .stdin_pipe = true});
  client.write_stdin("first line\n");
  EXPECT_EQ(server.proc.read_stdout_line(10s), "first line");
  client.write_stdin("second line\r\n");
  EXPECT_EQ(server.proc.read_stdout_line(10s), "second line\r");
  client.close_stdin();
  ASSERT_EQ(client.wait(10s), 0) << client.stderr_text();
  EXPECT_NE(client.stdout_text().find("The server said \"received 2 lines, 24 bytes\""), std::string::npos);
  stop(server);
}

TEST(LinesCli, AnInterruptedClientResetsSoItsPartialLineIsNotTakenForTheEnd) {
  // Ctrl-C in the middle of a line: a normal close would look like the end of the input, and
  // the server would print "half a li" and acknowledge. The client resets instead.
  auto server = start_lines_server();
  ASSERT_NE(server.port, 0);
  auto client = process::spawn({.argv = {test::tcpkit_binary(), "lines", "client", "127.0.0.1", "-", "-p",
                                         port_text(server.port)},
                                .stdin_pipe = true});
  client.write_stdin("complete line\nhalf a li");
  EXPECT_EQ(server.proc.read_stdout_line(10s), "complete line");
  client.signal(SIGINT);
  EXPECT_EQ(client.wait(10s), 130) << client.stderr_text();
  EXPECT_TRUE(server.proc.wait_for_stderr("Connection reset by peer", 10s)) << server.proc.stderr_text();
  stop(server);
  EXPECT_EQ(server.proc.stdout_text(), "complete line\n");
}

// A stand-in server that reads to EOF and then answers `reply` (nothing if empty).
class fake_server {
 public:
  explicit fake_server(std::string reply)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), reply_(std::move(reply)) {
    thread_ = std::thread([this] {
      std::error_code ec;
      tcp::socket socket = acceptor_.accept(ec);
      if (ec) return;
      std::string ignored(4096, '\0');
      while (!ec) socket.read_some(asio::buffer(ignored), ec);
      if (!reply_.empty()) asio::write(socket, asio::buffer(reply_), ec);
      socket.shutdown(tcp::socket::shutdown_send, ec);
    });
  }
  ~fake_server() {
    std::error_code ec;
    acceptor_.close(ec);
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::string reply_;
  std::thread thread_;
};

TEST(LinesCli, AWrongAcknowledgementExitsSix) {
  fake_server fake("received 1 lines, 1 bytes\n");
  auto client = run_tcpkit({"lines", "client", "127.0.0.1", "-", "-p", port_text(fake.port())}, 10s, "one\r\ntwo\nthree");
  EXPECT_EQ(client.exit_code(), 6);
  EXPECT_EQ(client.stderr_text(), "tcpkit: ack 127.0.0.1:" + port_text(fake.port()) +
                                      ": the server received 1 lines, 1 bytes, but 3 lines, 14 bytes were sent\n");
}

TEST(LinesCli, NoAcknowledgementExitsSix) {
  fake_server fake("");
  auto client = run_tcpkit({"lines", "client", "127.0.0.1", "-", "-p", port_text(fake.port())}, 10s, "one\n");
  EXPECT_EQ(client.exit_code(), 6);
  EXPECT_NE(client.stderr_text().find("the server closed the connection without an acknowledgement (1 lines, 4 bytes sent)"),
            std::string::npos)
      << client.stderr_text();
}

TEST(LinesCli, MaxLineEndsOnlyTheOffendingConnectionAndSaysWhy) {
  auto server = start_lines_server({"--max-line", "10"});
  ASSERT_NE(server.port, 0);
  auto refused = run_tcpkit({"lines", "client", "127.0.0.1", "-", "-p", port_text(server.port)}, 10s,
                            "short\n" + std::string(20, 'x') + "\nnever printed\n");
  EXPECT_EQ(refused.exit_code(), 6);
  EXPECT_EQ(refused.stderr_text(), "tcpkit: send 127.0.0.1:" + port_text(server.port) +
                                       ": the server refused the data: \"line too long (over 10 bytes)\"\n");
  EXPECT_TRUE(server.proc.wait_for_stderr("line too long (over 10 bytes); connection closed after 1 lines, 6 bytes", 10s))
      << server.proc.stderr_text();

  auto fine = run_tcpkit({"lines", "client", "127.0.0.1", "-", "-p", port_text(server.port)}, 10s, "123456789\n");
  EXPECT_EQ(fine.exit_code(), 0) << fine.stderr_text();  // 10 bytes with its newline: fits
  stop(server);
  EXPECT_EQ(server.proc.stdout_text(), "short\n123456789\n");
}

TEST(LinesCli, JsonEventsGoToStderrAndStdoutStaysPayload) {
  auto server = process::spawn({.argv = {test::tcpkit_binary(), "lines", "server", "127.0.0.1", "-p", "0", "--json"}});
  const auto start = server.wait_for_stderr("\"event\":\"start\"", 10s);
  ASSERT_TRUE(start) << server.stderr_text();
  const std::string key = "\"local\":\"127.0.0.1:";
  const auto at = start->find(key);
  ASSERT_NE(at, std::string::npos) << *start;
  const std::string port = start->substr(at + key.size(), start->find('"', at + key.size()) - at - key.size());
  auto client = run_tcpkit({"lines", "client", "127.0.0.1", "-", "-p", port}, 10s, "payload only\n");
  EXPECT_EQ(client.exit_code(), 0) << client.stderr_text();
  EXPECT_TRUE(server.wait_for_stderr("\"lines_received\":1", 10s)) << server.stderr_text();
  server.signal(SIGINT);
  ASSERT_EQ(server.wait(10s), 0);
  EXPECT_EQ(server.stdout_text(), "payload only\n");
  EXPECT_EQ(server.stderr_text().find("Listening at"), std::string::npos) << "text mixed into the JSON";
}

TEST(LinesCli, ServerHelpSaysItsJsonGoesToStderr) {
  auto help = run_tcpkit({"lines", "server", "--help"});
  EXPECT_EQ(help.exit_code(), 0);
  const std::string& text = help.stdout_text();
  const auto json = text.find("--json");
  ASSERT_NE(json, std::string::npos) << text;
  const std::string option = text.substr(json, text.find("\n", json) - json);
  EXPECT_NE(option.find("NDJSON events on stderr"), std::string::npos) << option;
  EXPECT_EQ(option.find("on stdout"), std::string::npos) << option;
}

TEST(LinesCli, BadArgumentsAreUsageErrors) {
  EXPECT_EQ(run_tcpkit({"lines", "server", "127.0.0.1", "--max-line", "0"}).exit_code(), 2);
  EXPECT_EQ(run_tcpkit({"lines", "server", "127.0.0.1", "--max-line", "lots"}).exit_code(), 2);
  auto missing = run_tcpkit({"lines", "client", "127.0.0.1", "/nonexistent/file.txt", "-p", "9"});
  EXPECT_EQ(missing.exit_code(), 1);
  EXPECT_EQ(missing.stderr_text(), "tcpkit: open /nonexistent/file.txt: No such file or directory\n");
}

}  // namespace
}  // namespace tcpkit
