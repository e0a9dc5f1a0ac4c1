// idle_sweep: one timer for the idle deadlines of a loop's sessions. Each test spawns an
// operation with its cancellation slot bound to a signal, as the server spawns its sessions,
// and watches its deadline in a sweep; every loop runs for at most 5 s (io.run_for).
#include "tcpkit/core/idle_sweep.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <exception>
#include <memory>
#include <optional>
#include <system_error>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;

constexpr auto kLoopLimit = 5s;

asio::awaitable<void> elapse(clock::duration delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
}

// Waits `rounds` times `step`, touching the deadline after each: an operation that keeps
// making progress.
asio::awaitable<void> keep_busy(idle_deadline& deadline, int rounds, clock::duration step) {
  for (int i = 0; i < rounds; ++i) {
    co_await elapse(step);
    deadline.touch();
  }
}

// An operation under a watch, as a server runs a session: spawned with its slot bound to
// `cancel`, the watch let go of when the operation ends.
struct watched {
  asio::cancellation_signal cancel;
  std::optional<idle_watch> watch;
  bool done = false;
  bool cancelled = false;  // the operation ended with operation_aborted
  bool fired = false;      // the watch said it had fired
  clock::duration took{};

  void spawn(asio::io_context& io, idle_sweep& sweep, idle_deadline& deadline, asio::awaitable<void> op) {
    watch.emplace(sweep, deadline, cancel);
    const auto start = clock::now();
    asio::co_spawn(io, std::move(op), asio::bind_cancellation_slot(cancel.slot(), [this, start](std::exception_ptr e) {
                     took = clock::now() - start;
                     done = true;
                     if (e) {
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::system_error& error) {
                         cancelled = error.code() == asio::error::operation_aborted;
                       }
                     }
                     fired = watch->fired();
                     watch.reset();
                   }));
  }
};

TEST(IdleSweep, TheTickIsATenthOfTheTimeoutBetween10MsAnd1S) {
  EXPECT_EQ(idle_sweep::tick_for(60s), 1s);
  EXPECT_EQ(idle_sweep::tick_for(2s), 200ms);
  EXPECT_EQ(idle_sweep::tick_for(50ms), 10ms);
}

TEST(IdleSweep, AnIdleOperationIsCancelledOnceItsTimeoutHasPassedWithinATick) {
  asio::io_context io;
  idle_sweep sweep(io.get_executor(), 20ms);
  idle_deadline deadline(150ms);
  watched op;
  op.spawn(io, sweep, deadline, elapse(10s));
  io.run_for(kLoopLimit);
  ASSERT_TRUE(op.done);
  EXPECT_TRUE(op.cancelled);
  EXPECT_TRUE(op.fired);
  EXPECT_GE(op.took, 150ms);
  EXPECT_LT(op.took, 2s);  // one tick late at most, with room for a loaded machine
}

TEST(IdleSweep, AnOperationThatKeepsTouchingItsDeadlineIsNotCancelled) {
  asio::io_context io;
  idle_sweep sweep(io.get_executor(), 10ms);
  idle_deadline deadline(200ms);
  watched op;
  op.spawn(io, sweep, deadline, keep_busy(deadline, 8, 50ms));  // 400 ms in all, twice the timeout
  io.run_for(kLoopLimit);
  ASSERT_TRUE(op.done);
  EXPECT_FALSE(op.cancelled);
  EXPECT_FALSE(op.fired);
}

TEST(IdleSweep, ExpireNowCancelsAtOnceNotAtTheNextTick) {
  asio::io_context io;
  idle_sweep sweep(io.get_executor(), 1s);
  idle_deadline deadline(60s);
  watched op;
  op.spawn(io, sweep, deadline, elapse(10s));
  asio::steady_timer soon(io, 20ms);
  soon.async_wait([&](const std::error_code&) { deadline.expire_now(); });
  io.run_for(kLoopLimit);
  ASSERT_TRUE(op.done);
  EXPECT_TRUE(op.cancelled);
  EXPECT_TRUE(op.fired);
  EXPECT_LT(op.took, 700ms);  // the tick is 1 s
}

TEST(IdleSweep, ADeadlineExpiredBeforeItsWatchCancelsTheOperationAsSoonAsItIsWatched) {
  asio::io_context io;
  idle_sweep sweep(io.get_executor(), 1s);
  idle_deadline deadline(60s);
  deadline.expire_now();  // a server stopping between a session's admission and its start
  watched op;
  op.spawn(io, sweep, deadline, elapse(10s));
  io.run_for(kLoopLimit);
  ASSERT_TRUE(op.done);
  EXPECT_TRUE(op.cancelled);
  EXPECT_LT(op.took, 700ms);
}

TEST(IdleSweep, AWoundDownSweepLetsTheLoopRunOutOfWorkWithItsLastWatch) {
  asio::io_context io;
  idle_sweep sweep(io.get_executor(), 1s);
  idle_deadline deadline(60s);
  watched op;
  op.spawn(io, sweep, deadline, elapse(20ms));
  sweep.wind_down();
  const auto start = clock::now();
  io.run_for(kLoopLimit);
  EXPECT_TRUE(op.done);
  EXPECT_FALSE(op.cancelled);
  EXPECT_LT(clock::now() - start, 700ms);  // not the tick of 1 s: run() returned by itself
}

TEST(IdleSweep, ASweepThatIsNotWoundDownStopsTickingOneTickAfterItsLastWatch) {
  asio::io_context io;
  idle_sweep sweep(io.get_executor(), 100ms);
  idle_deadline deadline(60s);
  watched op;
  op.spawn(io, sweep, deadline, elapse(20ms));
  const auto start = clock::now();
  io.run_for(kLoopLimit);
  EXPECT_TRUE(op.done);
  EXPECT_LT(clock::now() - start, 2s);  // run() returned by itself, about a tick after the watch went
}

TEST(IdleSweep, AWatchThatOutlivesItsSweepIsLetGoOfSafely) {
  // A session's frame destroyed with its io_context after the server (and its sweeps) are gone.
  asio::io_context io;
  auto sweep = std::make_unique<idle_sweep>(io.get_executor(), 10ms);
  idle_deadline deadline(60s);
  asio::cancellation_signal cancel;
  auto watch = std::make_unique<idle_watch>(*sweep, deadline, cancel);
  sweep.reset();
  deadline.expire_now();  // asks a sweep that is gone: nothing happens
  EXPECT_FALSE(watch->fired());
  watch.reset();
  io.run_for(kLoopLimit);  // the cancelled timer's handler runs and touches nothing
}

}  // namespace
}  // namespace tcpkit
