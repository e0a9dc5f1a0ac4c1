// The accept loop every tcpkit server shares: concurrent sessions, each inside its own idle
// deadline, isolated so that one client's failure ends only its own connection.
//
//   acceptor ──accept──> session 1 (coroutine, owns its socket)   || idle watchdog
//            ──accept──> session 2                                 || idle watchdog
//            ...
#pragma once

#include "tcpkit/deadline.hpp"
#include "tcpkit/endpoint.hpp"
#include "tcpkit/report.hpp"
#include "tcpkit/traffic_counters.hpp"

#include <asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <string_view>
#include <system_error>
#include <unordered_set>

namespace tcpkit {

class tracer;

struct server_options {
  clock::duration idle_timeout = std::chrono::seconds(60);  // no progress either way: close
  std::size_t max_conns = 0;                                // 0: no limit
  bool once = false;                                        // serve one connection, then return
  std::string_view waiting_text;  // a note before each accept, e.g. the seed's "Waiting to accept..."
  tracer* trace = nullptr;        // if set, every session is sampled into it (tcpkit/trace.hpp)
};

// What a session gets besides its socket.
struct session_context {
  std::uint64_t id;      // 1, 2, 3... in accept order
  reporter& report;
  idle_deadline& idle;   // touch() it on progress
  traffic_counters traffic{};  // the handler counts the bytes it sends and receives here
};

// A program's per-connection logic. It owns the exchange and closes the socket when done; an
// exception it throws is reported as that session's error.
using session_handler = std::function<asio::awaitable<void>(tcp::socket&, session_context&)>;

struct server_stats {
  std::uint64_t accepted = 0;
  std::uint64_t failed = 0;    // sessions that ended with an error or an idle timeout
  std::uint64_t refused = 0;   // closed at once because --max-conns sessions were live
  std::uint64_t active = 0;
};

class server {
 public:
  server(tcp::acceptor acceptor, reporter& report, server_options options);

  // Accepts and serves until stop(), or with `once` until the first session has ended.
  // Sessions still running when it returns go on in the io_context.
  asio::awaitable<void> run(session_handler handler);

  // Stops accepting and ends every live session the way an idle timeout would: the handler is
  // cancelled and the connection closed gracefully (FIN, drain up to kDefaultDrain). run()
  // returns soon after; sessions finish within the drain deadline. Call it on the io_context's
  // thread.
  void stop();

  tcp::endpoint local_endpoint() const;
  const server_stats& stats() const noexcept { return stats_; }
  // The error of the most recent failed session (for --once's exit status); empty if none.
  std::error_code last_error() const noexcept { return last_error_; }

 private:
  asio::awaitable<void> serve(tcp::socket socket, std::uint64_t id);
  void announce_waiting();

  bool stopping_ = false;
  std::unordered_set<idle_deadline*> live_;  // the deadline of every running session

  tcp::acceptor acceptor_;
  reporter& report_;
  server_options options_;
  session_handler handler_;
  server_stats stats_;
  std::error_code last_error_;
};

}  // namespace tcpkit
