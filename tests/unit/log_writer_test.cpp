// log_writer: a log that nobody reads drops and counts lines instead of blocking the caller,
// and says how many it dropped once it moves again.
#include "tcpkit/core/log_writer.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;

struct small_pipe {
  int read_end = -1;
  int write_end = -1;
  small_pipe() {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    read_end = fds[0];
    write_end = fds[1];
    ::fcntl(write_end, F_SETPIPE_SZ, 4096);  // one page: full after a few lines
  }
  ~small_pipe() {
    ::close(read_end);
    ::close(write_end);
  }
  // Reads `n` bytes, or what came before the deadline.
  std::string read(std::size_t n, std::chrono::milliseconds limit = 5000ms) const {
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (got.size() < n) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd pfd{read_end, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) != 1) break;
      char buffer[4096];
      const ssize_t r = ::read(read_end, buffer, std::min(sizeof buffer, n - got.size()));
      if (r <= 0) break;
      got.append(buffer, static_cast<std::size_t>(r));
    }
    return got;
  }
};

std::string numbered_line(int i) {
  std::string line = "line " + std::to_string(i) + " ";
  line.resize(99, '.');
  return line + '\n';  // 100 bytes
}

TEST(LogWriter, AStalledReaderCostsLinesNotTheWriterAndTheLossIsToldWhenItMoves) {
  small_pipe pipe;
  log_writer log(pipe.write_end, 1024);
  constexpr int kLines = 100;  // 10,000 bytes: far more than the pipe and the queue hold
  for (int i = 0; i < kLines; ++i) log.write(pipe.write_end, numbered_line(i));  // returns at once
  const std::uint64_t dropped = log.lines_dropped();
  ASSERT_GT(dropped, 0u);
  ASSERT_LT(dropped, static_cast<std::uint64_t>(kLines));

  // The reader comes back: the lines that were taken arrive whole, the first ones first.
  const std::size_t kept = static_cast<std::size_t>(kLines) - static_cast<std::size_t>(dropped);
  const std::string before = pipe.read(kept * 100);
  ASSERT_EQ(before.size(), kept * 100);
  EXPECT_EQ(before.substr(0, 100), numbered_line(0));

  log.write(pipe.write_end, "after\n");
  ASSERT_TRUE(log.close(5s));
  const std::string notice = "tcpkit: " + std::to_string(dropped) + " log lines dropped while the log was not being read\n";
  EXPECT_EQ(pipe.read(notice.size() + 6), notice + "after\n");
}

// `2>&1`: stdout and stderr are one pipe, and what was logged to each comes out in the order it
// was logged, not stream by stream.
TEST(LogWriter, LinesForTwoDescriptorsOfOnePipeComeOutInTheOrderLogged) {
  small_pipe both;
  const int err = ::dup(both.write_end);
  {
    log_writer log(err);
    for (int i = 0; i < 50; ++i) log.write(i % 2 == 0 ? both.write_end : err, std::to_string(i) + "\n");
    ASSERT_TRUE(log.close(5s));
    EXPECT_EQ(log.lines_dropped(), 0u);
  }
  ::close(err);
  std::string expected;
  for (int i = 0; i < 50; ++i) expected += std::to_string(i) + "\n";
  EXPECT_EQ(both.read(expected.size()), expected);
}

}  // namespace
}  // namespace tcpkit
