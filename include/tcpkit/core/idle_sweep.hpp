// The idle deadlines of every session on one event loop, watched by one timer: a server keeps
// one sweep per loop (lifecycle/server.cpp).
//
//     idle_sweep sweep(loop_executor, idle_sweep::tick_for(timeout));
//     ...
//     const idle_watch watch(sweep, conn.idle(), cancel);  // while it lives, the deadline
//     co_await handler(conn);                              // passing cancels `cancel`
//
// A watch costs a link into the sweep's list and a link out: no timer per session, no
// operation armed and cancelled per session, no timerfd_settime() per session. The timer ticks
// while any watch lives, and once more after the last; at each tick every watch whose deadline has passed emits a
// cancellation on its signal, once. A deadline therefore passes up to one tick late (a tenth
// of the timeout, at most 1 s). expire_now() on a watched deadline does not wait for the tick:
// the sweep runs at once (as its own handler, never inside the caller).
//
// The same contract as `run_until(op, deadline.expired())` for an operation spawned with its
// cancellation slot bound to the watch's signal (a server spawns each session so). Use a sweep
// and its watches on the loop's own thread only.
#pragma once

#include "tcpkit/core/deadline.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/steady_timer.hpp>

#include <memory>

namespace tcpkit {

class idle_watch;

class idle_sweep {
 public:
  idle_sweep(const asio::any_io_executor& executor, clock::duration tick);
  ~idle_sweep();
  idle_sweep(const idle_sweep&) = delete;
  idle_sweep& operator=(const idle_sweep&) = delete;

  // A tenth of `timeout`, between 10 ms and 1 s.
  static clock::duration tick_for(clock::duration timeout) noexcept;

  // No more watches are coming (the server has stopped accepting): the timer stops as soon as
  // none is left, instead of at the next tick, so that the loop can run out of work.
  void wind_down();

 private:
  friend class idle_watch;
  // The watches' list, shared with them and with the timer's handler: a session's frame may
  // outlive the sweep (destroyed with its io_context after the server) and so may the handler.
  struct state;

  void arm(clock::time_point at);  // the timer, to wake no later than `at`
  void sweep();                     // fires what has expired; ticks on while watches live
  void stop_when_empty();

  asio::steady_timer timer_;
  clock::duration tick_;
  std::shared_ptr<state> state_;
};

// One deadline in a sweep, for as long as it lives.
class idle_watch {
 public:
  // Create it on the sweep's loop; `deadline` and `cancel` must outlive it.
  idle_watch(idle_sweep& sweep, idle_deadline& deadline, asio::cancellation_signal& cancel);
  ~idle_watch();
  idle_watch(const idle_watch&) = delete;
  idle_watch& operator=(const idle_watch&) = delete;
  bool fired() const noexcept { return fired_; }  // the cancellation was emitted

 private:
  friend class idle_sweep;
  friend class idle_deadline;
  void expire_soon();  // idle_deadline::expire_now(): the sweep runs at once

  std::shared_ptr<idle_sweep::state> sweep_;
  idle_deadline& deadline_;
  asio::cancellation_signal& cancel_;
  idle_watch* prev_ = nullptr;
  idle_watch* next_ = nullptr;
  bool fired_ = false;
};

}  // namespace tcpkit
