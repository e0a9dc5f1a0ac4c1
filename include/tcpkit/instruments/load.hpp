// Load generation: many clients on one event loop, each running one kind of exchange over and
// over against one server, with every exchange bounded by a deadline and every failure
// counted. The programs' exchanges are in load_sixteen.hpp, load_uppercase.hpp and
// load_lines.hpp; `tcpkit bench` runs them.
//
//   load_runner ──resolve once── C workers (coroutines) ── each: connect ─ job ─ close, again
//        │                        until the plan's exchanges have all been started
//        └── sweep every 50 ms: a worker past its deadline has its socket closed
//
// With `together`, the first C exchanges all connect before any of them starts its job, so
// that C connections really are served at the same time (streams of 1 MB would otherwise
// finish faster than thousands of connections open):
//
//   connect ×C (at most max_opening at a time) ── barrier ── job ×C at once ── close
//
// One sweep for all workers instead of a timer per exchange: the deadline costs a clock read
// per exchange, not a timer and a coroutine race, so the client spends its CPU on the protocol
// (it shares the machine with the server it measures).
#pragma once

#include "tcpkit/core/connect.hpp"
#include "tcpkit/core/deadline.hpp"
#include "tcpkit/core/endpoint.hpp"
#include "tcpkit/instruments/latency_histogram.hpp"

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace tcpkit {

class connection;  // tcpkit/core/connection.hpp: what a load_job exchanges on

inline constexpr clock::duration kDefaultExchangeDeadline = std::chrono::seconds(10);

// Where the load goes and how many clients send it.
struct load_plan {
  std::string host;
  std::uint16_t port = kDefaultPort;
  connect_options connect;          // family, and the timeout for resolving the name once
  std::size_t connections = 1;      // clients at once
  std::uint64_t exchanges = 1;      // in total, each on a fresh connection
  // Per exchange, connect included: the time it may take, counted from its start or, for
  // exchanges that call load_slot::touch(), from its last progress.
  clock::duration deadline = kDefaultExchangeDeadline;
  // At most this many connects in progress at once (0: no limit). Thousands of SYNs at once
  // overflow the listener's queues (tcp_max_syn_backlog, somaxconn) and the kernel drops them;
  // the clients then retry after 1, 3, 7 s. A ramp measures the server, not that burst.
  std::size_t max_opening = 0;
  // The first `connections` exchanges connect first and start their jobs together. Their
  // latency and the run's seconds then count from that common start, connect excluded.
  bool together = false;
  // TCP_NODELAY on every connection: for jobs that write more than once before a reply. A
  // job that writes once into a fresh connection (sixteen) does not need it: Nagle's
  // algorithm never holds back a segment when nothing is unacknowledged.
  bool no_delay = true;
};

// How an exchange failed: the table's columns, which are how its connection ended
// (tcpkit/core/close_how.hpp's close_how, from classify_ending) as bench groups them, plus what
// a session never has, no connection at all. Every failure is counted under one kind.
enum class failure_kind {
  connect,       // refused, unreachable: no connection
  timeout,       // idle_timeout, stall_timeout, drain_timeout: the exchange passed its deadline
  closed_early,  // fin: the server closed before the exchange was complete
  reset,         // reset: the connection was reset or broken
  mismatch,      // error, data_mismatch or line_too_long: the server answered, but not what the protocol says
  other,         // error (anything else), interrupted (not by stop())
};
inline constexpr std::size_t kFailureKinds = 6;

std::string_view to_string(failure_kind kind) noexcept;

// Failures by kind, and the first one of each kind in full (for the message a person reads).
struct failure_tally {
  std::array<std::uint64_t, kFailureKinds> by_kind{};
  std::array<std::string, kFailureKinds> first_by_kind;  // "recv 127.0.0.1:1060: Connection reset by peer"
  std::string first_message;   // the first failure of all
  std::error_code first_code;  // for the exit status

  std::uint64_t total() const noexcept;
  std::uint64_t count(failure_kind kind) const noexcept { return by_kind[static_cast<std::size_t>(kind)]; }
  void add(failure_kind kind, const std::error_code& code, std::string message);
};

struct load_stats {
  std::uint64_t started = 0;          // exchanges begun
  std::uint64_t ok = 0;               // completed and correct
  std::uint64_t interrupted = 0;      // cut short by stop(): neither ok nor failed
  std::uint64_t peak_concurrent = 0;  // most connections established at the same time
  failure_tally failures;
  latency_histogram latency_ns;  // of the ok exchanges, connect included (`together`: from the common start)
  double seconds = 0;            // from the first exchange's start (`together`: the common start) to the last end
  double connect_seconds = 0;    // `together`: from the first exchange's start to the common start

  std::uint64_t failed() const noexcept { return failures.total(); }
};

// What a worker hands to an exchange besides its connection.
class load_slot {
 public:
  // Progress: the deadline now counts from here (streams that may run long but must not stall).
  void touch() noexcept { deadline_ = clock::now() + limit_; }

 private:
  friend class load_runner;
  tcp::socket* socket_ = nullptr;  // the worker's connection while an exchange runs
  tcp::endpoint endpoint_;         // where it connects
  clock::time_point deadline_ = clock::time_point::max();
  clock::duration limit_{};
  bool expired_ = false;
  bool opening_ = false;                      // holds one of max_opening
  bool first_round_ = false;                  // with `together`: its next exchange waits for the others
  std::unique_ptr<asio::steady_timer> gate_;  // waits here for its turn to connect
};

// One exchange on a fresh connection (connection_options{}: no idle deadline, no close watch,
// so nothing costs a system call the protocol does not make): returns when it is complete and
// correct, throws (tcpkit::error, short_read, a data_mismatch error) otherwise. The worker
// closes the connection afterwards. State the job keeps across exchanges must outlive the runner.
using load_job = std::function<asio::awaitable<void>(connection&, load_slot&)>;

class load_runner {
 public:
  load_runner(load_plan plan, load_job job);
  load_runner(const load_runner&) = delete;
  load_runner& operator=(const load_runner&) = delete;

  // Resolves the name once (throws tcpkit::error "resolve HOST:PORT" if it fails), then runs
  // the plan: completes when every exchange has ended, ok or failed. If this coroutine is
  // cancelled (SIGINT) it calls stop() and throws operation_aborted at once; the workers end
  // soon after, in the io_context, and live_workers() says when.
  asio::awaitable<void> run();

  // No new exchanges; the ones running are cut short and counted as interrupted.
  void stop() noexcept;

  const load_stats& stats() const noexcept { return stats_; }
  const load_plan& plan() const noexcept { return plan_; }
  std::size_t live_workers() const noexcept { return live_workers_; }

 private:
  asio::awaitable<void> work(load_slot& slot);
  asio::awaitable<void> wait_to_open(load_slot& slot);
  void release_opening(load_slot& slot) noexcept;
  asio::awaitable<clock::time_point> wait_for_all_connected(load_slot& slot, bool connected);
  asio::awaitable<void> exchange(load_slot& slot);
  asio::awaitable<void> connect(tcp::socket& socket, load_slot& slot);
  void record_failure(const load_slot& slot, failure_kind kind, std::exception_ptr failure);
  void sweep() noexcept;

  load_plan plan_;
  load_job job_;
  std::vector<tcp::endpoint> endpoints_;
  std::vector<load_slot> slots_;
  load_stats stats_;
  std::size_t live_workers_ = 0;
  bool stopping_ = false;
  std::unique_ptr<asio::steady_timer> sweep_timer_;  // the sweep's period, and "all workers done"
  std::size_t opening_ = 0;           // connects in progress (load_plan::max_opening)
  std::deque<load_slot*> waiting_;    // slots waiting to connect, first come first served
  std::uint64_t concurrent_ = 0;      // connections established now
  std::size_t first_round_left_ = 0;  // `together`: first exchanges not yet connected (or failed)
  std::unique_ptr<asio::steady_timer> barrier_;  // `together`: cancelled when all are connected
  clock::time_point first_start_{};
  clock::time_point common_start_{};
};

}  // namespace tcpkit
