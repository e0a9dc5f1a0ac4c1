// The blocking uppercase strategies: naive (the seed's: send everything, then read) and threads
// (a sender thread beside a receiver). Both run on one blocking socket, watched by a monitor
// thread that shows progress, notices a stall or a stop request, and then unblocks the I/O.
// The socket is held by a tcpkit::connection without an idle deadline (the monitor watches for
// progress): its note_transfer() then touches only atomic counters, so both threads may count.
#include "core/installed_doc.hpp"
#include "programs/uppercase_exchange.hpp"

#include "tcpkit/core/socket_queues.hpp"
#include "tcpkit/instruments/session_summary.hpp"
#include "tcpkit/lifecycle/run_outcome.hpp"

#include <asio/co_spawn.hpp>
#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <fmt/format.h>

#include <sys/socket.h>

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

namespace tcpkit::detail {
namespace {

// Wakes every thread blocked in a send or receive on `socket`: sends fail with EPIPE, receives
// return EOF. Called from the monitor while the I/O thread is blocked, so it uses the
// descriptor directly: Asio promises thread safety for concurrent send/receive, not shutdown.
void unblock(tcp::socket& socket) noexcept { ::shutdown(socket.native_handle(), SHUT_RDWR); }

// The first failure among the threads of one exchange. Once one thread fails it unblocks the
// others, whose own failures (EPIPE, EOF) are only echoes of that and are dropped.
class first_failure {
 public:
  void record(std::exception_ptr e) {
    std::lock_guard lock(mutex_);
    if (!first_) first_ = std::move(e);
  }
  void rethrow_if_any() {
    std::lock_guard lock(mutex_);
    if (first_) std::rethrow_exception(first_);
  }

 private:
  std::mutex mutex_;
  std::exception_ptr first_;
};

// A blocked send or receive that a signal handler interrupted (EINTR): the process may take
// SIGINT on any thread, and its handler only requests the stop that the monitor acts on, so
// the call is simply made again.
bool interrupted_by_signal(const std::error_code& ec) noexcept { return ec == asio::error::interrupted; }

// The seed's sending phase, then the half-close. Not send_all(): write_some() is counted as
// it returns (see next_chunk), so a cut mid-chunk leaves an exact count of the bytes sent.
void send_everything(connection& conn, uppercase_exchange& exchange) {
  for (auto chunk = exchange.next_chunk(); chunk.size() > 0; chunk = exchange.next_chunk()) {
    std::error_code ec;
    const std::size_t n = conn.socket().write_some(chunk, ec);
    if (ec && !interrupted_by_signal(ec)) throw error(ec, "send", conn.peer());
    conn.note_transfer(0, n);
  }
  exchange.finish_sending(conn.half_close());
}

// Receives and checks until the server's EOF.
void receive_everything(connection& conn, uppercase_exchange& exchange) {
  const auto buffer = exchange.make_receive_buffer();
  for (;;) {
    std::error_code ec;
    const std::size_t n = conn.socket().read_some(asio::buffer(buffer.get(), exchange.options().recv_size), ec);
    if (ec == asio::error::eof) break;
    if (interrupted_by_signal(ec)) continue;
    if (ec) throw error(ec, "recv", conn.peer());
    conn.note_transfer(n, 0);
    exchange.check_received(buffer.get(), n);
  }
  exchange.finish_receiving();
}

// Runs beside the I/O until stopped: every tick it shows progress; on a stop request, or when
// nothing has moved for `limit`, it calls `cut` once (which must unblock the I/O) and ends.
// If the monitor itself fails (its reporter throws), it records that in `failure` and cuts
// as close_how::error: an exception must neither escape a thread (std::terminate) nor leave
// the I/O unwatched.
class monitor_thread {
 public:
  monitor_thread(uppercase_exchange& exchange, clock::duration limit, std::stop_token user_stop, first_failure& failure,
                 std::function<void(close_how)> cut)
      : thread_([&exchange, &failure, limit, user_stop, cut = std::move(cut)](std::stop_token own) {
          try {
            if (const auto why = watch(exchange, limit, user_stop, own)) cut(*why);
          } catch (...) {
            failure.record(std::current_exception());
            cut(close_how::error);
          }
        }) {}

  // Ends the monitor and waits for it: afterwards everything it did is visible to the caller.
  void stop() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  // Ticks until a reason to cut (returned), or until `own` asks the monitor to end (none).
  static std::optional<close_how> watch(uppercase_exchange& exchange, clock::duration limit, const std::stop_token& user_stop,
                          const std::stop_token& own) {
    std::mutex mutex;
    std::condition_variable_any wake;  // a tick-long sleep that stop() cuts short
    std::unique_lock lock(mutex);
    for (;;) {
      if (wake.wait_for(lock, own, kMonitorTick, [&] { return own.stop_requested(); })) return std::nullopt;
      if (user_stop.stop_requested()) return close_how::interrupted;
      if (exchange.tick(limit)) return exchange.stall_how();
    }
  }

