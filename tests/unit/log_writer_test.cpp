// log_writer: a log that nobody reads drops and counts lines instead of blocking the caller,
// and says how many it dropped once it moves again.
#include "tcpkit/core/log_writer.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

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
  // Fills the pipe until a write would block, as a reader that never reads leaves it; returns
  // how many bytes that took.
  std::size_t fill() const {
    const int flags = ::fcntl(write_end, F_GETFL);
    ::fcntl(write_end, F_SETFL, flags | O_NONBLOCK);
    const std::string junk(512, '#');
    std::size_t total = 0;
    for (ssize_t n; (n = ::write(write_end, junk.data(), junk.size())) > 0;) total += static_cast<std::size_t>(n);
    ::fcntl(write_end, F_SETFL, flags);
    return total;
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
  const std::size_t stale = pipe.fill();  // the reader is stalled before the first line
  constexpr std::size_t kLimit = 1024;
  log_writer log(pipe.write_end, kLimit);
  constexpr int kLines = 100;  // 10,000 bytes: far more than the queue holds
  for (int i = 0; i < kLines; ++i) log.write(pipe.write_end, numbered_line(i));  // returns at once

  // Nothing reached the reader, so exactly what fits under the limit (plus the piece that
  // crossed it) was kept: handing lines to a blocked write(2) makes no room for more.
  constexpr std::size_t kKept = (kLimit + 99) / 100;
  ASSERT_EQ(log.lines_dropped(), kLines - kKept);

  // The reader comes back: the kept lines arrive whole and in order, with no notice among them.
  ASSERT_EQ(pipe.read(stale).size(), stale);
  std::string expected;
  for (std::size_t i = 0; i < kKept; ++i) expected += numbered_line(static_cast<int>(i));
  EXPECT_EQ(pipe.read(expected.size()), expected);

  // The first line taken once the writer has caught up is preceded by how many were lost. (The
  // writer notices the reader moved a moment after it did: lines logged before that are
  // dropped too, and counted in the same notice.)
  int taken_at = -1;
  for (int i = 0; i < 500 && taken_at < 0; ++i) {
    const std::uint64_t before = log.lines_dropped();
    log.write(pipe.write_end, "after " + std::to_string(i) + "\n");
    if (log.lines_dropped() == before) taken_at = i;
    else std::this_thread::sleep_for(10ms);  // bounded: 500 tries, 5 s
  }
  ASSERT_GE(taken_at, 0) << "the writer never caught up with the reader";
  const std::uint64_t lost = log.lines_dropped();
  EXPECT_EQ(lost, kLines - kKept + static_cast<std::uint64_t>(taken_at));
  const std::string notice = "tcpkit: " + std::to_string(lost) + " log lines dropped while the log was not being read\n";
  const std::string line = "after " + std::to_string(taken_at) + "\n";
  EXPECT_EQ(pipe.read(notice.size() + line.size()), notice + line);
  ASSERT_TRUE(log.close(5s));
  EXPECT_EQ(pipe.read(1, 50ms), "");  // nothing owed: no second notice at the end
}

TEST(LogWriter, ClosingTellsTheLossEvenWhenTheQueueIsStillFull) {
  small_pipe pipe;
  const std::size_t stale = pipe.fill();
  log_writer log(pipe.write_end, 100);
  for (int i = 0; i < 5; ++i) log.write(pipe.write_end, numbered_line(i));  // the first is kept
  ASSERT_EQ(log.lines_dropped(), 4u);
  ASSERT_EQ(pipe.read(stale).size(), stale);  // the reader moves as the process ends
  ASSERT_TRUE(log.close(5s));
  EXPECT_EQ(pipe.read(4096, 100ms), numbered_line(0) + "tcpkit: 4 log lines dropped while the log was not being read\n");
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
