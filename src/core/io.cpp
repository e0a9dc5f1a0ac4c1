#include "tcpkit/core/io.hpp"

#include "tcpkit/core/errors.hpp"

#include <asio/error.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

namespace tcpkit {
namespace {

std::string peer_label(const tcp::socket& socket, std::string_view peer) {
  return peer.empty() ? peer_name(socket) : std::string(peer);
}

[[noreturn]] void throw_io_error(const tcp::socket& socket, std::string_view peer, const char* operation,
                                 std::error_code ec) {
  throw error(ec, operation, peer_label(socket, peer));
}

}  // namespace

void send_all(tcp::socket& socket, asio::const_buffer data, std::string_view peer) {
  while (data.size() > 0) {
    std::error_code ec;
    const std::size_t n = socket.write_some(data, ec);  // may be a partial send
    if (ec == asio::error::interrupted) continue;       // a signal, not a failure
    if (ec) throw_io_error(socket, peer, "send", ec);
    data += n;
  }
}

void recv_exact(tcp::socket& socket, asio::mutable_buffer data, std::string_view peer) {
  const std::size_t expected = data.size();
  while (data.size() > 0) {
    std::error_code ec;
    const std::size_t n = socket.read_some(data, ec);  // may return less than asked for
    if (ec == asio::error::interrupted) continue;
    if (ec == asio::error::eof) throw short_read(expected, expected - data.size(), peer_label(socket, peer));
    if (ec) throw_io_error(socket, peer, "recv", ec);
    data += n;
  }
}

asio::awaitable<void> async_send_all(tcp::socket& socket, asio::const_buffer data, idle_deadline* idle,
                                     std::string_view peer) {
  while (data.size() > 0) {
    std::error_code ec;
    const std::size_t n = co_await socket.async_write_some(data, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) throw_io_error(socket, peer, "send", ec);
    data += n;
    if (idle != nullptr) idle->touch();
  }
}

asio::awaitable<void> async_recv_exact(tcp::socket& socket, asio::mutable_buffer data, idle_deadline* idle,
                                       std::string_view peer) {
  const std::size_t expected = data.size();
  while (data.size() > 0) {
    std::error_code ec;
    const std::size_t n = co_await socket.async_read_some(data, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::eof) throw short_read(expected, expected - data.size(), peer_label(socket, peer));
    if (ec) throw_io_error(socket, peer, "recv", ec);
    data += n;
    if (idle != nullptr) idle->touch();
  }
}

void set_no_delay(tcp::socket& socket) noexcept {
  std::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
}

}  // namespace tcpkit
