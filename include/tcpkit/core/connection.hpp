// One TCP connection as a session sees it (after Boost.Beast's basic_stream): the socket, owned
// by value, with everything that has to follow it through every read and write.
//
//   read/send/recv ──> socket          one place where bytes move, so in one place each:
//                  ──> traffic         the count (the summary's bytes, the tracer's samples)
//                  ──> idle deadline   the touch that keeps the watchdog from firing
//   half_close/graceful_close/abort/close
//                  ──> close_watch     the note of who closed first and the final TCP_INFO
//
// Errors name the peer as it was when the connection was made ("recv 127.0.0.1:50000: ..."),
// even after the OS has forgotten it. A connection is used from one coroutine chain at a time
// (reads and writes may run concurrently, one of each).
#pragma once

#include "tcpkit/core/close.hpp"
#include "tcpkit/core/close_watch.hpp"
#include "tcpkit/core/deadline.hpp"
#include "tcpkit/core/endpoint.hpp"
#include "tcpkit/core/traffic_counters.hpp"

#include <asio/awaitable.hpp>
#include <asio/buffer.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <system_error>

namespace tcpkit {

class idle_sweep;        // tcpkit/core/idle_sweep.hpp
class lingering_closes;  // tcpkit/core/lingering_close.hpp

struct connection_options {
  std::optional<clock::duration> idle_timeout;  // no progress either way for this long: idle().expired()
  bool watch_close = false;                     // note the close for a `session` summary (system calls)
  idle_sweep* sweep = nullptr;  // the loop's, if any: it bounds the graceful close's drain (no timer of its own)
};

class connection {
 public:
  // Takes over a connected socket; `peer` names it in errors and events.
  connection(tcp::socket socket, std::string peer, connection_options options = {});
  // The same, named by the peer's address, which is formatted only when something asks for the
  // name: a quiet server never does, and formatting it was a tenth of its own work per connection.
  connection(tcp::socket socket, const tcp::endpoint& peer, connection_options options = {});

  tcp::socket& socket() noexcept { return socket_; }
  const std::string& peer() const;
  const traffic_counters& traffic() const noexcept { return traffic_; }
  close_watch& closing() noexcept { return closing_; }
  const close_watch& closing() const noexcept { return closing_; }
  bool has_idle_deadline() const noexcept { return idle_.has_value(); }
  idle_deadline& idle() noexcept { return *idle_; }  // only with an idle timeout
  clock::time_point opened() const noexcept { return opened_; }
  bool is_open() const noexcept { return socket_.is_open(); }

  // What has arrived, at least one byte: its count. At the peer's EOF, 0 with `ec` set to
  // asio::error::eof; any other failure, 0 with `ec` set. Nothing is thrown.
  asio::awaitable<std::size_t> async_read_some(asio::mutable_buffer data, std::error_code& ec);
  // The same, 0 at EOF; a failure throws tcpkit::error ("recv <peer>: ...").
  asio::awaitable<std::size_t> async_read_some(asio::mutable_buffer data);
  // One write(): how much the kernel took. Throws tcpkit::error ("send <peer>: ...").
  asio::awaitable<std::size_t> async_write_some(asio::const_buffer data);
  // Every byte of `data` (tcpkit/core/io.hpp's guarantee); counted once the whole buffer is sent.
  asio::awaitable<void> async_send_all(asio::const_buffer data);
  // Fills `data`; EOF first throws short_read, and what did arrive is counted.
  asio::awaitable<void> async_recv_exact(asio::mutable_buffer data);

  // Without waiting, for a session that reads into a buffer it does not own across a
  // suspension (one per event loop) and leaves in the kernel what it cannot pass on yet.
  // Never throw; a failure, or asio::error::would_block when nothing can be done now, is `ec`.
  // try_peek_some: copies what has arrived (at least one byte) without taking it from the
  // kernel: not counted; 0 with `ec` = asio::error::eof at the peer's EOF.
  std::size_t try_peek_some(asio::mutable_buffer data, std::error_code& ec) noexcept;
  // try_consume: takes the first `peeked.size()` bytes try_peek_some() saw from the kernel
  // without copying them again (recv MSG_TRUNC); counted as received and touched. `peeked` is
  // where they were peeked to: TCP writes nothing there, but recv() is given a real buffer of
  // that size, so that sanitizers, which take recv() to write it, see this thread's own memory.
  void try_consume(asio::mutable_buffer peeked, std::error_code& ec) noexcept;
  // try_write_some: what the kernel took (counted, touched); 0 with `ec` = would_block if none.
  std::size_t try_write_some(asio::const_buffer data, std::error_code& ec) noexcept;
  // Until something can be read (or the EOF, or an error, is there). Call it only after
  // try_peek_some() said would_block: the event loop is edge-triggered. Throws tcpkit::error.
  asio::awaitable<void> async_wait_readable();

  // Shutdown of the sending side ("that is all I will send"), noted first. The error, if the
  // peer has already reset the connection (ENOTCONN), is returned for the caller to judge.
  std::error_code half_close() noexcept;
  // tcpkit/core/close.hpp's graceful close, noted. Never throws; closed on return.
  asio::awaitable<close_how> async_graceful_close(clock::duration drain = kDefaultDrain);
  // The same close with its drain handed to `closes` (tcpkit/core/lingering_close.hpp): returns
  // at once, for a session whose close nobody awaits. The close watch notes the closing but not
  // the final figures (the socket leaves with the drain). Never throws; closed on return.
  void close_lingering(lingering_closes& closes) noexcept;
  // A reset at once, noted (closing state and final figures first). Never throws.
  void abort() noexcept;
  // A close at once, without the drain, noted likewise: for a session this side cut short,
  // which wants nothing more from the peer. The kernel sends a FIN, or a reset if input was
  // left unread. Never throws.
  void close() noexcept;

  // Bytes moved on this socket by code that drives it itself (the proxy's relay, whose writes
  // are asio::async_write's): counted and touched as the operations above count theirs.
  void note_transfer(std::size_t received, std::size_t sent) noexcept;

  // The session ended over `failure` / was cut short by this side as `how` (tcpkit/core/close_how.hpp).
  void note_failure(const std::exception& failure) noexcept { closing_.note_failure(socket_, failure); }
  void note_cut(close_how how) noexcept { closing_.note_cut(how); }

 private:
  // One non-blocking send(): what the kernel took, uncounted; would_block if nothing.
  std::size_t send_now(asio::const_buffer data, std::error_code& ec) noexcept;
  // One non-blocking recv() with `flags`: what had arrived, uncounted; would_block if nothing,
  // eof at the EOF.
  std::size_t receive_now(asio::mutable_buffer data, int flags, std::error_code& ec) noexcept;

  tcp::socket socket_;
  mutable std::string peer_;  // empty until peer() names peer_endpoint_
  tcp::endpoint peer_endpoint_;
  traffic_counters traffic_;
  std::optional<idle_deadline> idle_;
  idle_sweep* sweep_ = nullptr;
  close_watch closing_;
  clock::time_point opened_;
};

}  // namespace tcpkit
