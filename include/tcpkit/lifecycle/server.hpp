// The accept loop every tcpkit server shares: concurrent sessions, each inside its own idle
// deadline, isolated so that one client's failure ends only its own connection.
//
//   acceptor ──accept──> session 1 (coroutine, owns its socket)   || idle watchdog
//            ──accept──> session 2                                 || idle watchdog
//            ...                    └─ the close nobody awaits ──> the loop's lingering closes
#pragma once

#include "tcpkit/core/deadline.hpp"
#include "tcpkit/core/endpoint.hpp"
#include "tcpkit/core/idle_sweep.hpp"
#include "tcpkit/core/lingering_close.hpp"
#include "tcpkit/core/report.hpp"

#include <asio/awaitable.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <system_error>
#include <vector>

namespace tcpkit {

class connection;
class tracer;

struct server_options {
  clock::duration idle_timeout = std::chrono::seconds(60);  // no progress either way: close
  std::size_t max_conns = 0;                                // 0: no limit
  bool once = false;                                        // serve one connection, then return
  unsigned threads = 1;  // event loops serving sessions; connections are dealt out to them in turn
  std::string_view waiting_text;  // a note before each accept, e.g. the seed's "Waiting to accept..."
  tracer* trace = nullptr;        // if set, every session is sampled into it (tcpkit/instruments/trace.hpp)
};

// What a session gets besides its connection.
struct session_context {
  std::uint64_t id;  // 1, 2, 3... in accept order
  reporter& report;
};

// A program's per-connection logic. The connection carries the session's idle deadline, its
// byte counts and its close watch; the handler owns the exchange, and closes the connection
// when it wants to know how the close went. What it leaves open the server closes gracefully:
// awaited when the session's summary or a trace will report it, else in the background on the
// session's loop (tcpkit/core/lingering_close.hpp), the session ended at once. An exception the
// handler throws is reported as that session's error; the server reports the session's summary
// after the handler, whatever happened.
using session_handler = std::function<asio::awaitable<void>(connection&, session_context&)>;

struct server_stats {
  std::uint64_t accepted = 0;
  std::uint64_t failed = 0;    // sessions that ended with an error or an idle timeout
  std::uint64_t refused = 0;   // closed at once because --max-conns sessions were live
  std::uint64_t active = 0;
};

// With `threads` > 1 the server starts threads - 1 more event loops, each on its own thread,
// and hands each accepted connection to the next loop in turn (the acceptor's own loop is one
// of them): a session then runs entirely on one thread, and the sessions of different loops
// run in parallel on different cores. The handler is then called on several threads at once
// and must be thread-safe, and so must the reporter (tcpkit's are).
class server {
 public:
  server(tcp::acceptor acceptor, reporter& report, server_options options);
  ~server();  // join_workers()
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Accepts and serves until stop(), or with `once` until the first session has ended. After
  // stop() it returns once every live session, on every loop, has ended (each within its drain
  // deadline; at most kStopLimit), and then the closes left to this loop have (each within the
  // drain and a tenth: tcpkit/core/lingering_close.hpp; the other loops' end before their
  // threads, join_workers()). If accepting fails it throws at once, and the sessions still
  // running go on in their io_contexts.
  asio::awaitable<void> run(session_handler handler);

  // Stops accepting and ends every live session the way an idle timeout would: the handler is
  // cancelled and the connection closed gracefully (FIN, drain up to kDefaultDrain), with its
  // summary. Call it on the io_context's thread.
  void stop();

  // How long run() waits after stop() for sessions that do not end within their drain (a
  // handler that does not heed cancellation).
  static constexpr clock::duration kStopLimit = std::chrono::seconds(3);

  // With threads > 1, after run() has returned: stops the server if that was not done yet,
  // then waits until the sessions on the other loops have ended (within the drain deadline)
  // and their threads have finished. Call it on the acceptor's thread.
  void join_workers();

  tcp::endpoint local_endpoint() const;
  server_stats stats() const;
  // The error of the most recent failed session (for --once's exit status); empty if none.
  std::error_code last_error() const;

