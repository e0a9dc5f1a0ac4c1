// run_until and run_both: the two ways tcpkit joins coroutines, and the Asio 1.22 pitfalls
// they exist to avoid.
#include "tcpkit/core/deadline.hpp"

#include "support/run_coroutine.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <gtest/gtest.h>

#include <stdexcept>
#include <system_error>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;

// A timer as the operation under test (what a real operation's waiting looks like to Asio).
asio::awaitable<void> elapse(clock::duration delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
}

asio::awaitable<void> fail_after(clock::duration delay, const char* message) {
  co_await elapse(delay);
  throw std::runtime_error(message);
}

// Runs `body` to completion on a fresh io_context (bounded); returns how long it took.
template <class Body>
clock::duration run(Body body) {
  asio::io_context io;
  const auto start = clock::now();
  test::run_coroutine(io, body());
  return clock::now() - start;
}

TEST(Deadline, RunUntilReturnsFalseWhenStopWinsEvenIfTheCancelledOpThrows) {
  bool completed = true;
  const auto took = run([&]() -> asio::awaitable<void> { completed = co_await complete_within(elapse(10s), 50ms); });
  EXPECT_FALSE(completed);
  EXPECT_LT(took, 5s);
}

TEST(Deadline, RunUntilRethrowsTheOpsOwnFailureAtOnce) {
  const auto took = run([&]() -> asio::awaitable<void> {
    EXPECT_THROW(co_await complete_within(fail_after(10ms, "boom"), 10s), std::runtime_error);
  });
  EXPECT_LT(took, 5s);  // not after the 10 s watchdog
}

TEST(Deadline, RunBothRethrowsTheFirstFailureNotTheCancellation) {
  std::string message;
  const auto took = run([&]() -> asio::awaitable<void> {
    try {
      co_await run_both(elapse(10s), fail_after(20ms, "the real failure"));  // the failing branch is second
    } catch (const std::runtime_error& e) {
      message = e.what();
    }
  });
  EXPECT_EQ(message, "the real failure");
  EXPECT_LT(took, 5s);
}

TEST(Deadline, RunBothWaitsForBoth) {
  int finished = 0;
  run([&]() -> asio::awaitable<void> {
    auto step = [&](clock::duration d) -> asio::awaitable<void> {
      co_await elapse(d);
      ++finished;
    };
    co_await run_both(step(10ms), step(30ms));
  });
  EXPECT_EQ(finished, 2);
}

TEST(Deadline, CompleteWithinReturnsTrueWhenTheOpWins) {
  bool completed = false;
  const auto took = run([&]() -> asio::awaitable<void> { completed = co_await complete_within(elapse(10ms), 10s); });
  EXPECT_TRUE(completed);
  EXPECT_LT(took, 5s);  // the losing timer was cancelled, not waited for
}

// The stop branches of complete_within and idle_deadline complete quietly when cancelled (no
// exception on the success path). A deadline cancelled from outside must still end as a
// cancellation, not look like its own timer fired.
TEST(Deadline, AnInnerDeadlineCancelledFromOutsideIsACancellationNotATimeout) {
  std::error_code inner_error;
  bool inner_returned = false;
  bool outer_completed = true;
  const auto took = run([&]() -> asio::awaitable<void> {
    auto inner = [&]() -> asio::awaitable<void> {
      try {
        co_await complete_within(elapse(10s), 10s);
        inner_returned = true;
      } catch (const std::system_error& e) {
        inner_error = e.code();
      }
    };
    outer_completed = co_await complete_within(inner(), 30ms);
  });
  EXPECT_FALSE(inner_returned);
  EXPECT_EQ(inner_error, asio::error::operation_aborted);
  EXPECT_FALSE(outer_completed);
  EXPECT_LT(took, 5s);
}

TEST(Deadline, IdleDeadlineLetsAFinishedSessionWinAndEndsAnIdleOne) {
  bool finished = false;
  bool idled = true;
  const auto took = run([&]() -> asio::awaitable<void> {
    idle_deadline patient(10s);
    finished = co_await run_until(elapse(10ms), patient.expired());
    idle_deadline impatient(30ms);
    idled = !co_await run_until(elapse(10s), impatient.expired());
  });
  EXPECT_TRUE(finished);
  EXPECT_TRUE(idled);
  EXPECT_LT(took, 5s);
}

}  // namespace
}  // namespace tcpkit
