#include "tcpkit/instruments/load.hpp"

#include "tcpkit/core/close_how.hpp"
#include "tcpkit/core/connection.hpp"
#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/io.hpp"

#include <asio/co_spawn.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace tcpkit {
namespace {

constexpr auto kSweepPeriod = std::chrono::milliseconds(50);

std::uint64_t nanoseconds_between(clock::time_point from, clock::time_point to) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count());
}

// The column of a failure that was not a connect failure or a deadline: how its connection
// ended, as a session summary would say it (classify_ending), grouped as the table shows it.
failure_kind kind_of(const std::error_code& code) {
  switch (classify_ending(code)) {
    case close_how::idle_timeout:
    case close_how::stall_timeout:
    case close_how::drain_timeout: return failure_kind::timeout;
    case close_how::fin: return failure_kind::closed_early;
    case close_how::reset: return failure_kind::reset;
    case close_how::error:
      return code == errc::data_mismatch || code == errc::line_too_long ? failure_kind::mismatch : failure_kind::other;
    case close_how::interrupted: return failure_kind::other;  // not by stop(): that is counted as interrupted
  }
  return failure_kind::other;
}

}  // namespace

std::string_view to_string(failure_kind kind) noexcept {
  switch (kind) {
    case failure_kind::connect: return "connect";
    case failure_kind::timeout: return "timeout";
    case failure_kind::closed_early: return "closed_early";
    case failure_kind::reset: return "reset";
    case failure_kind::mismatch: return "mismatch";
    case failure_kind::other: return "other";
  }
  return "other";
}

std::uint64_t failure_tally::total() const noexcept {
  std::uint64_t sum = 0;
  for (const auto n : by_kind) sum += n;
  return sum;
}

void failure_tally::add(failure_kind kind, const std::error_code& code, std::string message) {
  const auto index = static_cast<std::size_t>(kind);
  if (total() == 0) {
    first_code = code;
    first_message = message;
  }
  if (by_kind[index] == 0) first_by_kind[index] = std::move(message);
  ++by_kind[index];
}

load_runner::load_runner(load_plan plan, load_job job)
    : plan_(std::move(plan)), job_(std::move(job)), slots_(plan_.connections == 0 ? 1 : plan_.connections) {
  for (auto& slot : slots_) slot.limit_ = plan_.deadline;
}

asio::awaitable<void> load_runner::run() {
  const auto executor = co_await asio::this_coro::executor;
  endpoints_ = co_await async_resolve_endpoints(plan_.host, plan_.port, plan_.connect);
  sweep_timer_ = std::make_unique<asio::steady_timer>(executor);
  barrier_ = std::make_unique<asio::steady_timer>(executor, clock::time_point::max());

  first_start_ = clock::now();
  common_start_ = first_start_;
  const std::size_t workers = static_cast<std::size_t>(std::min<std::uint64_t>(slots_.size(), plan_.exchanges));
  first_round_left_ = plan_.together ? workers : 0;
  for (std::size_t i = 0; i < workers; ++i) slots_[i].first_round_ = plan_.together;
  for (std::size_t i = 0; i < workers; ++i) {
    ++live_workers_;
    asio::co_spawn(executor, work(slots_[i]), [this](std::exception_ptr failure) {
      // work() catches what an exchange throws; only running out of memory gets here.
      if (failure) stats_.failures.add(failure_kind::other, make_error_code(std::errc::not_enough_memory), "worker failed");
      if (--live_workers_ == 0) sweep_timer_->cancel();
    });
  }

  // The sweep timer doubles as the "all done" signal: the last worker cancels it.
  while (live_workers_ > 0) {
    std::error_code ec;
    sweep_timer_->expires_after(kSweepPeriod);
    co_await sweep_timer_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec && live_workers_ > 0) {
      stop();  // this coroutine was cancelled from outside: wind the workers down
      throw std::system_error(ec);  // operation_aborted: the caller's cancellation, as usual
    }
    sweep();
  }
}

void load_runner::stop() noexcept {
  stopping_ = true;
  for (auto& slot : slots_) {
    std::error_code ignored;
    if (slot.socket_ != nullptr) slot.socket_->close(ignored);
  }
  for (load_slot* slot : waiting_) slot->gate_->cancel();  // they see stopping_ and end
  waiting_.clear();
  if (barrier_) barrier_->cancel();
}