 private:
  // What each event loop has of its own: the idle deadlines of its sessions and their drains,
  // and the closes its sessions left to it.
  class live_session;
  struct event_loop {
    event_loop(const asio::any_io_executor& loop_executor, clock::duration tick);
    // A session frame still suspended when the server goes (its io_context destroyed later)
    // must not unlink itself from this list then: the list lets go of them first.
    ~event_loop();
    event_loop(const event_loop&) = delete;
    event_loop& operator=(const event_loop&) = delete;
    void end_sessions() const;  // stop(): every live session's deadline expired now (on this loop)
    asio::any_io_executor executor;
    idle_sweep sweep;
    lingering_closes lingering;
    live_session* live = nullptr;  // the sessions running here, the latest first (this loop's thread only)
    // The cancellation signals of ended sessions, for the next (the acceptor's loop only: see
    // spawn_session()).
    std::vector<std::unique_ptr<asio::cancellation_signal>> spare_signals;
  };
  struct worker;
  // A running session in its loop's list, for as long as it lives (in the session's frame, made
  // and destroyed on the loop's thread): what stop() ends. No allocation, no lock.
  class live_session {
   public:
    live_session(event_loop& loop, idle_deadline& idle) noexcept;
    ~live_session();
    live_session(const live_session&) = delete;
    live_session& operator=(const live_session&) = delete;

   private:
    friend struct event_loop;
    event_loop* loop_;  // null once the loop has let go of the list
    idle_deadline& idle_;
    live_session* newer_ = nullptr;
    live_session* older_ = nullptr;
  };

  struct session_end;
  // The next connection from the backlog without waiting; `ec` as accept() says (would_block:
  // the backlog is empty).
  tcp::socket accept_ready(const asio::any_io_executor& socket_executor, tcp::endpoint& peer, std::error_code& ec);
  static constexpr int kAcceptBatch = 16;
  int accepted_in_a_row_ = 0;
  // Out of descriptors or memory: reports it (once until an accept succeeds), then pauses.
  asio::awaitable<void> pause_accepting(const std::error_code& ec, bool& reported);
  // Counts an accepted connection in and returns its id; 0 (the refusal reported) if
  // --max-conns sessions are live.
  std::uint64_t admit(const tcp::endpoint& peer_endpoint);
  // The loop the next connection goes to: each in turn, the acceptor's own included.
  event_loop& next_loop() noexcept;
  // Spawns serve() on `loop` (the socket's), cancellable through a signal of its own (see .cpp).
  void spawn_session(tcp::socket socket, std::uint64_t id, const tcp::endpoint& peer_endpoint, event_loop& loop);
  // One session; `cancel` is the signal its spawn's cancellation slot is bound to, through
  // which its idle deadline (watched by its loop's sweep), or stop(), ends the handler.
  asio::awaitable<void> serve(tcp::socket socket, std::uint64_t id, tcp::endpoint peer_endpoint,
                              asio::cancellation_signal& cancel, event_loop& loop);
  static session_end failed(connection& conn, const std::exception& e);
  void note_cut(connection& conn, session_end& end) const;
  void report_end(const session_end& end, std::uint64_t id, const connection& conn);
  void leave();  // the session is no longer active
  asio::awaitable<void> wait_for_sessions();  // after stop(): until none is live, or kStopLimit
  void wind_down_loops();
  void announce_waiting();

  std::atomic<bool> stopping_ = false;  // set on the acceptor's thread, read by sessions on every loop
  std::vector<std::unique_ptr<worker>> workers_;  // the loops besides the acceptor's
  std::size_t next_loop_ = 0;
  mutable std::mutex mutex_;  // guards stats_ and last_error_: sessions may run on workers
  asio::steady_timer* sessions_ended_ = nullptr;  // wait_for_sessions()' timer while it waits

  tcp::acceptor acceptor_;
  reporter& report_;
  server_options options_;
  event_loop main_loop_;  // the acceptor's (each worker has its own)
  bool summarize_ = false;  // the reporter wants `session` events: watch every close
  session_handler handler_;
  server_stats stats_;
  std::error_code last_error_;
};

}  // namespace tcpkit
