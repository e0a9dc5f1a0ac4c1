// A line_sink that writes to a file descriptor the caller names (tcpkit's CLI: stdout) through
// an fd_writer (tcpkit/core/fd_writer.hpp), its bounded queue and its thread:
//
//   sessions (event loop)                          writer thread
//   async_write(block) --copy--> fd_writer queue --write(2)--> fd
//     waits while the queue is at the high-water mark     wakes the waiters after each write
//
// Bounded: at most high_water + one block waits in the queue, and as much again is being
// written. A session that finds the queue full waits, which stops its reads (backpressure).
//
// A regular file (`> copy.txt`) skips the queue: write(2) to a file does not wait for a
// reader, so each block is written straight from the caller's buffer on the executor's
// thread, with no copy and no hand-off to the writer thread (which stays idle). Blocks still
// go out one after another, whole. The price: a disk that cannot keep up (the kernel
// throttling dirty pages) stalls the event loop instead of one session, which for a server
// whose only output is that file changes nothing but which session waits.
#pragma once

#include "tcpkit/core/deadline.hpp"
#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/fd_writer.hpp"
#include "tcpkit/core/line_sink.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace tcpkit {

inline constexpr std::size_t kDefaultSinkHighWater = 1 << 20;
// How long closing waits for queued output to be written before leaving it behind.
inline constexpr clock::duration kDefaultSinkCloseLimit = std::chrono::seconds(2);

class fd_sink final : public line_sink {
 public:
  // Writes to `fd`, which stays open and owned by the caller; `name` ("stdout") names it in
  // errors. `executor` must run on one thread (an io_context run by one thread).
  fd_sink(const asio::any_io_executor& executor, int fd, std::string name,
          std::size_t high_water = kDefaultSinkHighWater);
  fd_sink(const fd_sink&) = delete;
  fd_sink& operator=(const fd_sink&) = delete;
  ~fd_sink() override;  // close(kDefaultSinkCloseLimit) unless already closed

  asio::awaitable<void> async_write(const line_block& block) override;
  asio::awaitable<void> async_flush() override;

  // Called once, on the executor, when a write fails (e.g. "write stdout: Broken pipe" once
  // the reader of a pipe has gone). Every later async_write throws the same error.
  void on_failure(std::function<void(const error&)> callback);

  // Writes what is queued, then stops the thread. Returns false if that did not finish within
  // `limit` (the descriptor is blocked): the thread is then left behind, the rest unwritten,
  // and nothing reaches the executor any more. Call it before the executor's context goes.
  bool close(clock::duration limit);

  std::uint64_t bytes_written() const;
  std::uint64_t bytes_unwritten() const;  // taken but not (yet) written

 private:
  error failure_error() const;
  bool write_directly(std::string_view bytes);  // false: queue it instead
  asio::awaitable<void> wait_for_progress();
  void wake_waiters();  // on the executor

  int fd_;
  std::string name_;
  std::size_t high_water_;
  bool direct_;  // a regular file: written from the executor's thread, no copy, no hand-off
  asio::steady_timer wake_;  // never expires; cancel() wakes every waiter
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // guards handlers posted by the thread
  std::function<void(const error&)> on_failure_;
  // Last: its thread goes before what it reaches.
  fd_writer writer_{fd_writer::on_error::stop, fd_writer::room::when_taken};
};

}  // namespace tcpkit
