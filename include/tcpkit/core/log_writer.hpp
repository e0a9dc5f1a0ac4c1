// A process's log (its stdout and stderr text) written so that it never blocks the caller: a
// log that nobody reads (a paused `less`, Ctrl-S, a stuck `tee`) must not stop a server's event
// loop from accepting, serving, or handling SIGTERM.
//
//   reporter --write(fd, line)--> fd_writer queue (bounded) --its thread--> stdout, stderr
//                 full: the line is dropped and counted
//
// Lines are written whole and in the order they were logged, across both descriptors. While
// the queue is full, lines are dropped; once it has room again (the reader moved), the first
// thing written is how many were lost:
//   "tcpkit: 1234 log lines dropped while the log was not being read"
#pragma once

#include "tcpkit/core/fd_writer.hpp"
#include "tcpkit/core/report.hpp"

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>

namespace tcpkit {

inline constexpr std::size_t kDefaultLogHighWater = 256 * 1024;
// How long ending the log waits for a blocked reader before leaving the rest behind.
inline constexpr clock::duration kDefaultLogCloseLimit = std::chrono::seconds(1);

class log_writer {
 public:
  // The drop notice goes to `notice_fd` (stderr).
  explicit log_writer(int notice_fd, std::size_t high_water = kDefaultLogHighWater);
  log_writer(const log_writer&) = delete;
  log_writer& operator=(const log_writer&) = delete;
  ~log_writer();  // close(kDefaultLogCloseLimit)

  // Queues `text` for `fd`, or drops it if the queue is full. Never blocks; thread-safe.
  void write(int fd, std::string_view text);

  // Writes what is queued (and the drop notice if one is owed) within `limit`, then stops;
  // false if a reader was still blocked then. Later writes are discarded.
  bool close(clock::duration limit);

  std::uint64_t lines_dropped() const;  // ever

 private:
  bool queue_notice(std::size_t limit);  // under mutex_; false if the queue is still full

  fd_writer writer_{fd_writer::on_error::skip, fd_writer::room::when_written};
  int notice_fd_;
  std::size_t high_water_;
  mutable std::mutex mutex_;
  std::uint64_t dropped_ = 0;   // ever
  std::uint64_t unnoticed_ = 0; // dropped since the last notice
};

// One descriptor of a log_writer, for a reporter (text_reporter, json_reporter).
class log_stream final : public text_stream {
 public:
  log_stream(log_writer& log, int fd);
  void write(std::string_view text) override { log_.write(fd_, text); }
  bool is_terminal() const override { return terminal_; }

 private:
  log_writer& log_;
  int fd_;
  bool terminal_;
};

}  // namespace tcpkit
