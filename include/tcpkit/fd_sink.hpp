// A line_sink that writes to a file descriptor the caller names (tcpkit's CLI: stdout), with
// a bounded queue and a helper thread:
//
//   sessions (event loop)                          writer thread
//   async_write(block) --copy--> pending_ --swap--> writing_ --write(2)--> fd
//     waits while pending_ is at the high-water mark     wakes the waiters after each write
//
// Why a thread: write(2) to a pipe or a terminal blocks while the reader is slow, and must not
// block the event loop; making the descriptor non-blocking instead would change it for every
// process that shares it (the shell's terminal), and regular files cannot be waited on with
// epoll at all.
//
// Fast and prompt at once, with no flush policy to tune: each write(2) takes everything queued
// meanwhile, so a busy output (a file, a pipe) gets few large writes, and an idle one (a
// terminal) gets each block, i.e. each line typed, as soon as it arrives.
//
// Bounded: at most high_water + one block waits in pending_, and as much again in writing_.
// A session that finds pending_ full waits, which stops its reads (backpressure).
//
// A regular file (`> copy.txt`) skips the queue: write(2) to a file does not wait for a
// reader, so each block is written straight from the caller's buffer on the executor's
// thread, with no copy and no hand-off to the writer thread (which stays idle). Blocks still
// go out one after another, whole. The price: a disk that cannot keep up (the kernel
// throttling dirty pages) stalls the event loop instead of one session, which for a server
// whose only output is that file changes nothing but which session waits.
#pragma once

#include "tcpkit/deadline.hpp"
#include "tcpkit/errors.hpp"
#include "tcpkit/lines_server.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

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
  struct shared;  // what the writer thread uses: kept alive by it, even when left behind

  static void write_until_closed(const std::shared_ptr<shared>& s);  // the thread's body
  bool write_directly(std::string_view bytes);  // false: queue it instead
  asio::awaitable<void> wait_for_progress();
  void wake_waiters();  // on the executor

  std::shared_ptr<shared> state_;
  std::size_t high_water_;
  bool direct_;  // a regular file: written from the executor's thread, no copy, no hand-off
  asio::steady_timer wake_;  // never expires; cancel() wakes every waiter
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // guards handlers posted by the thread
  std::function<void(const error&)> on_failure_;
  std::thread writer_;
  bool closed_ = false;
};

}  // namespace tcpkit
