#include "tcpkit/core/close.hpp"

#include "tcpkit/core/close_watch.hpp"
#include "tcpkit/core/idle_sweep.hpp"

#include "drain.hpp"

#include <asio/cancellation_signal.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/socket_base.hpp>
#include <asio/use_awaitable.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <memory>
#include <optional>
#include <system_error>

#include <array>

namespace tcpkit {
namespace {

using detail::discarded;
using detail::drain_queued;
using detail::kDrainChunk;


// A drain reads and discards until EOF (fin) or an error (reset), for at most its limit
// (drain_timeout). What bounds it lives in async_graceful_close()'s frame while read_to_eof()
// runs: either a timer of its own or, for a server's session, the loop's idle sweep. Either
// sets `stopped` and cancels the pending read when the limit passes; a peer that keeps
// sending (every read completing at once, none pending to cancel) is stopped by the flag
// between reads. No coroutines raced in a parallel group: this runs for nearly every
// connection whose peer closes after reading our FIN (a sixteen client, for one).

// The drain's reads. A cancellation from outside (a session's watchdog gave up on it) throws,
// as it did when run_until raced the read against a timer, instead of ending a drain.
asio::awaitable<close_how> read_to_eof(tcp::socket& socket, const bool& stopped) {
  close_how outcome = close_how::reset;
  while (!stopped) {
    std::error_code ec;
    co_await socket.async_read_some(discarded(), asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::eof) outcome = close_how::fin;
    if (ec) break;
  }
  const auto state = co_await asio::this_coro::cancellation_state;
  if (state.cancelled() != asio::cancellation_type::none) {
    throw std::system_error(make_error_code(asio::error::operation_aborted));
  }
  co_return stopped ? close_how::drain_timeout : outcome;
}

// The bound as a timer of the drain's own. Its handler may still be queued after the drain has
// ended (and the socket is closed), so what it touches is shared, and nothing once `done`.
// What either bound does when the limit passes: the flag for a drain between reads, and the
// pending read cancelled.
void stop_drain(tcp::socket& socket, bool& stopped) noexcept {
  stopped = true;
  std::error_code ignored;
  socket.cancel(ignored);
}

class timer_bound {
 public:
  timer_bound(tcp::socket& socket, clock::duration limit, bool& stopped)
      : timer_(socket.get_executor(), limit), shared_(std::make_shared<shared>(shared{&socket, &stopped})) {
    timer_.async_wait([watch = shared_](const std::error_code& ec) {
      if (!ec && !watch->done) stop_drain(*watch->socket, *watch->stopped);
    });
  }
  ~timer_bound() {
    shared_->done = true;
    timer_.cancel();
  }
  timer_bound(const timer_bound&) = delete;
  timer_bound& operator=(const timer_bound&) = delete;

 private:
  struct shared {
    tcp::socket* socket;
    bool* stopped;
    bool done = false;
  };
  asio::steady_timer timer_;
  std::shared_ptr<shared> shared_;
};

// The bound as a deadline nobody touches, in the loop's sweep: no timer armed and cancelled per
// connection. Its watch's signal cancels the socket's pending operations.
class sweep_bound {
 public:
  sweep_bound(tcp::socket& socket, clock::duration limit, bool& stopped, idle_sweep& sweep)
      : limit_(limit), socket_(socket), stopped_(stopped), watch_(sweep, limit_, armed()) {}
  sweep_bound(const sweep_bound&) = delete;
  sweep_bound& operator=(const sweep_bound&) = delete;

 private:
  asio::cancellation_signal& armed() {
    cut_.slot().assign([this](asio::cancellation_type) { stop_drain(socket_, stopped_); });
    return cut_;
  }

  idle_deadline limit_;
  tcp::socket& socket_;
  bool& stopped_;
  asio::cancellation_signal cut_;
  idle_watch watch_;  // last: it goes first, before the signal it emits on
};

// The final figures for a close_watch, just before the socket goes. A reset found while
// draining is not noted: this side had closed first, and the peer's reset only answers that
// (it closed with our last bytes unread); a reset before our shutdown is seen by note_closing().
void note_closed(close_watch* watch, tcp::socket& socket) noexcept {
  if (watch != nullptr) watch->note_final(socket);
}

}  // namespace

asio::awaitable<close_how> async_graceful_close(tcp::socket& socket, clock::duration drain, close_watch* watch,
                                                idle_sweep* sweep) {
  if (watch != nullptr) watch->note_closing(socket);
  std::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  close_how outcome = close_how::reset;
  const std::optional<close_how> at_once = ec ? std::nullopt : drain_queued(socket);
  if (at_once) {
    outcome = *at_once;
  } else if (!ec && sweep != nullptr) {
    bool stopped = false;
    const sweep_bound bound(socket, drain, stopped, *sweep);
    outcome = co_await read_to_eof(socket, stopped);
  } else if (!ec) {
    bool stopped = false;
    const timer_bound bound(socket, drain, stopped);
    outcome = co_await read_to_eof(socket, stopped);
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
