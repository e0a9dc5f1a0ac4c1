#include "tcpkit/core/line_buffer.hpp"

#include "tcpkit/core/errors.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

#include <string.h>  // memrchr (GNU)

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tcpkit {

std::uint64_t count_newlines(std::string_view bytes) noexcept {
  const char* p = bytes.data();
  std::size_t n = bytes.size();
  std::uint64_t count = 0;
#if defined(__SSE2__)
  // Each compare gives 0xff (-1) per '\n' byte; subtracting it counts in 16 byte lanes, which
  // are summed (psadbw) before any lane can overflow: at most 4 x 63 = 252 per lane.
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i zero = _mm_setzero_si128();
  while (n >= 64) {
    const std::size_t rounds = std::min<std::size_t>(n / 64, 63);
    __m128i lanes = zero;
    for (std::size_t i = 0; i < rounds; ++i, p += 64) {
      const auto* v = reinterpret_cast<const __m128i*>(p);
      lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(_mm_loadu_si128(v), newline));
      lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(_mm_loadu_si128(v + 1), newline));
      lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(_mm_loadu_si128(v + 2), newline));
      lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(_mm_loadu_si128(v + 3), newline));
    }
    const __m128i sums = _mm_sad_epu8(lanes, zero);
    count += static_cast<std::uint64_t>(_mm_cvtsi128_si32(sums)) +
             static_cast<std::uint64_t>(_mm_extract_epi16(sums, 4));
    n -= rounds * 64;
  }
#endif
  for (; n > 0; --n, ++p) count += (*p == '\n') ? 1 : 0;
  return count;
}

std::string_view line::text() const noexcept {
  std::string_view t = bytes;
  if (!terminated || t.empty() || t.back() != '\n') return t;
  t.remove_suffix(1);
  if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
  return t;
}

line_buffer::line_buffer(std::size_t max_line, std::size_t read_size)
    : max_line_(max_line == 0 ? 1 : max_line),
      capacity_(max_line_ + (read_size == 0 ? 1 : read_size)),
      // Not value-initialised: pages of a large buffer are only touched (and only become
      // resident) as bytes arrive, so a generous --max-line costs memory only when used.
      storage_(std::make_unique_for_overwrite<char[]>(capacity_)) {}

std::optional<line> line_buffer::next_line(std::error_code& ec) {
  ec.clear();
  const char* base = storage_.get();
  const std::size_t from = begin_ + scanned_;
  const auto* newline = static_cast<const char*>(std::memchr(base + from, '\n', end_ - from));
  if (newline == nullptr) {
    scanned_ = end_ - begin_;
    // Even if the next byte were '\n', this line would already be longer than max_line.
    if (scanned_ > max_line_) ec = errc::line_too_long;
    return std::nullopt;
  }
  const auto length = static_cast<std::size_t>(newline - (base + begin_)) + 1;
  if (length > max_line_) {
    scanned_ = length - 1;  // keeps the invariant: no '\n' before the one just found
    ec = errc::line_too_long;
    return std::nullopt;
  }
  line result{std::string_view(base + begin_, length), true};
  begin_ += length;
  scanned_ = 0;
  return result;
}

// The block is found without looking at every line: a block of whole lines ends at the last
// '\n' that has arrived, found with memrchr from the end. The cap is checked one window of
// max_line bytes at a time: every line that starts at `line_start` and ends within
// [line_start, line_start + max_line) is short enough, so the last '\n' in that window is
// the end of a run of acceptable lines and the next window starts after it. A window with
// no '\n' means a line over max_line, once more bytes than max_line are there. With the
// default cap (64 KiB) and 128 KiB reads that is one to three memrchr calls per read, however
// short the lines; newlines are then counted once, 64 bytes per round.
std::optional<line_block> line_buffer::next_lines(std::error_code& ec) {
  ec.clear();
  const char* const base = storage_.get();
  std::size_t line_start = begin_;             // the first line not yet known to be complete
  std::size_t search_from = begin_ + scanned_;  // no '\n' in [line_start, search_from)
  std::size_t window_end = 0;
  for (;;) {
    window_end = std::min(end_, line_start + max_line_);
    const void* newline =
        search_from < window_end ? ::memrchr(base + search_from, '\n', window_end - search_from) : nullptr;
    if (newline == nullptr) break;
    line_start = static_cast<std::size_t>(static_cast<const char*>(newline) - base) + 1;
    search_from = line_start;
  }
  // No '\n' in [line_start, window_end): the start of a line still arriving, or one that is
  // already longer than max_line (more than max_line bytes without a newline: even if the
  // next one were '\n', the line would be too long).
  const bool too_long = end_ - line_start > max_line_;
  if (line_start == begin_) {
    scanned_ = window_end - begin_;
    if (too_long) ec = errc::line_too_long;
    return std::nullopt;
  }
  line_block block;
  block.bytes = std::string_view(base + begin_, line_start - begin_);
  block.lines = count_newlines(block.bytes);
  begin_ = line_start;
  scanned_ = window_end - line_start;  // an over-long line after these is reported next call
  return block;
}

asio::mutable_buffer line_buffer::prepare() {
  if (begin_ == end_) {
    begin_ = end_ = 0;
  } else if (begin_ > 0 && capacity_ - end_ < capacity_ - max_line_) {
    // Only the start of one line is left (at most max_line bytes): move it to the front.
    std::memmove(storage_.get(), storage_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  return asio::buffer(storage_.get() + end_, capacity_ - end_);
}

void line_buffer::commit(std::size_t n) noexcept {
  assert(n <= capacity_ - end_);
  end_ += n;
}

std::optional<line> line_buffer::take_rest(std::error_code& ec) {
  ec.clear();
  if (begin_ == end_) return std::nullopt;
  const std::size_t length = end_ - begin_;
  if (length > max_line_) {
    ec = errc::line_too_long;
    return std::nullopt;
  }
  line result{std::string_view(storage_.get() + begin_, length), false};
  begin_ = end_;
  scanned_ = 0;
  return result;
}

}  // namespace tcpkit
