// The uppercase service's contract on bytes (the seeds' tcp_deadlock.py): the server turns
// every ASCII letter a-z into A-Z and passes every other byte through unchanged (NUL, 0xFF and
// UTF-8 included: the service is byte-transparent), and the client checks that each byte it
// receives is the uppercase of the byte it sent at that offset.
//
// Both loops run over every byte of the stream, so they are written to vectorise: branch-free,
// over `unsigned char` with `__restrict`, in fixed-size blocks (GCC's -O2 cost model only
// vectorises loops whose trip count is a known multiple of the vector width). What that form
// is worth: docs/BENCHMARKS.md, "Figures from before tcpkit".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tcpkit {

// The seeds' 16-byte message, repeated to make the client's payload.
inline constexpr std::string_view kCapitalizeMessage = "capitalize this!";

// The server reads up to this many bytes at a time by default (256 KiB: why, in
// docs/BENCHMARKS.md, "Figures from before tcpkit"); the seed reads 1024.
inline constexpr std::size_t kDefaultChunk = 256 * 1024;
inline constexpr std::size_t kSeedChunk = 1024;

// 'a'..'z' -> 'A'..'Z', every other byte unchanged; no branch.
constexpr unsigned char uppercase_byte(unsigned char c) noexcept {
  const unsigned is_lower = static_cast<unsigned char>(c - 'a') < 26u;
  return static_cast<unsigned char>(c - (is_lower << 5));
}

// Uppercases `size` bytes in place.
void uppercase_in_place(unsigned char* __restrict data, std::size_t size) noexcept;

// The index of the first byte where `received[i] != uppercase_byte(sent[i])`, or `size` if
// every byte matches. The buffers must not overlap.
std::size_t find_uppercase_mismatch(const unsigned char* __restrict sent, const unsigned char* __restrict received,
                                    std::size_t size) noexcept;

// The client's payload: kCapitalizeMessage repeated without end, viewed through a window wide
// enough that any `max_span` bytes starting at any offset are contiguous in memory, so chunks
// are sent and checked without copying:
//
//   window: capitalize this!capitalize this!capitalize this! ... (max_span + 16 bytes)
//           ^ at(0), at(16), at(32)...   ^ at(offset) = window + offset % 16
class repeated_payload {
 public:
  explicit repeated_payload(std::size_t max_span);

  // The payload's bytes from stream offset `offset`; valid for `max_span()` bytes.
  const unsigned char* at(std::uint64_t offset) const noexcept {
    return window_.data() + offset % kCapitalizeMessage.size();
  }
  std::size_t max_span() const noexcept { return window_.size() - kCapitalizeMessage.size(); }

 private:
  std::vector<unsigned char> window_;
};

// BYTECOUNT rounded up to a whole number of messages, as the seed does.
constexpr std::uint64_t round_up_to_messages(std::uint64_t bytes) noexcept {
  const std::uint64_t unit = kCapitalizeMessage.size();
  return (bytes + unit - 1) / unit * unit;
}

}  // namespace tcpkit
