// Deadlines for coroutines. Asio 1.22 has no cancel_after, so an operation is raced against a
// timer with awaitable_operators: whichever finishes first cancels the other.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <memory>

namespace tcpkit {

using clock = std::chrono::steady_clock;

// The time since `start`, in seconds (the programs' "seconds" fields).
inline double seconds_since(clock::time_point start) noexcept {
  return std::chrono::duration<double>(clock::now() - start).count();
}

// Completes after `duration`; throws operation_aborted if cancelled first.
asio::awaitable<void> sleep_for(clock::duration duration);

// Runs `op` until it completes or `stop` completes first, whichever is earlier; the other is
// cancelled and has finished when this returns. Returns true if `op` completed; an exception
// from `op` is rethrown here, unless `stop` had already won (then `op` was only cancelled).
//
// Prefer this to a bare `op || stop`: in Asio 1.22 `||` waits for the first branch to complete
// *successfully*, so when `op` throws, `stop` is not cancelled and the exception surfaces only
// once `stop` ends on its own (Asio issue #1094). A watchdog of 60 s would turn a failure into
// a 60 s hang. Here `op`'s exception is captured inside its branch, which then completes
// normally and cancels `stop` at once.
asio::awaitable<bool> run_until(asio::awaitable<void> op, asio::awaitable<void> stop);

// Runs `a` and `b` concurrently until both complete. If either throws, the other is cancelled
// and, once it has finished, the first exception is rethrown.
//
// Prefer this to a bare `a && b`: in Asio 1.22, when one branch fails and the other then fails
// with operation_aborted because it was cancelled, `&&` throws multiple_exceptions holding the
// exception of the *first branch in the expression*, which may be the cancellation rather
// than the failure that caused it.
asio::awaitable<void> run_both(asio::awaitable<void> a, asio::awaitable<void> b);

// run_until() against a timer: true if `op` completed within `limit`.
asio::awaitable<bool> complete_within(asio::awaitable<void> op, clock::duration limit);

// An inactivity deadline shared by a session and its watchdog:
//
//     co_await run_until(session(socket, idle), idle.expired());
//
// The session calls touch() whenever bytes move in either direction; expired() completes only
// once `timeout` has passed with no touch(), which cancels the session. One timer per
// connection, re-armed lazily, so touching costs a clock read, not a syscall.
class idle_sweep;  // watch many deadlines with one timer (tcpkit/core/idle_sweep.hpp)
class idle_watch;

class idle_deadline {
 public:
  explicit idle_deadline(clock::duration timeout) : idle_deadline(timeout, clock::now()) {}
  // The same, counted from `start` (a time just read: one clock read less).
  idle_deadline(clock::duration timeout, clock::time_point start) : timeout_(timeout), deadline_(start + timeout) {}

  void touch() noexcept { deadline_ = clock::now() + timeout_; }
  bool has_expired() const noexcept { return has_expired(clock::now()); }
  // The same at `now` (a time just read: one clock read for many deadlines).
  bool has_expired(clock::time_point now) const noexcept { return holds_ == 0 && now >= deadline_; }

  // Completes when the deadline has passed without a touch(), or at once after expire_now().
  asio::awaitable<void> expired();

  // Ends the wait of expired() or of an idle_watch now, whatever the time: how a server
  // stopping on SIGTERM ends its sessions through the same path as an idle timeout. Call it on
  // the io_context's thread.
  void expire_now();
  bool expired_early() const noexcept { return stopped_; }

  // While a hold lives the deadline cannot pass: time spent waiting on our own side (e.g. for
  // a blocked stdout to take the output) is not the peer's inactivity. Ending a hold counts as
  // progress. Holds nest.
  class hold_guard {
   public:
    explicit hold_guard(idle_deadline& deadline) noexcept : deadline_(&deadline) { ++deadline.holds_; }
    hold_guard(hold_guard&& other) noexcept : deadline_(other.deadline_) { other.deadline_ = nullptr; }
    hold_guard(const hold_guard&) = delete;
    hold_guard& operator=(const hold_guard&) = delete;
    hold_guard& operator=(hold_guard&&) = delete;
    ~hold_guard() {
      if (deadline_ == nullptr) return;
      --deadline_->holds_;
      deadline_->touch();
    }

   private:
    idle_deadline* deadline_;
  };
  [[nodiscard]] hold_guard hold() noexcept { return hold_guard(*this); }

 private:
  clock::duration timeout_;
  clock::time_point deadline_;
  int holds_ = 0;
  bool stopped_ = false;
  asio::steady_timer* timer_ = nullptr;  // expired()'s timer while it waits
  idle_watch* watch_ = nullptr;           // the idle_sweep's watch on it, if any

  friend class idle_sweep;
  friend class idle_watch;
};

}  // namespace tcpkit
