// What the three uppercase client strategies share (private to the library): the payload, the
// check of every received byte, the watch for progress, and the seed's lines. The strategies
// differ only in how they schedule sending and receiving. Each runs on a tcpkit::connection,
// which counts the bytes and notes the close: the exchange reads its counters and counts nothing.
#pragma once

#include "tcpkit/core/connection.hpp"
#include "tcpkit/core/errors.hpp"
#include "tcpkit/instruments/trace.hpp"
#include "tcpkit/programs/uppercase_client.hpp"
#include "tcpkit/programs/uppercase_stream.hpp"

#include <asio/buffer.hpp>

#include <atomic>
#include <exception>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

namespace tcpkit::detail {

// How often the strategies' monitors look at the counters: the progress line's refresh rate and
// the delay before a stop request is noticed.
inline constexpr auto kMonitorTick = std::chrono::milliseconds(100);

// One exchange's bookkeeping. The connection's counters are atomic so that a sender thread, a
// receiver thread and a monitor thread may share one exchange; everything else has a single
// owner: next_chunk/finish_sending belong to the sender, check_received/finish_receiving to the
// receiver, tick to the monitor.
class uppercase_exchange {
 public:
  uppercase_exchange(const uppercase_client_options& options, reporter& report);

  const uppercase_client_options& options() const noexcept { return options_; }
  reporter& report() const noexcept { return report_; }
  std::uint64_t total() const noexcept { return stream_.total(); }
  std::size_t send_size() const noexcept { return send_size_; }
  const std::string& peer() const noexcept { return peer_; }
  // What the connection has counted (nothing before it is made).
  std::uint64_t sent() const noexcept { return traffic_ ? traffic_->bytes_sent() : 0; }
  std::uint64_t received() const noexcept { return traffic_ ? traffic_->bytes_received() : 0; }
  bool sending_done() const noexcept { return sending_done_.load(std::memory_order_relaxed); }

  // "Sending N bytes of data, in chunks of K bytes": before connecting, as the seed does.
  void report_start();
  // The connection (JSON only), whose counters the exchange reads from now on (it must outlive
  // the exchange's use of them); starts the clock and the progress watch.
  void report_connected(connection& conn);
  // Starts tracing the connection if options().trace is set (an empty handle otherwise). The
  // handle must go before the connection.
  tracer::connection attach_trace(connection& conn) const;
  // "Receiving all the data the server sends back".
  void report_receiving();

  // Sender: the payload from the current send offset, at most send_size() bytes; empty when
  // everything is sent. Every write must be counted as it returns, partial ones included: the
  // next chunk starts where the last write stopped, and a cut mid-chunk leaves an exact count
  // (never fewer bytes sent than the server can have echoed).
  asio::const_buffer next_chunk() const noexcept;
  // Once everything is sent and the sending side shut down (`half_close` is what
  // connection::half_close() returned; the server sees EOF, answers what it still holds and
  // closes): "  N bytes sent". Throws tcpkit::error ("shutdown <peer>") if the shutdown failed.
  void finish_sending(std::error_code half_close);

  // Receiver: checks `n` bytes that the connection has just counted as received, so that they
  // end at received() (counted first: bytes_received is what was taken in, a wrong reply
  // included). Throws errc::data_mismatch naming the first wrong byte, or when the server sends
  // more than it was sent (uppercase_stream_check). The first arrival is reported as the seed does.
  void check_received(const unsigned char* data, std::size_t n);
  // At the server's EOF: throws short_read if bytes are missing, else "  N bytes received".
  void finish_receiving();
  // A receive buffer of recv_size bytes.
  std::unique_ptr<unsigned char[]> make_receive_buffer() const;

  // Monitor, every kMonitorTick: shows progress when the counters moved; true once nothing has
  // moved for `limit`.
  bool tick(clock::duration limit);
  // Records why the exchange was cut short from outside its I/O, in the summary's words: a stop
  // request (interrupted), no progress for the strategy's limit (stall_how()), or the monitor's
  // own failure (error: its reporter threw; its exception is the error). The first cut wins.
  // Thread-safe.
  void cut(close_how how) noexcept;
  std::optional<close_how> cut_short() const noexcept;
  // Notes the cut, if any, on the connection for its summary. The monitor's own failure is not
  // noted as a cut: it is the failure that ends the session (connection::note_failure).
  void note_cut(connection& conn) const noexcept;
  // How a stall ends the session: the naive client's stall watchdog, the others' idle timeout.
  close_how stall_how() const noexcept;
  double seconds_since_progress() const noexcept;

  // The error for a stall of a concurrent strategy, or of naive once it is only receiving.
  error no_progress_error(clock::duration limit) const;

  // The result so far (complete or interrupted).
  uppercase_result result() const;
  // The run's `end`, after the session: the summary people read and, if a connection was made
  // (`conn`: a stop may come first), how it closed.
  void report_end(const uppercase_result& result, const connection* conn);
  // A stop request came before the connection was made: the interrupted result, its `end` reported.
  uppercase_result report_stopped();

 private:
  uppercase_client_options options_;
  reporter& report_;
  std::size_t send_size_;
  uppercase_stream_check stream_;
  std::string peer_;
  clock::time_point start_;
  const traffic_counters* traffic_ = nullptr;  // the connection's, once connected
  std::atomic<bool> sending_done_{false};
  static constexpr int kNotCut = -1;
  std::atomic<int> cut_{kNotCut};  // a close_how, once cut
  // The monitor's own state (read by others only after the monitor has finished).
  std::uint64_t seen_sent_ = 0;
  std::uint64_t seen_received_ = 0;
  clock::time_point last_progress_;
};

// run_uppercase_client for the blocking strategies, naive and threads (uppercase_blocking.cpp).
uppercase_result run_blocking(const uppercase_client_options& options, reporter& report, std::stop_token stop);

}  // namespace tcpkit::detail
