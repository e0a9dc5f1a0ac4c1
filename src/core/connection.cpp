#include "tcpkit/core/connection.hpp"

#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/lingering_close.hpp"

#include <asio/associator.hpp>
#include <asio/async_result.hpp>
#include <asio/error.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <sys/socket.h>

#include <cerrno>

namespace tcpkit {

connection::connection(tcp::socket socket, std::string peer, connection_options options)
    : socket_(std::move(socket)),
      peer_(std::move(peer)),
      sweep_(options.sweep),
      closing_(options.watch_close),
      opened_(clock::now()) {
  if (options.idle_timeout) idle_.emplace(*options.idle_timeout, opened_);
}

connection::connection(tcp::socket socket, const tcp::endpoint& peer, connection_options options)
    : connection(std::move(socket), std::string(), options) {
  peer_endpoint_ = peer;
}

const std::string& connection::peer() const {
  if (peer_.empty()) peer_ = format_endpoint(peer_endpoint_);
  return peer_;
}

// The one place where the connection's bytes are counted and its idle deadline touched.
void connection::note_transfer(std::size_t received, std::size_t sent) noexcept {
  if (received > 0) traffic_.add_received(received);
  if (sent > 0) traffic_.add_sent(sent);
  if (idle_) idle_->touch();
}

namespace {

// The completion of connection::async_read_some(data, ec): the error into `ec`, the count
// noted, then the awaiting coroutine resumed. A handler rather than a coroutine around the
// socket's read saves a frame per read (bench reads the EOF of every exchange this way).
template <typename Handler>
struct counted_read {
  connection* conn;
  std::error_code* ec;
  Handler handler;

  void operator()(const std::error_code& result, std::size_t n) {
    *ec = result;
    if (result) {
      n = 0;  // a failure (EOF included) is no transfer: nothing counted, the idle deadline not touched
    } else {
      conn->note_transfer(n, 0);
    }
    std::move(handler)(n);
  }
};

}  // namespace
}  // namespace tcpkit

// The awaiting coroutine's executor, cancellation slot and allocator, as redirect_error forwards them.
template <template <typename, typename> class Associator, typename Handler, typename DefaultCandidate>
struct asio::associator<Associator, tcpkit::counted_read<Handler>, DefaultCandidate>
    : Associator<Handler, DefaultCandidate> {
  static typename Associator<Handler, DefaultCandidate>::type get(const tcpkit::counted_read<Handler>& h,
                                                                  const DefaultCandidate& c = DefaultCandidate()) noexcept {
    return Associator<Handler, DefaultCandidate>::get(h.handler, c);
  }
};

