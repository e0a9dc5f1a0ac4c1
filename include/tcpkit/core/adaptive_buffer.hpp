// Per-connection I/O buffers that are small while a connection is slow and grow while it is
// fast, within a memory allowance shared by the whole server.
//
// A fixed 256 KiB chunk per connection is right for one fast stream (fewer syscalls per MB)
// and wrong for ten thousand: a busy loopback connection fills most of it on every read, so
// memory grows with the number of connections (2,000 streams: ~270 KB of RSS each). Here a
// connection starts at a few KiB and doubles its buffer each time a read fills it completely
// (more was waiting: the peer is faster than we read), up to the chunk size, as long as the
// server-wide budget for growth allows. Growth is given back when the connection ends.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>

namespace tcpkit {

// The bytes all connections together may add above their starting size. Thread-safe.
class buffer_budget {
 public:
  explicit buffer_budget(std::size_t bytes) noexcept : left_(bytes) {}
  buffer_budget(const buffer_budget&) = delete;
  buffer_budget& operator=(const buffer_budget&) = delete;

  // Takes `bytes` if that many are left; false (and nothing taken) otherwise.
  bool take(std::size_t bytes) noexcept;
  void give_back(std::size_t bytes) noexcept { left_.fetch_add(bytes, std::memory_order_relaxed); }
  std::size_t left() const noexcept { return left_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::size_t> left_;
};

class adaptive_buffer {
 public:
  // Starts at min(initial, max) bytes. Without a budget it grows up to `max` unchecked.
  adaptive_buffer(std::size_t initial, std::size_t max, buffer_budget* budget);
  ~adaptive_buffer();
  adaptive_buffer(const adaptive_buffer&) = delete;
  adaptive_buffer& operator=(const adaptive_buffer&) = delete;

  unsigned char* data() noexcept { return data_.get(); }
  std::size_t size() const noexcept { return size_; }

  // Call once the `n` bytes last read into data() are no longer needed (before the next read):
  // a read that filled the buffer doubles it if the budget allows. Contents are not kept.
  void consumed(std::size_t n);

 private:
  std::unique_ptr<unsigned char[]> data_;
  std::size_t size_;
  std::size_t initial_;
  std::size_t max_;
  buffer_budget* budget_;
};

}  // namespace tcpkit
