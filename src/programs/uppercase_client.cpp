// The uppercase client's entry points and its async strategy: one thread, sending and receiving
// as two coroutines joined on one event loop, so that neither ever waits for the other.
#include "programs/uppercase_exchange.hpp"

#include <asio/co_spawn.hpp>
#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <exception>

namespace tcpkit {
namespace {

using detail::uppercase_exchange;

// Sends everything, then half-closes. Not async_send_all(): each write is counted as it
// returns (see next_chunk), so a stop mid-chunk leaves an exact count of the bytes sent.
asio::awaitable<void> async_send_everything(tcp::socket& socket, uppercase_exchange& exchange) {
  for (auto chunk = exchange.next_chunk(); chunk.size() > 0; chunk = exchange.next_chunk()) {
    std::error_code ec;
    const std::size_t n = co_await socket.async_write_some(chunk, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) throw error(ec, "send", exchange.peer());
    exchange.add_sent(n);
  }
  exchange.finish_sending(socket);
}

// Receives and checks until the server's EOF.
asio::awaitable<void> async_receive_everything(tcp::socket& socket, uppercase_exchange& exchange) {
  const auto buffer = exchange.make_receive_buffer();
  for (;;) {
    std::error_code ec;
    const std::size_t n = co_await socket.async_read_some(asio::buffer(buffer.get(), exchange.options().recv_size),
                                                          asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::eof) break;
    if (ec) throw error(ec, "recv", exchange.peer());
    exchange.check_received(buffer.get(), n);
  }
  exchange.finish_receiving();
}

// Every tick: progress, and the end of the exchange on a stop request or a stall. If showing
// progress fails (the reporter threw), the failure goes to `failure` and the watch ends
// normally: a watch that threw would be ignored by run_until, leaving the I/O unwatched.
asio::awaitable<void> watch(uppercase_exchange& exchange, std::stop_token stop, std::exception_ptr& failure) {
  for (;;) {
    co_await sleep_for(detail::kMonitorTick);
    if (stop.stop_requested()) {
      exchange.cut(close_how::interrupted);
      co_return;
    }
    try {
      if (!exchange.tick(exchange.options().io_timeout)) continue;
      exchange.cut(exchange.stall_how());
    } catch (...) {
      failure = std::current_exception();
      exchange.cut(close_how::error);
    }
    co_return;
  }
}

}  // namespace

std::size_t effective_send_size(const uppercase_client_options& options) noexcept {
  if (options.send_size != 0) return options.send_size;
  return options.strategy == uppercase_strategy::naive ? kNaiveSendSize : kLargeSendSize;
}

namespace {

// Connects (unless stopped first) and runs the exchange, up to the session's summary and the end.
asio::awaitable<uppercase_result> async_connect_and_exchange(uppercase_exchange& exchange, std::stop_token stop) {
  std::optional<tcp::socket> socket = co_await detail::connect_unless_stopped(exchange.options(), stop);
  if (!socket) {
    exchange.cut(close_how::interrupted);
    const uppercase_result result = exchange.result();
    exchange.report_end(result);
    co_return result;
  }
  exchange.report_connected(*socket);
  const tracer::connection traced = exchange.attach_trace(*socket);
  exchange.report_receiving();

  // run_both: if one direction fails, the other is cancelled and the first failure is the one
  // reported. run_until: the watch ends both on a stop request, a stall or its own failure.
  std::exception_ptr watch_failure;
  uppercase_result result;
  try {
    const bool completed = co_await run_until(
        run_both(async_send_everything(*socket, exchange), async_receive_everything(*socket, exchange)),
        watch(exchange, stop, watch_failure));
    if (!completed) {
      const std::optional<close_how> cut = exchange.cut_short();
      if (cut == close_how::idle_timeout) throw exchange.no_progress_error(exchange.options().io_timeout);
      if (cut == close_how::error) std::rethrow_exception(watch_failure);
    }
    result = exchange.result();
  } catch (const std::exception& e) {
    exchange.report_session(*socket, &e);
    throw;
  }
  exchange.report_session(*socket, nullptr);
  exchange.report_end(result);
  co_return result;
}

}  // namespace

asio::awaitable<uppercase_result> async_run_uppercase_client(uppercase_client_options options, reporter& report,
                                                             std::stop_token stop) {
  uppercase_exchange exchange(options, report);
  exchange.report_start();
  try {
    co_return co_await async_connect_and_exchange(exchange, stop);
  } catch (const std::exception& e) {
    exchange.report_failure(e);
    throw;
  }
}

uppercase_result run_uppercase_client(const uppercase_client_options& options, reporter& report,
                                      std::stop_token stop) {
  if (options.strategy != uppercase_strategy::async) return detail::run_blocking(options, report, stop);
  asio::io_context io;
  auto result = asio::co_spawn(io, async_run_uppercase_client(options, report, stop), asio::use_future);
  io.run();
  return result.get();
}

}  // namespace tcpkit
