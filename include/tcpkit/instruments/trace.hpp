// A time series of what happens inside each connection: the application's byte counts, the
// socket's kernel queues (SIOCOUTQ / SIOCINQ) and TCP_INFO, sampled every `interval` by a
// thread of its own and written as CSV (columns in docs/TRACE.md).
//
//   I/O thread(s) ──add_sent/add_received──> traffic_counters (atomics)
//                                                  │ read
//   sampler thread, every interval ──────────> one CSV row per attached connection
//                                                  │ ioctl/getsockopt on a dup() of the socket
//
// The sampler works the same for blocking clients (a thread stuck in send() is exactly what a
// trace must show) and for coroutines. With no tracer there is no thread, no timer and no work:
// the only cost of the feature is the counters, which the programs keep anyway.
#pragma once

#include "tcpkit/core/deadline.hpp"
#include "tcpkit/core/endpoint.hpp"
#include "tcpkit/core/traffic_counters.hpp"

#include <cstdint>
#include <cstdio>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

namespace tcpkit {

inline constexpr clock::duration kDefaultTraceInterval = std::chrono::milliseconds(50);

// The CSV header line (without newline): the columns, in order.
std::string_view trace_csv_header() noexcept;

class tracer {
  struct slot;

 public:
  // A connection being traced; detaches (with a last "close" row) when destroyed or close()d.
  // Empty (default-constructed) when tracing is off.
  class connection {
   public:
    connection() = default;
    connection(connection&& other) noexcept;
    connection& operator=(connection&& other) noexcept;
    ~connection() { close(); }
    // The final row, then the sampler forgets the connection. Idempotent.
    void close() noexcept;

   private:
    friend class tracer;
    connection(tracer* owner, slot* s) : owner_(owner), slot_(s) {}
    tracer* owner_ = nullptr;
    slot* slot_ = nullptr;
  };

  // Creates (truncates) `path`, writes the header and starts the sampler. Throws tcpkit::error
  // (operation "trace") if the file cannot be opened or does not take the header (/dev/full).
  tracer(const std::string& path, clock::duration interval = kDefaultTraceInterval);
  ~tracer();
  tracer(const tracer&) = delete;
  tracer& operator=(const tracer&) = delete;

  // Starts sampling a connected socket: an "open" row now, "sample" rows every interval, a
  // "close" row when the returned handle goes. `side` is "client" or "server"; `counters`
  // must outlive the handle. The tracer reads a dup() of the descriptor, so closing `socket`
  // before the handle is safe (the connection's last states still show); the dup is closed
  // with the handle, which must go before the tracer. Thread-safe.
  [[nodiscard]] connection attach(tcp::socket& socket, std::string_view side, std::uint64_t conn,
                                  const traffic_counters& counters);

  const std::string& path() const noexcept { return path_; }

  // The first write to the file that failed (a disk that filled, a pipe whose reader left),
  // or none. Rows after it are lost; the program decides how loudly to say so.
  std::error_code failure() const;

 private:
  void run(std::stop_token stop);
  void write_row(const slot& s, std::string_view event);  // mutex_ held
  void flush();                                           // mutex_ held; notes a failure
  void detach(slot* s) noexcept;

  std::string path_;
  clock::duration interval_;
  clock::time_point start_;
  std::FILE* file_ = nullptr;
  mutable std::mutex mutex_;
  std::error_code failure_;  // guarded by mutex_
  std::list<slot> slots_;
  std::jthread sampler_;  // last: starts once everything above exists, stops before it goes
};

}  // namespace tcpkit
