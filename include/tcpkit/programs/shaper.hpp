// The shaping policy of one direction of a proxied connection (tcpkit proxy, SPEC §3.5), as
// plain logic with no sockets: what the next write may carry and when it may start.
//
//   bytes read ──held `latency`──> slice of N..M bytes ──write──> pause max(delay, rate) ──> next slice
//                                                                    ...until the cut: FIN or reset
//
// A TCP receiver sees one read per write only if it reads faster than the writes come; the
// pause between slices is what makes each slice arrive on its own.
#pragma once

#include "tcpkit/core/deadline.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>

namespace tcpkit {

// How a direction's bytes are shaped. The default forwards everything as it comes.
struct shaping {
  std::size_t slice_min = 0;            // 0: no slicing: each read is written in one write
  std::size_t slice_max = 0;            // slices are chosen uniformly in [slice_min, slice_max]
  clock::duration delay{};              // pause after every write
  clock::duration latency{};            // every byte is held this long after it was read
  std::uint64_t rate_bytes_per_s = 0;   // 0: unlimited
  std::optional<std::uint64_t> close_after;  // half-close the destination after this many bytes
  std::optional<std::uint64_t> reset_after;  // reset the connection after this many bytes

  bool shapes() const noexcept;
};

// What happens to a direction once its cut is reached.
enum class cut_kind { none, close, reset };

// "--slice 1 --delay 10ms"-like description for logs; "unshaped" for the default.
std::string describe(const shaping& policy);

// One direction's schedule. Deterministic for a given seed: the same seed, the same slices.
class shaper {
 public:
  shaper(const shaping& policy, std::uint64_t seed);

  // How many of `available` (> 0) bytes the next write should carry: a slice, no more than
  // what the rate lets go at once, and never past the cut. 0 only when the cut is due.
  std::size_t next_write(std::size_t available);

  // Records that `n` bytes were written at `now`; returns when the next write may start.
  clock::time_point wrote(std::size_t n, clock::time_point now);

  // When bytes read at `read_at` may be forwarded (latency).
  clock::time_point release_time(clock::time_point read_at) const noexcept { return read_at + policy_.latency; }

  // The cut that applies once `forwarded()` reaches `cut_at()`, or none.
  cut_kind cut() const noexcept;
  bool cut_due() const noexcept { return cut() != cut_kind::none && forwarded_ >= cut_at_; }
  std::uint64_t forwarded() const noexcept { return forwarded_; }
  std::uint64_t writes() const noexcept { return writes_; }

 private:
  shaping policy_;
  std::mt19937_64 random_;
  std::uint64_t cut_at_ = 0;
  std::uint64_t forwarded_ = 0;
  std::uint64_t writes_ = 0;
  clock::time_point rate_free_{};  // the rate allows the next write from here on
};

}  // namespace tcpkit