  std::jthread thread_;
};

// The queues show the deadlock only when both are holding data: our send queue full (the
// server has stopped reading) and our receive queue not empty (because its replies, which we
// do not read yet, have filled it). An empty receive queue means the server is simply not
// reading, or answering: a stall, not a deadlock.
bool shows_deadlock(const std::optional<socket_queues>& queues) noexcept {
  return queues && queues->send_queue > 0 && queues->receive_queue > 0;
}

constexpr std::string_view kDeadlockText =
    "Deadlock: nothing has moved in either direction for {stalled_seconds:.1f} s.\n"
    "  bytes sent so far:     {bytes_sent} of {bytes_total} (this client sends everything before it reads)\n"
    "  bytes received so far: {bytes_received}\n"
    "  our send queue:        {send_queue_bytes} bytes (SIOCOUTQ: sent, not yet taken in by the server)\n"
    "  our receive queue:     {receive_queue_bytes} bytes (SIOCINQ: the server's replies, waiting for us to read them)\n"
    "  the other {bytes_inside_server} bytes sent are inside the server: unread, or uppercased and unsent\n"
    "Why: our send() is blocked because our send queue is full: the server has stopped reading.\n"
    "It stopped because its own send() is blocked: its replies have filled our receive queue, and\n"
    "this client reads nothing until it has sent everything. Each side waits for the other.\n"
    "Fix: receive while sending. --strategy threads runs a receiver thread beside the sender;\n"
    "--strategy async interleaves both on one event loop.";

constexpr std::string_view kNotReadingText =
    "Stalled: nothing has moved in either direction for {stalled_seconds:.1f} s.\n"
    "  bytes sent so far:     {bytes_sent} of {bytes_total} (this client sends everything before it reads)\n"
    "  bytes received so far: {bytes_received}\n"
    "  our send queue:        {send_queue_bytes} bytes (SIOCOUTQ: sent, not yet taken in by the server)\n"
    "  our receive queue:     {receive_queue_bytes} bytes (SIOCINQ: nothing from the server is waiting for us)\n"
    "Not a deadlock: our send() is blocked because the server is not reading, and it has sent\n"
    "nothing back that we are not reading. It may be stuck, or not an uppercase server.";

constexpr std::string_view kQueuesUnknownText =
    "Stalled: nothing has moved in either direction for {stalled_seconds:.1f} s.\n"
    "  bytes sent so far:     {bytes_sent} of {bytes_total} (this client sends everything before it reads)\n"
    "  bytes received so far: {bytes_received}\n"
    "  (this system does not report the socket's queues)\n"
    "Our send() is blocked: the server is not reading. Whether because its replies fill our\n"
    "receive queue (the deadlock) or for its own reasons, the queues would tell.";

// The naive client's stall while sending, explained with the numbers that show what it is
// (docs/DEADLOCK.md). Reports the diagnosis and returns the error to throw: errc::stalled
// (exit 7) when the queues show the deadlock, errc::timed_out (exit 4) otherwise.
error diagnose_stall(const uppercase_exchange& exchange, std::optional<socket_queues> queues) {
  const bool deadlock = shows_deadlock(queues);
  const double limit = std::chrono::duration<double>(exchange.options().stall_timeout).count();
  const std::string reason =
      deadlock ? fmt::format("no progress in either direction for {:g} s: deadlock, stopped by the watchdog", limit)
      : queues ? fmt::format("no progress in either direction for {:g} s: the server is not reading (our receive queue "
                             "is empty), stopped by the stall watchdog", limit)
               : fmt::format("no progress in either direction for {:g} s, stopped by the stall watchdog", limit);
  const socket_queues q = queues.value_or(socket_queues{});
  // What left our send queue was acknowledged by the server's kernel: it is in the server's
  // receive queue, its buffer, its send queue, or (uppercased) in our receive queue.
  const std::uint64_t reached_server = exchange.sent() - std::min(exchange.sent(), q.send_queue);
  const std::uint64_t inside_server = reached_server - std::min(reached_server, q.receive_queue);
  // The document the explanations point at, as a user of the installed tool has it (braces
  // doubled: the text is an fmt template over the fields).
  std::string see = " See " + installed_doc("DEADLOCK.md") + ".";
  for (std::size_t at = see.find_first_of("{}"); at != std::string::npos; at = see.find_first_of("{}", at + 2))
    see.insert(at, 1, see[at]);
  const std::string text = deadlock ? std::string(kDeadlockText) + see
                           : queues ? std::string(kNotReadingText)
                                    : std::string(kQueuesUnknownText) + see;
  exchange.report().emit({event_type::error,
                          text,
                          {{"message", reason},
                           {"stalled_seconds", exchange.seconds_since_progress()},
                           {"bytes_total", exchange.total()},
                           {"bytes_sent", exchange.sent()},
                           {"bytes_received", exchange.received()},
                           {"send_queue_bytes", q.send_queue},
                           {"receive_queue_bytes", q.receive_queue},
                           {"bytes_inside_server", inside_server},
                           {"queues_known", queues.has_value()},
                           {"deadlock", deadlock}}});
  return error(deadlock ? errc::stalled : errc::timed_out, "send", exchange.peer(), reason);
}

// The seed's algorithm: send everything, then receive, watched for the deadlock it runs into.
uppercase_result run_naive(connection& conn, uppercase_exchange& exchange, std::stop_token stop) {
  tcp::socket& socket = conn.socket();
  first_failure failure;
  std::optional<socket_queues> queues_at_stall;
  monitor_thread monitor(exchange, exchange.options().stall_timeout, stop, failure, [&](close_how why) {
    if (why == close_how::stall_timeout) queues_at_stall = read_socket_queues(socket);  // before unblock() changes them
    exchange.cut(why);
    unblock(socket);
  });
  try {
    send_everything(conn, exchange);
    exchange.report_receiving();
    receive_everything(conn, exchange);
  } catch (...) {
    failure.record(std::current_exception());  // only the cut's echo, if there was a cut
  }
  monitor.stop();

  const std::optional<close_how> cut = exchange.cut_short();
  if (cut == close_how::interrupted) return exchange.result();
  if (cut == close_how::stall_timeout) {
    // Stalled while sending: the deadlock. Once everything is sent, the server is only silent.
    if (exchange.sending_done()) throw exchange.no_progress_error(exchange.options().stall_timeout);
    throw diagnose_stall(exchange, queues_at_stall);
  }
  failure.rethrow_if_any();
  return exchange.result();
}

// A sender thread beside a receiver (this thread): the replies are drained while we send.
uppercase_result run_threads(connection& conn, uppercase_exchange& exchange, std::stop_token stop) {
  tcp::socket& socket = conn.socket();
  exchange.report_receiving();
  first_failure failure;
  auto fail = [&](std::exception_ptr e) {
    failure.record(std::move(e));
    unblock(socket);  // the other thread must not wait for a peer that will not answer
  };
  monitor_thread monitor(exchange, exchange.options().io_timeout, stop, failure, [&](close_how why) {
    exchange.cut(why);
    unblock(socket);
  });
  {
    // Concurrent send() and recv() on one socket: the OS allows it, and so does Asio for its
    // synchronous operations.
    std::jthread sender([&] {
      try {
        send_everything(conn, exchange);
      } catch (...) {
        fail(std::current_exception());
      }
    });
    try {
      receive_everything(conn, exchange);
    } catch (...) {
      fail(std::current_exception());
    }
  }  // the sender has finished
  monitor.stop();

  const std::optional<close_how> cut = exchange.cut_short();
  if (cut == close_how::interrupted) return exchange.result();
  if (cut == close_how::idle_timeout) throw exchange.no_progress_error(exchange.options().io_timeout);
  failure.rethrow_if_any();
  return exchange.result();
}

}  // namespace

namespace {

// The strategy on a connected connection, up to the session's summary and the end.
uppercase_result run_connected(connection& conn, uppercase_exchange& exchange, std::stop_token stop) {
  exchange.report_connected(conn);
  const tracer::connection traced = exchange.attach_trace(conn);
  uppercase_result result;
  try {
    result = exchange.options().strategy == uppercase_strategy::naive ? run_naive(conn, exchange, stop)
                                                                      : run_threads(conn, exchange, stop);
  } catch (const std::exception& e) {
    exchange.note_cut(conn);
    conn.note_failure(e);
    report_session(exchange.report(), conn, "client");
    throw;
  }
  exchange.note_cut(conn);
  report_session(exchange.report(), conn, "client");
  exchange.report_end(result, &conn);
  return result;
}

}  // namespace

uppercase_result run_blocking(const uppercase_client_options& options, reporter& report, std::stop_token stop) {
  uppercase_exchange exchange(options, report);
  exchange.report_start();
  // Connecting uses the coroutine (one deadline over resolution and every address, stoppable);
  // afterwards the socket is used blocking, from threads, and `io` no longer runs.
  asio::io_context io;
  std::optional<connection> conn;
  try {
    auto connecting = asio::co_spawn(io, async_connect_unless_stopped(options, stop), asio::use_future);
    io.run();
    std::optional<tcp::socket> socket = connecting.get();  // rethrows a connect error
    if (!socket) return exchange.report_stopped();
    std::string peer = peer_name(*socket);
    conn.emplace(std::move(*socket), std::move(peer), connection_options{std::nullopt, report.wants(event_type::session)});
    return run_connected(*conn, exchange, stop);
  } catch (const std::exception& e) {
    report_run_failure(report, e, conn ? conn->closing() : close_watch{}, conn ? conn->peer() : std::string());
    throw;
  }
}

}  // namespace tcpkit::detail
