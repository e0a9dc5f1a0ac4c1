// Runs a coroutine to completion on an io_context, bounded so that a regression fails instead
// of hanging, and returns its result (rethrowing its exception).
#pragma once

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>

#include <chrono>
#include <future>
#include <stdexcept>

namespace tcpkit::test {

template <typename T>
T run_coroutine(asio::io_context& io, asio::awaitable<T> coroutine,
                std::chrono::steady_clock::duration limit = std::chrono::seconds(10)) {
  auto future = asio::co_spawn(io, std::move(coroutine), asio::use_future);
  io.restart();
  io.run_for(limit);
  // use_future completes the future from outside the io_context (Asio posts the result through
  // the system executor), so a coroutine that finished without ever suspending may have its
  // result set a moment after run_for() returns: wait for it, bounded.
  if (future.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    throw std::runtime_error("coroutine did not finish in time");
  }
  return future.get();
}

}  // namespace tcpkit::test
