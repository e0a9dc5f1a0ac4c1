#include "tcpkit/core/lingering_close.hpp"

#include "tcpkit/core/idle_sweep.hpp"

#include "drain.hpp"

#include <asio/redirect_error.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <new>

namespace tcpkit {

// One drain: owned by its pending read's completion handler, linked into its set's list until
// it ends or expires. `owner` is null once it has left the list (expired, or the set is gone):
// the read that completes then only closes it. However it goes (its read's end, a handler that
// could not be made, its loop destroyed with the read pending), it leaves the list with it.
struct lingering_closes::entry {
  entry(tcp::socket s, clock::time_point at, lingering_closes* set) noexcept
      : socket(std::move(s)), deadline(at), owner(set) {}
  ~entry() {
    if (owner != nullptr) owner->unlink(*this);
  }
  entry(const entry&) = delete;
  entry& operator=(const entry&) = delete;

  tcp::socket socket;  // closed with the entry
  clock::time_point deadline;
  lingering_closes* owner;
  entry* newer = nullptr;
  entry* older = nullptr;
};

lingering_closes::lingering_closes(const asio::any_io_executor& executor, clock::duration drain)
    : drain_(drain), timer_(executor) {}

lingering_closes::~lingering_closes() {
  *alive_ = false;
  while (oldest_ != nullptr) {
    entry& drain = *oldest_;
    unlink(drain);
    std::error_code ignored;
    drain.socket.close(ignored);  // its read completes as aborted, and deletes it
  }
  if (emptied_ != nullptr) emptied_->cancel();
}

void lingering_closes::close(tcp::socket socket) noexcept {
  std::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  if (ec || detail::drain_queued(socket).has_value()) {
    socket.close(ec);
    return;
  }
  std::unique_ptr<entry> drain(new (std::nothrow) entry(std::move(socket), clock::now() + drain_, this));
  if (drain == nullptr) {
    socket.close(ec);  // (not moved from: the entry was never made)
    return;
  }
  link(*drain);
  try {
    arm();
    read(std::move(drain));
  } catch (...) {
    // Out of memory for the timer's or the read's operation: the entry goes (unlinked, its
    // socket closed) with whichever unique_ptr still held it.
  }
}

// Reads and discards until the EOF, a reset, or the drain's end: each completion reads again
// while data keeps coming and the drain is still in its set.
void lingering_closes::read(std::unique_ptr<entry> drain) {
  tcp::socket& socket = drain->socket;
  socket.async_read_some(detail::discarded(), [drain = std::move(drain)](const std::error_code& ec, std::size_t) mutable {
    if (!ec && drain->owner != nullptr) {
      read(std::move(drain));
      return;
    }
    // Done: the entry goes with this handler (out of the list if still in it, closed).
  });
}

void lingering_closes::link(entry& drain) noexcept {
  drain.older = newest_;
  if (newest_ != nullptr) newest_->newer = &drain;
  newest_ = &drain;
  if (oldest_ == nullptr) oldest_ = &drain;
  ++count_;
}

void lingering_closes::unlink(entry& drain) noexcept {
  (drain.older != nullptr ? drain.older->newer : oldest_) = drain.newer;
  (drain.newer != nullptr ? drain.newer->older : newest_) = drain.older;
  drain.owner = nullptr;
  if (--count_ > 0) return;
  if (emptied_ != nullptr) emptied_->cancel();
  if (winding_down_) timer_.cancel();
}

void lingering_closes::wind_down() {
  winding_down_ = true;
  if (count_ == 0) timer_.cancel();
}

// The timer, if it is not set already, at the oldest drain's deadline: no sooner than a tenth
// of the limit from now, so that a steady stream of drains wakes it at most ten times per limit.
//
// A wait cancelled (the set winding down, and empty for a moment) may have had a drain added
// since: it arms again for that one rather than leave it unbounded.
void lingering_closes::arm() {
  if (armed_ || oldest_ == nullptr) return;
  timer_.expires_at(std::max(oldest_->deadline, clock::now() + idle_sweep::tick_for(drain_)));
  timer_.async_wait([this, alive = alive_](const std::error_code& ec) {
    if (!*alive) return;
    armed_ = false;
    if (ec) {
      arm();
    } else {
      expire();
    }
  });
  armed_ = true;
}

// What is overdue leaves the list and is closed: its pending read completes as aborted.
void lingering_closes::expire() {
  const auto now = clock::now();
  while (oldest_ != nullptr && oldest_->deadline <= now) {
    entry& drain = *oldest_;
    unlink(drain);
    std::error_code ignored;
    drain.socket.close(ignored);
  }
  arm();
}

asio::awaitable<void> lingering_closes::async_until_empty() {
  if (count_ == 0) co_return;
  asio::steady_timer wait(co_await asio::this_coro::executor, clock::time_point::max());
  emptied_ = &wait;
  std::error_code ec;  // cancelled by the last drain to end
  co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  emptied_ = nullptr;
}

}  // namespace tcpkit
