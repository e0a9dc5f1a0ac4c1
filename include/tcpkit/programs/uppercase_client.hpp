// The uppercase client (the seeds' tcp_deadlock.py client) and its three strategies.
//
// The client sends BYTECOUNT bytes of "capitalize this!" repeated, half-closes, and receives
// everything the server sends back, checking that every byte is the uppercase of the byte sent
// at that offset and that the counts match.
//
// Why the strategy matters: the server answers every chunk before it reads the next one. A
// client that sends everything before it reads (naive, the seed's) never drains the replies, so
//
//   1. the replies fill our receive queue,        4. the server stops reading;
//   2. the server's send() blocks,                5. our send queue fills,
//   3. so its receive queue fills,                6. our send() blocks: a deadlock.
//
// `threads` and `async` read while they send, so the replies never pile up (docs/DEADLOCK.md).
#pragma once

#include "tcpkit/core/connect.hpp"
#include "tcpkit/core/deadline.hpp"
#include "tcpkit/core/report.hpp"
#include "tcpkit/programs/uppercase.hpp"

#include <asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

namespace tcpkit {

class tracer;

enum class uppercase_strategy {
  naive,    // send everything, then read: the seed's algorithm, deadlocks on large counts
  threads,  // a sender thread and a receiver thread on one blocking socket
  async,    // one thread, coroutines: sending and receiving interleaved on an event loop
};

// Its name on the command line and in --json ("naive", "threads", "async"), and back. Inline:
// the command-line parser, which links no networking code, reads them too.
inline std::string_view to_string(uppercase_strategy strategy) noexcept {
  switch (strategy) {
    case uppercase_strategy::naive: return "naive";
    case uppercase_strategy::threads: return "threads";
    case uppercase_strategy::async: return "async";
  }
  return "unknown";
}

inline std::optional<uppercase_strategy> parse_uppercase_strategy(std::string_view name) noexcept {
  for (const auto strategy : {uppercase_strategy::naive, uppercase_strategy::threads, uppercase_strategy::async}) {
    if (name == to_string(strategy)) return strategy;
  }
  return std::nullopt;
}

inline constexpr std::size_t kNaiveSendSize = 16;          // the seed's sendall(message)
inline constexpr std::size_t kLargeSendSize = 256 * 1024;  // threads and async

// io_timeout: threads and async, no progress either way for this long means the server is not
// answering (naive has its stall watchdog instead).
struct uppercase_client_options : client_target {
  std::uint64_t bytecount = kCapitalizeMessage.size();  // rounded up to whole messages
  uppercase_strategy strategy = uppercase_strategy::naive;
  std::size_t send_size = 0;              // bytes per send; 0: 16 for naive, 256 KiB otherwise
  std::size_t recv_size = kDefaultChunk;  // bytes per receive
  // naive: no progress either way for this long is the deadlock; the watchdog stops it.
  clock::duration stall_timeout = std::chrono::seconds(5);
  // Samples the connection into a trace (tcpkit/instruments/trace.hpp) if set; it must outlive the run.
  tracer* trace = nullptr;
};

// The send size a strategy uses when `options.send_size` is 0.
std::size_t effective_send_size(const uppercase_client_options& options) noexcept;

struct uppercase_result {
  std::uint64_t bytes_total = 0;     // BYTECOUNT rounded up: what was to be sent
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;  // every one checked
  double seconds = 0;                // from connected to done
  bool interrupted = false;          // a stop request ended the exchange early

  double mb_per_s() const noexcept { return seconds > 0 ? static_cast<double>(bytes_received) / seconds / 1e6 : 0; }
};

// Runs one exchange with `options.strategy` and reports it (the seed's lines, progress, a
// summary). Blocks the calling thread; `threads` starts two helper threads and `async` runs its
// own event loop. Every strategy watches for progress, so none can hang:
//   - naive: no progress for stall_timeout while sending → a diagnosis event (bytes each way,
//     the socket's kernel queues, why, the fixes), then tcpkit::error errc::stalled;
//   - otherwise no progress for the strategy's limit → tcpkit::error errc::timed_out.
// A received byte that is not the uppercase of the sent one, or more bytes than were sent,
// throws errc::data_mismatch; EOF before all bytes came back throws tcpkit::short_read.
// `stop` (e.g. from a SIGINT handler, any thread) ends the exchange within ~100 ms; the result
// is then the accurate partial count with `interrupted` set, and its summary is reported.
// An exception thrown by `report` (which may be called from helper threads) ends the exchange
// and is rethrown here.
uppercase_result run_uppercase_client(const uppercase_client_options& options, reporter& report,
                                      std::stop_token stop = {});

// The async strategy as a coroutine, for programs that run their own io_context (whatever
// `options.strategy` says). Same reports, errors and stop behaviour as above. Like every
// coroutine API here it takes the options by value, so a temporary cannot dangle once spawned;
// `report` must outlive it.
asio::awaitable<uppercase_result> async_run_uppercase_client(uppercase_client_options options, reporter& report,
                                                             std::stop_token stop = {});

}  // namespace tcpkit
