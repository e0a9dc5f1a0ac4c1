#include "tcpkit/line_reader.hpp"

#include "tcpkit/errors.hpp"

#include <asio/error.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

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

// --- line_buffer -------------------------------------------------------------------------------

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

// --- line_reader -------------------------------------------------------------------------------

line_reader::line_reader(tcp::socket& socket, std::size_t max_line, idle_deadline* idle, std::string peer)
    : socket_(socket), buffer_(max_line), idle_(idle), peer_(peer.empty() ? peer_name(socket) : std::move(peer)) {}

void line_reader::throw_error(const std::error_code& ec) const {
  if (ec == errc::line_too_long) {
    throw error(ec, "recv", peer_, fmt::format("line too long (over {} bytes)", buffer_.max_line()));
  }
  throw error(ec, "recv", peer_);
}

std::optional<line> line_reader::take_line() {
  std::error_code ec;
  auto result = buffer_.next_line(ec);
  if (ec) throw_error(ec);
  if (result) {
    ++lines_;
    bytes_ += result->bytes.size();
  }
  return result;
}

std::optional<line_block> line_reader::take_lines() {
  std::error_code ec;
  auto result = buffer_.next_lines(ec);
  if (ec) throw_error(ec);
  if (result) {
    lines_ += result->lines;
    bytes_ += result->bytes.size();
  }
  return result;
}

std::optional<line> line_reader::take_rest() {
  std::error_code ec;
  auto result = buffer_.take_rest(ec);
  if (ec) throw_error(ec);
  if (result) {
    ++lines_;
    bytes_ += result->bytes.size();
  }
  return result;
}

void line_reader::received(std::size_t n, const std::error_code& ec) {
  if (ec == asio::error::eof) {
    eof_ = true;
    return;
  }
  if (ec) throw_error(ec);
  buffer_.commit(n);
  if (idle_ != nullptr) idle_->touch();
}

asio::awaitable<std::optional<line>> line_reader::async_read_line() {
  for (;;) {
    if (auto next = take_line()) co_return next;
    if (eof_) co_return take_rest();
    std::error_code ec;
    const std::size_t n =
        co_await socket_.async_read_some(buffer_.prepare(), asio::redirect_error(asio::use_awaitable, ec));
    received(n, ec);
  }
}

asio::awaitable<std::optional<line_block>> line_reader::async_read_lines() {
  for (;;) {
    if (auto block = take_lines()) co_return block;
    if (eof_) {
      auto rest = take_rest();
      if (!rest) co_return std::nullopt;
      co_return line_block{rest->bytes, 1, false};
    }
    std::error_code ec;
    const std::size_t n =
        co_await socket_.async_read_some(buffer_.prepare(), asio::redirect_error(asio::use_awaitable, ec));
    received(n, ec);
  }
}

std::optional<line> line_reader::read_line() {
  for (;;) {
    if (auto next = take_line()) return next;
    if (eof_) return take_rest();
    std::error_code ec;
    const std::size_t n = socket_.read_some(buffer_.prepare(), ec);
    received(n, ec);
  }
}

}  // namespace tcpkit