namespace tcpkit {

asio::awaitable<std::size_t> connection::async_read_some(asio::mutable_buffer data, std::error_code& ec) {
  ec.clear();
  auto start_read = [this, data, &ec](auto handler) {
    socket_.async_read_some(data, counted_read<decltype(handler)>{this, &ec, std::move(handler)});
  };
  return asio::async_initiate<const asio::use_awaitable_t<>, void(std::size_t)>(start_read, asio::use_awaitable);
}

asio::awaitable<std::size_t> connection::async_read_some(asio::mutable_buffer data) {
  std::error_code ec;
  const std::size_t n = co_await async_read_some(data, ec);
  if (ec && ec != asio::error::eof) throw error(ec, "recv", peer());
  co_return n;
}

asio::awaitable<std::size_t> connection::async_write_some(asio::const_buffer data) {
  std::error_code ec;
  const std::size_t n = co_await socket_.async_write_some(data, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) throw error(ec, "send", peer());
  note_transfer(0, n);
  co_return n;
}

asio::awaitable<void> connection::async_send_all(asio::const_buffer data) {
  const std::size_t total = data.size();
  while (data.size() > 0) {
    // What the kernel takes at once is sent without a trip through the event loop (a reply that
    // fits the send buffer: nearly always); only the rest waits for room.
    std::error_code ec;
    std::size_t n = send_now(data, ec);
    if (ec == asio::error::would_block) {
      ec.clear();
      n = co_await socket_.async_write_some(data, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) throw error(ec, "send", peer());
    data += n;
    if (data.size() > 0) note_transfer(0, 0);  // progress, counted below with the rest
  }
  note_transfer(0, total);  // a send_all that failed handed over an unknown part: none is counted
}

asio::awaitable<void> connection::async_recv_exact(asio::mutable_buffer data) {
  const std::size_t expected = data.size();
  // What the peer says before we have said anything (a request that came with the handshake)
  // has nearly always arrived: it is taken without a trip through the event loop. A reply to
  // what we sent has nearly never arrived yet: a recv() now would only fail, and Asio's own
  // first try is the better one (it skips the try after a read that emptied the socket).
  bool try_now = traffic_.bytes_sent() == 0;
  while (data.size() > 0) {
    std::error_code ec = asio::error::would_block;
    std::size_t n = try_now ? receive_now(data, 0, ec) : 0;
    try_now = false;
    if (ec == asio::error::would_block) n = co_await async_read_some(data, ec);  // counted as it arrives
    else if (n > 0) note_transfer(n, 0);
    if (ec == asio::error::eof) throw short_read(expected, expected - data.size(), peer());
    if (ec) throw error(ec, "recv", peer());
    data += n;
  }
}

namespace {

// A system call's result as the try_ operations report it.
std::size_t transferred(ssize_t n, std::error_code& ec) noexcept {
  if (n >= 0) return static_cast<std::size_t>(n);
  const int err = errno;
  ec = err == EAGAIN || err == EWOULDBLOCK ? make_error_code(asio::error::would_block)
                                           : std::error_code(err, asio::error::get_system_category());
  return 0;
}

}  // namespace

std::size_t connection::try_peek_some(asio::mutable_buffer data, std::error_code& ec) noexcept {
  return receive_now(data, MSG_PEEK, ec);
}

void connection::try_consume(asio::mutable_buffer peeked, std::error_code& ec) noexcept {
  ec.clear();
  const std::size_t n = peeked.size();
  auto* const scratch = static_cast<char*>(peeked.data());
  std::size_t left = n;
  // The bytes were peeked, so they are all there: one call takes them (the loop is for EINTR
  // and a short count, bounded by the bytes left).
  while (left > 0 && !ec) {
    const ssize_t got = ::recv(socket_.native_handle(), scratch + (n - left), left, MSG_TRUNC | MSG_DONTWAIT);
    if (got == 0) {
      ec = asio::error::eof;  // not after a peek; said rather than looped on
      break;
    }
    if (got < 0 && errno == EINTR) continue;
    left -= transferred(got, ec);
  }
  if (left < n) note_transfer(n - left, 0);
}

std::size_t connection::receive_now(asio::mutable_buffer data, int flags, std::error_code& ec) noexcept {
  ec.clear();
  ssize_t n = 0;
  do {
    n = ::recv(socket_.native_handle(), data.data(), data.size(), flags | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n == 0 && data.size() > 0) ec = asio::error::eof;
  return transferred(n, ec);
}

std::size_t connection::send_now(asio::const_buffer data, std::error_code& ec) noexcept {
  ec.clear();
  ssize_t n = 0;
  do {
    n = ::send(socket_.native_handle(), data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return transferred(n, ec);
}

std::size_t connection::try_write_some(asio::const_buffer data, std::error_code& ec) noexcept {
  const std::size_t sent = send_now(data, ec);
  if (sent > 0) note_transfer(0, sent);
  return sent;
}

asio::awaitable<void> connection::async_wait_readable() {
  std::error_code ec;
  co_await socket_.async_wait(tcp::socket::wait_read, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) throw error(ec, "recv", peer());
}

std::error_code connection::half_close() noexcept {
  closing_.note_closing(socket_);
  std::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  return ec;
}

// Not a coroutine itself: the close's own frame is the only one.
asio::awaitable<close_how> connection::async_graceful_close(clock::duration drain) {
  return tcpkit::async_graceful_close(socket_, drain, &closing_, sweep_);
}

void connection::close_lingering(lingering_closes& closes) noexcept {
  closing_.note_closing(socket_);
  closes.close(std::move(socket_));
}

void connection::abort() noexcept {
  std::error_code ignored;
  socket_.set_option(asio::socket_base::linger(true, 0), ignored);  // close() then resets
  close();
}

void connection::close() noexcept {
  closing_.note_closing(socket_);
  closing_.note_final(socket_);
  std::error_code ignored;
  socket_.close(ignored);
}

}  // namespace tcpkit
