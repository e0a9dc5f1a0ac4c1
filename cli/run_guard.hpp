// The root of every command: exceptions become one line on stderr and an exit status, and
// signals become cancellation with an accurate exit status.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>

#include <chrono>
#include <functional>

namespace tcpkit::cli {

// Runs `body`; a tcpkit::error or any other exception is printed once as
// "tcpkit: <operation> <endpoint>: <reason>" and mapped to its exit status (SPEC §2).
int guarded(const std::function<int()>& body);

struct run_result {
  int status = 0;  // what `main` returned, or 130 (SIGINT) / 143 (SIGTERM)
  int signal = 0;  // the signal that cancelled `main`, 0 if none
};

// Runs `main` on `io`. SIGINT or SIGTERM cancels it (a client's exchange stops where it is) and
// calls `on_signal` on the io_context's thread. (Servers stop otherwise, through server::stop():
// cli/server_command.hpp, server_runner.) Work `main` leaves behind gets up to `grace` to finish
// after a signal, and is abandoned after normal completion. `main`'s exceptions propagate.
run_result run_with_signals(asio::io_context& io, asio::awaitable<int> main, const std::function<void()>& on_signal = {},
                            std::chrono::steady_clock::duration grace = std::chrono::seconds(3));

// For blocking work (threads, blocking sockets): runs `body` on a worker thread while this one
// waits for SIGINT or SIGTERM. A signal calls `stop` (on this thread), which must make `body`
// return soon, e.g. by requesting a std::stop_token that `body` watches. Returns when `body`
// has returned; its exceptions propagate.
run_result run_blocking_with_signals(const std::function<int()>& body, const std::function<void()>& stop);

}  // namespace tcpkit::cli
