#include "tcpkit/core/line_reader.hpp"

#include "tcpkit/core/connection.hpp"
#include "tcpkit/core/errors.hpp"

#include <asio/error.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

namespace tcpkit {

// --- line_reader -------------------------------------------------------------------------------

line_reader::line_reader(tcp::socket& socket, std::size_t max_line, std::string peer)
    : socket_(socket), buffer_(max_line), peer_(peer.empty() ? peer_name(socket) : std::move(peer)) {}

line_reader::line_reader(connection& conn, std::size_t max_line)
    : socket_(conn.socket()), conn_(&conn), buffer_(max_line), peer_(conn.peer()) {}

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
  if (result) took(1, result->bytes.size());
  return result;
}

std::optional<line_block> line_reader::take_lines() {
  std::error_code ec;
  auto result = buffer_.next_lines(ec);
  if (ec) throw_error(ec);
  if (result) took(result->lines, result->bytes.size());
  return result;
}

std::optional<line> line_reader::take_rest() {
  std::error_code ec;
  auto result = buffer_.take_rest(ec);
  if (ec) throw_error(ec);
  if (result) took(1, result->bytes.size());
  return result;
}

void line_reader::received(std::size_t n, const std::error_code& ec) {
  if (ec == asio::error::eof) {
    eof_ = true;
    return;
  }
  if (ec) throw_error(ec);
  buffer_.commit(n);
}

asio::awaitable<void> line_reader::async_fill() {
  std::error_code ec;
  const std::size_t n =
      co_await socket_.async_read_some(buffer_.prepare(), asio::redirect_error(asio::use_awaitable, ec));
  received(n, ec);
  if (conn_ != nullptr && !ec) conn_->note_transfer(0, 0);  // progress; the bytes count as lines are taken
}

void line_reader::took(std::size_t lines, std::size_t bytes) noexcept {
  lines_ += lines;
  bytes_ += bytes;
  if (conn_ != nullptr) conn_->note_transfer(bytes, 0);
}

asio::awaitable<std::optional<line>> line_reader::async_read_line() {
  for (;;) {
    if (auto next = take_line()) co_return next;
    if (eof_) co_return take_rest();
    co_await async_fill();
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
    co_await async_fill();
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