asio::awaitable<clock::time_point> load_runner::wait_for_all_connected(load_slot& slot, bool connected) {
  if (--first_round_left_ == 0) {
    common_start_ = clock::now();
    stats_.connect_seconds = std::chrono::duration<double>(common_start_ - first_start_).count();
    barrier_->cancel();
    co_return common_start_;
  }
  if (!connected) co_return clock::now();
  // Waiting for the others is not this exchange's time: no deadline meanwhile.
  slot.deadline_ = clock::time_point::max();
  while (first_round_left_ > 0 && !stopping_) {
    std::error_code ec;
    co_await barrier_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  slot.deadline_ = clock::now() + slot.limit_;
  co_return common_start_;
}

void load_runner::sweep() noexcept {
  const auto now = clock::now();
  for (auto& slot : slots_) {
    if (slot.socket_ != nullptr && !slot.expired_ && now >= slot.deadline_) {
      slot.expired_ = true;
      std::error_code ignored;
      slot.socket_->close(ignored);  // the exchange's pending operation ends with an error
    }
  }
}

asio::awaitable<void> load_runner::work(load_slot& slot) {
  while (!stopping_ && stats_.started < plan_.exchanges) {
    co_await wait_to_open(slot);
    if (stopping_ || stats_.started >= plan_.exchanges) break;
    ++stats_.started;
    co_await exchange(slot);
  }
  release_opening(slot);
}

asio::awaitable<void> load_runner::wait_to_open(load_slot& slot) {
  if (plan_.max_opening == 0) co_return;
  if (opening_ < plan_.max_opening && waiting_.empty()) {
    ++opening_;
    slot.opening_ = true;
    co_return;
  }
  // Wait in line: release_opening() hands its place over (sets opening_) and wakes us.
  if (!slot.gate_) slot.gate_ = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
  waiting_.push_back(&slot);
  while (!slot.opening_ && !stopping_) {
    slot.gate_->expires_at(clock::time_point::max());
    std::error_code ec;
    co_await slot.gate_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void load_runner::release_opening(load_slot& slot) noexcept {
  if (!slot.opening_) return;
  slot.opening_ = false;
  if (waiting_.empty() || stopping_) {
    --opening_;
    return;
  }
  load_slot* next = waiting_.front();  // the place passes straight to the next in line
  waiting_.pop_front();
  next->opening_ = true;
  next->gate_->cancel();
}

asio::awaitable<void> load_runner::connect(tcp::socket& socket, load_slot& slot) {
  std::error_code ec;
  for (const auto& endpoint : endpoints_) {
    slot.endpoint_ = endpoint;
    socket.close(ec);
    socket.open(endpoint.protocol(), ec);
    if (!ec) co_await socket.async_connect(endpoint, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      if (plan_.no_delay) set_no_delay(socket);  // request/reply exchanges must not wait for a delayed ACK
      co_return;
    }
  }
  throw error(ec, "connect", endpoints_.size() == 1 ? format_endpoint(endpoints_.front())
                                                    : format_host_port(plan_.host, plan_.port));
}

asio::awaitable<void> load_runner::exchange(load_slot& slot) {
  tcp::socket socket(co_await asio::this_coro::executor);
  auto start = clock::now();
  slot.socket_ = &socket;
  slot.deadline_ = start + slot.limit_;
  slot.expired_ = false;
  const bool first_round = std::exchange(slot.first_round_, false);
  bool connected = false;
  std::exception_ptr failure;
  try {
    co_await connect(socket, slot);
    connected = true;
    stats_.peak_concurrent = std::max(stats_.peak_concurrent, ++concurrent_);
  } catch (...) {
    failure = std::current_exception();
  }
  release_opening(slot);
  if (first_round) start = co_await wait_for_all_connected(slot, connected);
  if (connected && !failure) {
    connection conn(std::move(socket), slot.endpoint_);  // named only if an error needs it
    slot.socket_ = &conn.socket();
    try {
      if (stopping_) throw std::system_error(asio::error::operation_aborted);
      co_await job_(conn, slot);
    } catch (...) {
      failure = std::current_exception();
    }
    slot.socket_ = nullptr;  // closed as `conn` goes
  }
  if (connected) --concurrent_;
  slot.socket_ = nullptr;
  std::error_code ignored;
  socket.close(ignored);

  const auto end = clock::now();
  stats_.seconds = std::chrono::duration<double>(end - common_start_).count();
  if (!failure) {
    ++stats_.ok;
    stats_.latency_ns.record(nanoseconds_between(start, end));
  } else if (stopping_) {
    ++stats_.interrupted;
  } else {
    record_failure(slot, connected ? failure_kind::other : failure_kind::connect, failure);
  }
}

void load_runner::record_failure(const load_slot& slot, failure_kind kind, std::exception_ptr failure) {
  std::error_code code = make_error_code(std::errc::io_error);
  std::string message = "unknown error";
  std::string operation = "exchange";
  try {
    std::rethrow_exception(failure);
  } catch (const error& e) {
    code = e.code();
    message = e.what();
    operation = e.operation();
  } catch (const std::system_error& e) {
    code = e.code();
    message = e.what();
  } catch (const std::exception& e) {
    message = e.what();
  }
  if (slot.expired_) {
    // Whatever the closed socket made the exchange throw, the cause was its deadline.
    kind = failure_kind::timeout;
    code = make_error_code(errc::timed_out);
    message = fmt::format("{} {}: not done within the exchange's deadline of {:g} s", operation,
                          format_endpoint(slot.endpoint_), std::chrono::duration<double>(slot.limit_).count());
  } else if (kind != failure_kind::connect) {
    kind = kind_of(code);
  }
  stats_.failures.add(kind, code, std::move(message));
}

}  // namespace tcpkit
