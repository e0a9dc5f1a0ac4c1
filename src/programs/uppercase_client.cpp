// The uppercase client's entry points and its async strategy: one thread, sending and receiving
// as two coroutines joined on one event loop, so that neither ever waits for the other. It runs
// on the clients' lifecycle (tcpkit/lifecycle/client.hpp), which connects, closes, summarises.
#include "programs/uppercase_exchange.hpp"

#include "tcpkit/lifecycle/client.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>

#include <exception>

namespace tcpkit {
namespace {

using detail::uppercase_exchange;

// Sends everything, then half-closes. Not async_send_all(): each write is counted as it
// returns (see next_chunk), so a stop mid-chunk leaves an exact count of the bytes sent.
asio::awaitable<void> async_send_everything(connection& conn, uppercase_exchange& exchange) {
  for (auto chunk = exchange.next_chunk(); chunk.size() > 0; chunk = exchange.next_chunk()) {
    co_await conn.async_write_some(chunk);
  }
  exchange.finish_sending(conn.half_close());
}

// Receives and checks until the server's EOF.
asio::awaitable<void> async_receive_everything(connection& conn, uppercase_exchange& exchange) {
  const auto buffer = exchange.make_receive_buffer();
  for (;;) {
    const std::size_t n = co_await conn.async_read_some(asio::buffer(buffer.get(), exchange.options().recv_size));
    if (n == 0) break;  // the server's EOF
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

// The session body: both directions at once, watched, up to the result. A stop request closes
// the connection at once, as a cut session does: the graceful close would wait for replies
// nobody wants (and up to its drain for a server that keeps answering).
asio::awaitable<void> async_exchange(connection& conn, uppercase_exchange& exchange, std::stop_token stop,
                                     uppercase_result& result) {
  const tracer::connection traced = exchange.attach_trace(conn);
  exchange.report_receiving();
  // run_both: if one direction fails, the other is cancelled and the first failure is the one
  // reported. run_until: the watch ends both on a stop request, a stall or its own failure.
  std::exception_ptr watch_failure;
  const bool completed = co_await run_until(
      run_both(async_send_everything(conn, exchange), async_receive_everything(conn, exchange)),
      watch(exchange, stop, watch_failure));
  if (!completed) {
    exchange.note_cut(conn);
    const std::optional<close_how> cut = exchange.cut_short();
    if (cut == close_how::idle_timeout) throw exchange.no_progress_error(exchange.options().io_timeout);
    if (cut == close_how::error) std::rethrow_exception(watch_failure);
    conn.close();
  }
  result = exchange.result();
}

}  // namespace

asio::awaitable<uppercase_result> async_run_uppercase_client(uppercase_client_options options, reporter& report,
                                                             std::stop_token stop) {
  uppercase_exchange exchange(options, report);
  exchange.report_start();  // "Sending N bytes...": before connecting, as the seed does
  uppercase_result result;
  client_session session;
  session.target = options;
  session.connected = [&](connection& conn) { exchange.report_connected(conn); };
  session.exchange = [&](connection& conn) { return async_exchange(conn, exchange, stop, result); };
  session.finished = [&](connection& conn) { exchange.report_end(result, &conn); };
  session.stop = stop;
  session.stopped = [&] { result = exchange.report_stopped(); };
  co_await async_run_client(std::move(session), report);
  co_return result;
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
