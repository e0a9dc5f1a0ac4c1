#include "tcpkit/line_buffer.hpp"

#include "tcpkit/errors.hpp"

#include <cassert>
#include <cstring>

namespace tcpkit {

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

std::optional<line_block> line_buffer::next_lines(std::error_code& ec) {
  const char* first = storage_.get() + begin_;
  line_block block;
  while (next_line(ec)) ++block.lines;
  if (block.lines == 0) return std::nullopt;
  ec.clear();  // an over-long line after these is reported by the next call
  block.bytes = std::string_view(first, static_cast<std::size_t>(storage_.get() + begin_ - first));
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
