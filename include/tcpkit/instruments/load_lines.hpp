// The lines service as load (tcpkit bench lines): each connection sends BYTES of text lines in
// large writes, half-closes, and reads the server's acknowledgement, which must count exactly
// the lines and bytes sent (tcpkit/programs/lines_protocol.hpp). The lines are all kLoadLineBytes long
// ("0000042 the quick brown fox jumps over the lazy dog.\n"), about the lab file's average.
#pragma once

#include "tcpkit/instruments/load.hpp"

#include <cstddef>
#include <cstdint>

namespace tcpkit {

inline constexpr std::size_t kLoadLineBytes = 53;

// `bytes` rounded up to whole lines: what each connection really sends.
constexpr std::uint64_t round_up_to_lines(std::uint64_t bytes) noexcept {
  return (bytes + kLoadLineBytes - 1) / kLoadLineBytes * kLoadLineBytes;
}

struct lines_load_options {
  std::uint64_t bytes = 1'000'000;  // per connection, rounded up to whole lines
  std::size_t send_size = 256 * 1024;
};

struct lines_load_totals {
  std::uint64_t bytes_sent = 0;
  std::uint64_t lines_acknowledged = 0;  // by acknowledgements that matched what was sent
  std::uint64_t bytes_acknowledged = 0;
};

// The job for load_runner (one transfer per exchange). `totals` must outlive the runner. An
// acknowledgement that differs from what was sent, or anything else the server says, throws
// errc::data_mismatch quoting it; a close without one throws short_read.
load_job lines_load_job(lines_load_options options, lines_load_totals& totals);

}  // namespace tcpkit
