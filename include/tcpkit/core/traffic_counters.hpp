// The application's byte counts for one connection, shared between the thread doing the I/O
// and an observer on another thread (the tracer's sampler, a progress monitor). Relaxed atomics:
// an observer needs each count to be exact and never torn, not ordered against anything else.
#pragma once

#include <atomic>
#include <cstdint>

namespace tcpkit {

struct traffic_counters {
  std::atomic<std::uint64_t> sent{0};      // bytes the application has handed to send()
  std::atomic<std::uint64_t> received{0};  // bytes the application has taken from recv()

  void add_sent(std::uint64_t n) noexcept { sent.fetch_add(n, std::memory_order_relaxed); }
  void add_received(std::uint64_t n) noexcept { received.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t bytes_sent() const noexcept { return sent.load(std::memory_order_relaxed); }
  std::uint64_t bytes_received() const noexcept { return received.load(std::memory_order_relaxed); }
};

}  // namespace tcpkit
