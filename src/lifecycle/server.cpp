#include "tcpkit/lifecycle/server.hpp"

#include "tcpkit/core/accept.hpp"
#include "tcpkit/core/connection.hpp"
#include "tcpkit/core/errors.hpp"
#include "tcpkit/instruments/session_summary.hpp"
#include "tcpkit/instruments/trace.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <new>
#include <optional>
#include <signal.h>
#include <thread>

namespace tcpkit {
namespace {

bool is_would_block(const std::error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

// Accept failures that concern one connection only (it was reset before we took it, or a
// signal interrupted the call): try again at once.
bool is_transient(const std::error_code& ec) {
  const int err = system_errno(ec);
  return err == ECONNABORTED || err == EINTR || err == EPROTO || err == EAGAIN;
}

// Out of descriptors or memory: accepting again at once would fail again and spin the CPU.
// Pause, so that sessions can finish and give descriptors back.
bool is_resource_shortage(const std::error_code& ec) {
  const int err = system_errno(ec);
  return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

constexpr auto kShortageBackoff = std::chrono::milliseconds(100);

// A loop's sweep bounds its sessions' idle deadlines and their closes' drains: it ticks at a
// tenth of the shorter (200 ms with the default drain), so either passes at most that late.
clock::duration sweep_tick(const server_options& options) {
  return idle_sweep::tick_for(std::min(options.idle_timeout, kDefaultDrain));
}

// A session's failure as its log line says it: with the peer in front, unless the error names
// the peer already ("recv 127.0.0.1:50000: Connection reset by peer"). Errors about something
// else ("write stdout: Broken pipe") or about nothing ("std::bad_alloc") get it in front.
std::string describe_failure(const std::exception& e, const std::string& peer) {
  const auto* tcpkit_error = dynamic_cast<const error*>(&e);
  if (tcpkit_error != nullptr && tcpkit_error->endpoint() == peer) return e.what();
  return fmt::format("{}: {}", peer, e.what());
}

}  // namespace

server::event_loop::event_loop(const asio::any_io_executor& loop_executor, clock::duration tick)
    : executor(loop_executor), sweep(loop_executor, tick), lingering(loop_executor) {}

server::event_loop::~event_loop() {
  for (live_session* s = live; s != nullptr; s = s->older_) s->loop_ = nullptr;
}

void server::event_loop::end_sessions() const {
  // expire_now() never ends a session inside the call (its sweep runs as a handler of its own),
  // so the list stays as it is while it is walked.
  for (const live_session* s = live; s != nullptr; s = s->older_) s->idle_.expire_now();
}

server::live_session::live_session(event_loop& loop, idle_deadline& idle) noexcept
    : loop_(&loop), idle_(idle), older_(loop.live) {
  if (older_ != nullptr) older_->newer_ = this;
  loop.live = this;
}

server::live_session::~live_session() {
  if (loop_ == nullptr) return;
  (newer_ != nullptr ? newer_->older_ : loop_->live) = older_;
  if (older_ != nullptr) older_->newer_ = newer_;
}

// An extra event loop on its own thread, kept running (work guard) until join_workers().
struct server::worker {
  explicit worker(clock::duration tick) : loop(io.get_executor(), tick) {}

  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(io);
  event_loop loop;
  std::thread thread;
};

server::server(tcp::acceptor acceptor, reporter& report, server_options options)
    : acceptor_(std::move(acceptor)),
      report_(report),
      options_(options),
      main_loop_(acceptor_.get_executor(), sweep_tick(options_)),
      summarize_(report.wants(event_type::session)) {
  const unsigned loops = options_.once ? 1 : std::max(1u, options_.threads);
  for (unsigned i = 1; i < loops; ++i) {
    auto w = std::make_unique<worker>(sweep_tick(options_));
    w->thread = std::thread([io = &w->io] {
      // The signals that stop a server belong to the thread that waits for them
      // (cli/server_command.cpp).
      sigset_t blocked;
      sigemptyset(&blocked);
      sigaddset(&blocked, SIGINT);
      sigaddset(&blocked, SIGTERM);
      sigaddset(&blocked, SIGHUP);
      pthread_sigmask(SIG_BLOCK, &blocked, nullptr);
      io->run();
    });
    workers_.push_back(std::move(w));
  }
}

server::~server() { join_workers(); }

void server::join_workers() {
  if (workers_.empty()) return;
  // Sessions on the other loops end only when told to (e.g. run() ended by an accept error,
  // not by stop()): without this, joining would wait for their clients or idle timeouts.
  if (!stopping_) stop();
  wind_down_loops();
  for (auto& w : workers_) w->guard.reset();
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

tcp::endpoint server::local_endpoint() const { return acceptor_.local_endpoint(); }

server_stats server::stats() const {
  const std::lock_guard lock(mutex_);
  return stats_;
}

std::error_code server::last_error() const {
  const std::lock_guard lock(mutex_);
  return last_error_;
}

void server::stop() {
  std::error_code ignored;
  acceptor_.close(ignored);
  // Before the loops end their lists: a session admitted but not started yet sees it when it
  // starts (serve()), one already listed is ended by its loop.
  stopping_ = true;
  main_loop_.end_sessions();  // this is the acceptor's thread
  for (auto& w : workers_) asio::post(w->io, [&loop = w->loop] { loop.end_sessions(); });
}

// The acceptor is non-blocking: what the backlog holds is taken by accept4() calls, one
// after the other, and the loop waits for readiness only when the backlog is empty. Under load
// that is one wake-up of the event loop for many connections instead of one each, and no
// awaited operation (no coroutine frame) per connection. After kAcceptBatch in a row the loop
// lets the sessions it spawned run first.
tcp::socket server::accept_ready(const asio::any_io_executor& socket_executor, tcp::endpoint& peer,
                                 std::error_code& ec) {
  tcp::socket socket = tcpkit::accept_ready(acceptor_, socket_executor, peer, ec);
  accepted_in_a_row_ = is_would_block(ec) ? 0 : accepted_in_a_row_ + 1;
  return socket;
}

asio::awaitable<void> server::run(session_handler handler) {
  handler_ = std::move(handler);
  const auto executor = co_await asio::this_coro::executor;
  acceptor_.non_blocking(true);
  bool shortage_reported = false;
  announce_waiting();
  while (acceptor_.is_open()) {
    std::error_code ec;
    // The peer's address comes with accept() itself: no getpeername() per connection.
    tcp::endpoint peer_endpoint;
    // With several loops, connections are dealt out to them in turn, this one included: the
    // socket is accepted straight onto the loop that will serve it.
    if (accepted_in_a_row_ == kAcceptBatch) {
      accepted_in_a_row_ = 0;
      co_await asio::post(executor, asio::use_awaitable);
    }
    event_loop& loop = next_loop();
    tcp::socket socket = accept_ready(loop.executor, peer_endpoint, ec);
    if (is_would_block(ec)) {
      co_await acceptor_.async_wait(tcp::acceptor::wait_read, asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) continue;  // the backlog has a connection now
    }
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
    ++next_loop_;
    if (ec && is_transient(ec)) continue;
    if (ec && is_resource_shortage(ec)) {
      co_await pause_accepting(ec, shortage_reported);
      continue;
    }
    if (ec) throw error(ec, "accept", format_endpoint(acceptor_.local_endpoint()));
    shortage_reported = false;
    const std::uint64_t id = admit(peer_endpoint);
    if (id == 0) {
      socket.close(ec);
      continue;
    }
    if (options_.once) {
      const auto session_executor = socket.get_executor();
      asio::cancellation_signal cancel;
      co_await asio::co_spawn(session_executor, serve(std::move(socket), id, peer_endpoint, cancel, loop),
                              asio::bind_cancellation_slot(cancel.slot(), asio::use_awaitable));
      break;
    }
    spawn_session(std::move(socket), id, peer_endpoint, loop);
  }
  wind_down_loops();
  if (stopping_) co_await wait_for_sessions();
  // The closes the sessions left to this loop; the other loops' end before their threads do.
  co_await main_loop_.lingering.async_until_empty();
}

server::event_loop& server::next_loop() noexcept {
  const std::size_t i = workers_.empty() ? 0 : next_loop_ % (workers_.size() + 1);
  return i == 0 ? main_loop_ : workers_[i - 1]->loop;
}

// No session is coming any more: each loop's timers stop with its last session and its last
// lingering close, and the loops can run out of work. Each is wound down on its own loop.
void server::wind_down_loops() {
  const auto wind_down = [](event_loop& loop) {
    loop.sweep.wind_down();
    loop.lingering.wind_down();
  };
  wind_down(main_loop_);
  for (auto& w : workers_) asio::post(w->io, [&loop = w->loop, wind_down] { wind_down(loop); });
}

// The session runs on the loop its socket belongs to (co_spawn posts it there), spawned once:
// its idle deadline cancels it through the signal its cancellation slot is bound to (the
// loop's idle_sweep), not through a second spawn of the handler. The signal must outlive
// every frame of the session, and the completion handler runs inside the last of them, so the
// handler, which owns the signal, does not delete it:
//
// - on the acceptor's loop it keeps it for the next session. That one is spawned from this
//   thread, so no sooner than the last frame has gone (Asio destroys it right after the
//   handler returns, before the loop runs anything else);
// - on another loop it posts its deletion there: a spare kept for the acceptor's thread could
//   be bound to a new session there while this thread still destroys the frame.
void server::spawn_session(tcp::socket socket, std::uint64_t id, const tcp::endpoint& peer_endpoint,
                           event_loop& loop) {
  const auto executor = socket.get_executor();
  std::vector<std::unique_ptr<asio::cancellation_signal>>* spares =
      &loop == &main_loop_ ? &main_loop_.spare_signals : nullptr;
  std::unique_ptr<asio::cancellation_signal> owned;
  if (spares != nullptr && !spares->empty()) {
    owned = std::move(spares->back());
    spares->pop_back();
  } else {
    owned = std::make_unique<asio::cancellation_signal>();
  }
  asio::cancellation_signal& cancel = *owned;
  auto finished = [executor, spares, owned = std::move(owned)](const std::exception_ptr&) mutable {
    if (spares != nullptr) {
      try {
        spares->push_back(std::move(owned));  // (on failure it is left here, not moved)
        return;
      } catch (const std::bad_alloc&) {
      }
    }
    asio::post(executor, [gone = std::move(owned)] {});
  };
  asio::co_spawn(executor, serve(std::move(socket), id, peer_endpoint, cancel, loop),
                 asio::bind_cancellation_slot(cancel.slot(), std::move(finished)));
}

asio::awaitable<void> server::pause_accepting(const std::error_code& ec, bool& reported) {
  if (!reported) {
    report_.emit({event_type::error, "accept {endpoint}: {message}; pausing accepts until connections close",
                  {{"operation", std::string("accept")},
                   {"endpoint", format_endpoint(acceptor_.local_endpoint())},
                   {"message", ec.message()}}});
    reported = true;
  }
  co_await sleep_for(kShortageBackoff);
}

std::uint64_t server::admit(const tcp::endpoint& peer_endpoint) {
  // The session is counted as active here, at admission, not when it starts on its loop:
  // with several loops a burst would otherwise be admitted before any of it was counted.
  std::uint64_t id = 0;
  bool refuse = false;
  {
    const std::lock_guard lock(mutex_);
    id = ++stats_.accepted;
    refuse = options_.max_conns != 0 && stats_.active >= options_.max_conns;
    if (refuse) {
      ++stats_.refused;
    } else {
      ++stats_.active;
    }
  }
  if (!refuse) return id;
  report_.emit({event_type::error, "refusing {peer}: {max_conns} connections are already being served",
                {{"conn", id}, {"peer", format_endpoint(peer_endpoint)}, {"max_conns", std::uint64_t{options_.max_conns}}}});
  return 0;
}

asio::awaitable<void> server::wait_for_sessions() {
  asio::steady_timer timer(co_await asio::this_coro::executor, kStopLimit);
  {
    const std::lock_guard lock(mutex_);
    if (stats_.active == 0) co_return;
    sessions_ended_ = &timer;
  }
  std::error_code ec;  // cancelled by the last session to end, or kStopLimit passed
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  const std::lock_guard lock(mutex_);
  sessions_ended_ = nullptr;
}

// How a session ended, as its log line and the server's statistics say it.
struct server::session_end {
  std::error_code failure;
  std::string message;  // the error or note to report; empty if none
  bool idled_out = false;
};

// A handler's exception, as its session's end: the error, and the line that reports it.
server::session_end server::failed(connection& conn, const std::exception& e) {
  conn.note_failure(e);
  const auto* system = dynamic_cast<const std::system_error*>(&e);
  return {system != nullptr ? system->code() : make_error_code(std::errc::io_error), describe_failure(e, conn.peer())};
}

// The handler was ended by its idle deadline, or by stop() through it: what the summary and
// the session's log line say.
void server::note_cut(connection& conn, session_end& end) const {
  if (conn.idle().expired_early()) {
    conn.note_cut(close_how::interrupted);
    end.message = fmt::format("closing {}: the server is stopping", conn.peer());
    return;
  }
  conn.note_cut(close_how::idle_timeout);
  end.failure = make_error_code(errc::timed_out);
  end.idled_out = true;
  end.message = fmt::format("idle {}: no progress for {:g} s, connection closed", conn.peer(),
                            std::chrono::duration<double>(options_.idle_timeout).count());
}

void server::report_end(const session_end& end, std::uint64_t id, const connection& conn) {
  if (end.failure) {
    const std::lock_guard lock(mutex_);
    ++stats_.failed;
    last_error_ = end.failure;
  }
  if (end.message.empty()) return;
  report_.emit({end.failure ? event_type::error : event_type::note, "  {message}",
                {{"conn", id}, {"peer", conn.peer()}, {"message", end.message}}});
}

asio::awaitable<void> server::serve(tcp::socket socket, std::uint64_t id, tcp::endpoint peer_endpoint,
                                   asio::cancellation_signal& cancel, event_loop& loop) {
  idle_sweep& sweep = loop.sweep;
  connection conn(std::move(socket), peer_endpoint, {options_.idle_timeout, summarize_, &sweep});
  // Listed until its end is reported (stats_.active was counted when run() admitted it).
  std::optional<live_session> listed(std::in_place, loop, conn.idle());
  if (stopping_) conn.idle().expire_now();  // stop() came between admission and now: end it likewise
  session_context context{id, report_};
  tracer::connection traced =
      options_.trace ? options_.trace->attach(conn.socket(), "server", id, conn.traffic()) : tracer::connection{};
  // The handler runs inside its idle deadline: the sweep cancels it through `cancel` when the
  // deadline passes (or stop() ends it early).
  session_end end;
  bool cut = false;
  try {
    const idle_watch deadline(sweep, conn.idle(), cancel);
    try {
      co_await handler_(conn, context);
    } catch (...) {
      if (!deadline.fired()) throw;  // else only the echo of the cancellation
    }
    cut = deadline.fired();
  } catch (const std::exception& e) {
    end = failed(conn, e);
  }
  // A cancellation the deadline emitted stays in this coroutine's state: cleared, so that the
  // close that follows can still wait for the peer.
  co_await asio::this_coro::reset_cancellation_state();
  if (cut) note_cut(conn, end);
  listed.reset();
  report_end(end, id, conn);
  // The handler closes the connection when it finishes normally. Otherwise close gracefully
  // here too: a FIN after whatever was already sent, not a reset that could destroy it.
  //
  // Except after an idle timeout: nothing has moved for that long, so a peer that stopped
  // reading would never receive our FIN either (it waits behind the unsent bytes), and the
  // kernel would keep the orphaned socket and its buffers for minutes. A reset frees both ends.
  if (conn.is_open() && end.idled_out) conn.abort();
  // A close that something will report on (the session's summary, a trace) is awaited here.
  // Any other is left to the loop, and the session's frames are freed now instead of staying
  // suspended until the peer's FIN: most of a short session's memory, and of its cache misses.
  if (conn.is_open() && (summarize_ || options_.trace != nullptr)) co_await conn.async_graceful_close();
  if (conn.is_open()) conn.close_lingering(loop.lingering);
  traced.close();
  // After the handler's own lines, whatever ended the session (docs/JSON.md, `session`).
  if (summarize_) report_session(report_, conn, "server", id);
  leave();
}

void server::leave() {
  bool idle_now = false;
  {
    const std::lock_guard lock(mutex_);
    idle_now = --stats_.active == 0;
    // The timer belongs to the acceptor's loop, and may be gone by the time this runs there.
    if (idle_now && sessions_ended_ != nullptr) {
      asio::post(acceptor_.get_executor(), [this] {
        const std::lock_guard relock(mutex_);
        if (sessions_ended_ != nullptr) sessions_ended_->cancel();
      });
    }
  }
  if (idle_now && !options_.once && workers_.empty()) announce_waiting();
}

void server::announce_waiting() {
  // The seed prints this before every accept(). A concurrent server is always accepting, so
  // it is said whenever the server has become idle: the same lines as the seed's for clients
  // that come one at a time, and no noise between the lines of overlapping sessions.
  if (!options_.waiting_text.empty() && acceptor_.is_open()) report_.emit({event_type::note, options_.waiting_text, {}});
}

}  // namespace tcpkit
