#include "tcpkit/programs/uppercase.hpp"

namespace tcpkit {
namespace {

// Bytes per block: a multiple of every vector width (16, 32, 64 bytes), so the block loops
// below have a trip count the compiler can vectorise without a scalar epilogue.
constexpr std::size_t kBlock = 64;

}  // namespace

void uppercase_in_place(unsigned char* __restrict data, std::size_t size) noexcept {
  const std::size_t whole = size - size % kBlock;
  for (std::size_t block = 0; block < whole; block += kBlock) {
    unsigned char* __restrict p = data + block;
    for (std::size_t i = 0; i < kBlock; ++i) p[i] = uppercase_byte(p[i]);
  }
  for (std::size_t i = whole; i < size; ++i) data[i] = uppercase_byte(data[i]);
}

std::size_t find_uppercase_mismatch(const unsigned char* __restrict sent, const unsigned char* __restrict received,
                                    std::size_t size) noexcept {
  const std::size_t whole = size - size % kBlock;
  for (std::size_t block = 0; block < whole; block += kBlock) {
    // OR of the differences over a block: one test per 64 bytes instead of one per byte.
    unsigned char differences = 0;
    for (std::size_t i = 0; i < kBlock; ++i) {
      differences |= static_cast<unsigned char>(received[block + i] ^ uppercase_byte(sent[block + i]));
    }
    if (differences != 0) {
      for (std::size_t i = block;; ++i) {
        if (received[i] != uppercase_byte(sent[i])) return i;
      }
    }
  }
  for (std::size_t i = whole; i < size; ++i) {
    if (received[i] != uppercase_byte(sent[i])) return i;
  }
  return size;
}

repeated_payload::repeated_payload(std::size_t max_span) {
  const std::size_t unit = kCapitalizeMessage.size();
  const std::size_t messages = (max_span + unit - 1) / unit + 1;  // + 1: room for any start offset
  window_.reserve(messages * unit);
  for (std::size_t m = 0; m < messages; ++m) window_.insert(window_.end(), kCapitalizeMessage.begin(), kCapitalizeMessage.end());
}

}  // namespace tcpkit
