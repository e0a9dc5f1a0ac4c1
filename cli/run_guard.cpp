#include "run_guard.hpp"

#include "tcpkit/core/deadline.hpp"
#include "tcpkit/core/errors.hpp"

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/use_awaitable.hpp>

#include <csignal>
#include <pthread.h>
#include <signal.h>
#include <cstdio>
#include <exception>
#include <thread>

namespace tcpkit::cli {

int guarded(const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tcpkit: %s\n", e.what());
    return static_cast<int>(classify(e));
  } catch (...) {
    std::fprintf(stderr, "tcpkit: unexpected error\n");
    return static_cast<int>(exit_status::failure);
  }
}

run_result run_with_signals(asio::io_context& io, asio::awaitable<int> main, const std::function<void()>& on_signal,
                            std::chrono::steady_clock::duration grace) {
  asio::signal_set signals(io, SIGINT, SIGTERM);
  run_result result;
  std::exception_ptr failure;
  auto body = [&]() -> asio::awaitable<void> { result.status = co_await std::move(main); };
  auto wait_for_signal = [&]() -> asio::awaitable<void> {
    result.signal = co_await signals.async_wait(asio::use_awaitable);
    if (on_signal) on_signal();
    result.status = result.signal == SIGINT ? static_cast<int>(exit_status::interrupted) : 128 + result.signal;
  };
  auto race = [&]() -> asio::awaitable<void> { co_await run_until(body(), wait_for_signal()); };
  asio::co_spawn(io, race(), [&](std::exception_ptr e) {
    failure = e;
    io.stop();
  });
  io.run();
  if (result.signal != 0) {
    io.restart();
    io.run_for(grace);  // returns as soon as the remaining sessions have ended
  }
  if (failure) std::rethrow_exception(failure);
  return result;
}

run_result run_blocking_with_signals(const std::function<int()>& body, const std::function<void()>& stop) {
  asio::io_context io;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  run_result result;
  signals.async_wait([&](std::error_code ec, int signal) {
    if (ec) return;  // cancelled: body finished first
    result.signal = signal;
    stop();
  });
  std::exception_ptr failure;
  // SIGINT and SIGTERM must reach this thread (Asio's signal handling), never the worker: a
  // signal delivered there would interrupt its blocking send()/recv() with EINTR instead.
  sigset_t blocked, previous;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGINT);
  sigaddset(&blocked, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &blocked, &previous);  // the worker inherits the mask
  std::thread worker([&] {
    try {
      result.status = body();
    } catch (...) {
      failure = std::current_exception();
    }
    asio::post(io, [&] { signals.cancel(); });
  });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  io.run();  // until the signal's handler has run or been cancelled
  worker.join();
  if (failure) std::rethrow_exception(failure);
  if (result.signal != 0) {
    result.status = result.signal == SIGINT ? static_cast<int>(exit_status::interrupted) : 128 + result.signal;
  }
  return result;
}

}  // namespace tcpkit::cli
