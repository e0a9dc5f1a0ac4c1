// The uppercase service as load (tcpkit bench uppercase): each connection streams BYTES of
// "capitalize this!" while it receives, and checks every byte that comes back is the uppercase
// of the byte sent at that offset (tcpkit/programs/uppercase.hpp), then half-closes and reads the
// server's EOF. Sending and receiving run at once, so no stream can deadlock.
//
// Memory: the payload is one shared read-only window; each live stream owns one receive
// buffer, sized so that all of them together stay near kUppercaseLoadBudget.
#pragma once

#include "tcpkit/instruments/load.hpp"

#include <cstddef>
#include <cstdint>

namespace tcpkit {

inline constexpr std::size_t kUppercaseLoadBudget = 256 * 1024 * 1024;  // receive buffers, all streams

struct uppercase_load_options {
  std::uint64_t bytes = 1'000'000;   // per stream, rounded up to whole 16-byte messages
  std::size_t send_size = 256 * 1024;
  std::size_t recv_size = 0;         // 0: 256 KiB, less when many streams share the budget
};

// What the streams moved; read it after (or while) the runner runs.
struct uppercase_load_totals {
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_verified = 0;  // received and equal to the uppercase of what was sent
};

// The receive buffer size for `connections` streams when options.recv_size is 0.
std::size_t uppercase_recv_size(std::size_t connections) noexcept;

// The job for load_runner (one stream per exchange). `totals` must outlive the runner. A wrong
// byte, or more bytes than were sent, throws errc::data_mismatch; EOF too early, short_read.
load_job uppercase_load_job(uppercase_load_options options, std::size_t connections, uppercase_load_totals& totals);

}  // namespace tcpkit
