#include "tcpkit/core/close.hpp"

#include "tcpkit/core/close_watch.hpp"

#include <asio/redirect_error.hpp>
#include <asio/socket_base.hpp>
#include <asio/use_awaitable.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <optional>

#include <array>

namespace tcpkit {
namespace {

constexpr std::size_t kDrainChunk = 16 * 1024;

// Reads and discards until EOF. Returns fin on EOF, reset on any other error.
asio::awaitable<close_how> discard_until_eof(tcp::socket& socket) {
  std::array<char, kDrainChunk> scratch;
  for (;;) {
    std::error_code ec;
    co_await socket.async_read_some(asio::buffer(scratch), asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::eof) co_return close_how::fin;
    if (ec) co_return close_how::reset;
  }
}

// Without waiting: reads and discards what is already queued. Returns the outcome if the EOF
// (or an error) is already there, nullopt if the peer has not closed yet. Most peers have
// half-closed by the time we close (the sixteen client shuts down before it reads the reply),
// and this finds their FIN with one recv() instead of a timer raced against an async read.
std::optional<close_how> drain_queued(tcp::socket& socket) {
  std::array<char, kDrainChunk> scratch;
  for (int round = 0; round < 4; ++round) {  // bounded: a peer still sending waits its turn below
    const ssize_t n = ::recv(socket.native_handle(), scratch.data(), scratch.size(), MSG_DONTWAIT);
    if (n == 0) return close_how::fin;
    if (n > 0) continue;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::nullopt;
    return close_how::reset;
  }
  return std::nullopt;
}

// The final figures for a close_watch, just before the socket goes. A reset found while
// draining is not noted: this side had closed first, and the peer's reset only answers that
// (it closed with our last bytes unread); a reset before our shutdown is seen by note_closing().
void note_closed(close_watch* watch, tcp::socket& socket) noexcept {
  if (watch != nullptr) watch->note_final(socket);
}

}  // namespace

asio::awaitable<close_how> async_graceful_close(tcp::socket& socket, clock::duration drain, close_watch* watch) {
  if (watch != nullptr) watch->note_closing(socket);
  std::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  close_how outcome = close_how::reset;
  const std::optional<close_how> at_once = ec ? std::nullopt : drain_queued(socket);
  if (at_once) {
    outcome = *at_once;
  } else if (!ec) {
    auto drained = [&]() -> asio::awaitable<void> { outcome = co_await discard_until_eof(socket); };
    if (!co_await complete_within(drained(), drain)) outcome = close_how::drain_timeout;
  }
  note_closed(watch, socket);
  socket.close(ec);
  co_return outcome;
}

close_how graceful_close(tcp::socket& socket, clock::duration drain, close_watch* watch) {
  if (watch != nullptr) watch->note_closing(socket);
  std::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  close_how outcome = ec ? close_how::reset : close_how::drain_timeout;
  const auto deadline = clock::now() + drain;
  std::array<char, kDrainChunk> scratch;
  while (!ec) {
    // poll() bounds each wait by what is left of the deadline; the socket stays blocking.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{socket.native_handle(), POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    socket.read_some(asio::buffer(scratch), ec);
    if (ec == asio::error::eof) outcome = close_how::fin;
    else if (ec) outcome = close_how::reset;
  }
  note_closed(watch, socket);
  socket.close(ec);
  return outcome;
}

void abort_connection(tcp::socket& socket) noexcept {
  std::error_code ec;
  socket.set_option(asio::socket_base::linger(true, 0), ec);
  socket.close(ec);
}

}  // namespace tcpkit
