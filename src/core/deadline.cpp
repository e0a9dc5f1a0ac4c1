#include "tcpkit/core/deadline.hpp"

#include "tcpkit/core/idle_sweep.hpp"

#include <asio/cancellation_signal.hpp>
#include <asio/cancellation_state.hpp>
#include <asio/redirect_error.hpp>

#include <memory>

namespace tcpkit {

using namespace asio::experimental::awaitable_operators;

asio::awaitable<void> sleep_for(clock::duration duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::use_awaitable);
}

namespace {

asio::awaitable<void> capture_exception(asio::awaitable<void> op, std::exception_ptr& failure) {
  try {
    co_await std::move(op);
  } catch (...) {
    failure = std::current_exception();
  }
}

// Like sleep_for, but a cancelled wait completes normally instead of throwing. For the `stop`
// branch of run_until only, where a throw would be the common case: whenever `op` wins, `stop`
// is cancelled, and one C++ exception per connection cost more than the rest of a sixteen-octet
// exchange together (docs/BENCHMARKS.md).
asio::awaitable<void> wait_quietly(clock::duration duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  std::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

}  // namespace

asio::awaitable<bool> run_until(asio::awaitable<void> op, asio::awaitable<void> stop) {
  std::exception_ptr failure;
  const auto winner = co_await (capture_exception(std::move(op), failure) || std::move(stop));
  // When `stop` won, `op` was cancelled, and what it threw (operation_aborted) is only the echo
  // of that cancellation: the caller learns what happened from the result.
  if (failure && winner.index() == 0) std::rethrow_exception(failure);
  if (winner.index() == 1) {
    // `stop` may also have ended because *we* were cancelled (an enclosing run_until gave up
    // on us): a stop that completes quietly when cancelled cannot say so itself. Then this is
    // a cancellation, as it was when the branches threw, not a stop that won.
    const auto state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none) {
      throw std::system_error(make_error_code(asio::error::operation_aborted));
    }
  }
  co_return winner.index() == 0;
}

namespace {

// Records the first exception thrown by either branch of run_both, then lets it propagate so
// that `&&` cancels the other branch.
asio::awaitable<void> record_first_exception(asio::awaitable<void> op, std::exception_ptr& first) {
  try {
    co_await std::move(op);
  } catch (...) {
    if (!first) first = std::current_exception();
    throw;
  }
}

}  // namespace

asio::awaitable<void> run_both(asio::awaitable<void> a, asio::awaitable<void> b) {
  std::exception_ptr first;
  try {
    co_await (record_first_exception(std::move(a), first) && record_first_exception(std::move(b), first));
  } catch (...) {
    if (first) std::rethrow_exception(first);
    throw;
  }
}

asio::awaitable<bool> complete_within(asio::awaitable<void> op, clock::duration limit) {
  co_return co_await run_until(std::move(op), wait_quietly(limit));
}

asio::awaitable<void> idle_deadline::expired() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer_ = &timer;
  // The session moves deadline_ forward as it makes progress; sleep until the latest deadline
  // and finish only if nothing moved it meanwhile.
  std::error_code ec;
  while (!stopped_ && (holds_ > 0 || clock::now() < deadline_)) {
    timer.expires_at(holds_ > 0 ? clock::now() + timeout_ : deadline_);
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted && !stopped_) break;  // the session ended first
  }
  timer_ = nullptr;
  // Cancelled: complete without throwing (see wait_quietly); run_until knows it was cancelled.
}

void idle_deadline::expire_now() {
  stopped_ = true;
  if (timer_ != nullptr) timer_->cancel();
  if (watch_ != nullptr) watch_->expire_soon();
}

}  // namespace tcpkit
