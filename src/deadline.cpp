#include "tcpkit/deadline.hpp"

#include <asio/redirect_error.hpp>

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

}  // namespace

asio::awaitable<bool> run_until(asio::awaitable<void> op, asio::awaitable<void> stop) {
  std::exception_ptr failure;
  const auto winner = co_await (capture_exception(std::move(op), failure) || std::move(stop));
  // When `stop` won, `op` was cancelled, and what it threw (operation_aborted) is only the echo
  // of that cancellation: the caller learns what happened from the result.
  if (failure && winner.index() == 0) std::rethrow_exception(failure);
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
  co_return co_await run_until(std::move(op), sleep_for(limit));
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
  if (ec == asio::error::operation_aborted && !stopped_) throw std::system_error(ec);
}

void idle_deadline::expire_now() {
  stopped_ = true;
  if (timer_ != nullptr) timer_->cancel();
}

}  // namespace tcpkit
