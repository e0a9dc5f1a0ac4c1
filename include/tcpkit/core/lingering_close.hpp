// Graceful closes that nobody awaits (what nginx calls a lingering close): a server session
// whose close no one will report on hands its socket over and ends at once. The FIN is sent at
// once; the drain to the peer's EOF (tcpkit/core/close.hpp) goes on here, with nothing per
// connection but the socket and its pending read, instead of the session's suspended frames.
//
//     lingering_closes closes(loop_executor);   // one per event loop
//     ...
//     closes.close(std::move(socket));          // shutdown(SHUT_WR), then drained and closed here
//
// Every drain has the same limit, so they end in the order they began: one timer, armed at the
// oldest one's deadline (at most once per tenth of the limit), closes what is overdue. A drain
// therefore ends within the limit plus a tenth. Use the set on its loop's thread only.
#pragma once

#include "tcpkit/core/close.hpp"
#include "tcpkit/core/deadline.hpp"
#include "tcpkit/core/endpoint.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <cstddef>
#include <memory>

namespace tcpkit {

class lingering_closes {
 public:
  explicit lingering_closes(const asio::any_io_executor& executor, clock::duration drain = kDefaultDrain);
  // Closes what is still draining: its FIN has gone, so the peer has everything this side wrote.
  ~lingering_closes();
  lingering_closes(const lingering_closes&) = delete;
  lingering_closes& operator=(const lingering_closes&) = delete;

  // Half-closes `socket`, then, without waiting, reads and discards until the peer's EOF or
  // reset, for at most the limit, and closes it. A socket whose peer has closed already is
  // closed before this returns. Never throws (out of memory: closed at once).
  void close(tcp::socket socket) noexcept;

  std::size_t draining() const noexcept { return count_; }

  // No more closes are coming (the server has stopped accepting): the timer stops as soon as
  // nothing drains, so that the loop can run out of work.
  void wind_down();

  // Until nothing is draining (at most the limit and a tenth).
  asio::awaitable<void> async_until_empty();

 private:
  struct entry;
  static void read(std::unique_ptr<entry> drain);
  void link(entry& drain) noexcept;
  void unlink(entry& drain) noexcept;
  void arm();
  void expire();

  clock::duration drain_;
  asio::steady_timer timer_;
  bool armed_ = false;
  bool winding_down_ = false;
  // The timer's handler may run after the set is gone (its loop destroyed later): it checks this.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  entry* oldest_ = nullptr;  // the list, in the order the drains began
  entry* newest_ = nullptr;
  std::size_t count_ = 0;
  asio::steady_timer* emptied_ = nullptr;  // async_until_empty()'s, while it waits
};

}  // namespace tcpkit
