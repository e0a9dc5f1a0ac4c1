// Closing a connection without destroying what is still in flight.
//
// close() on a socket with unread input makes the kernel send a reset (RST) instead of a FIN,
// and a reset may destroy data the peer has not read yet: the seed's own client sends 17 bytes
// to a server that reads 16, so a plain close() there can cost the client its reply.
// A graceful close avoids that:
//
//   shutdown(SHUT_WR) ──> our FIN follows every byte already queued
//   read and discard  ──> until the peer's EOF, or the drain deadline
//   close()
#pragma once

#include "tcpkit/core/close_how.hpp"
#include "tcpkit/core/deadline.hpp"
#include "tcpkit/core/endpoint.hpp"

#include <asio/awaitable.hpp>

#include <string_view>

namespace tcpkit {

class close_watch;  // tcpkit/core/close_watch.hpp
class idle_sweep;   // tcpkit/core/idle_sweep.hpp

inline constexpr clock::duration kDefaultDrain = std::chrono::seconds(2);

// Half-closes, drains until the peer's EOF or `drain` passes, then closes; says how that ended:
// close_how::fin (the peer's EOF came: nothing was lost either way), drain_timeout (the peer kept
// the connection open past `drain`) or reset (already reset or broken). Never throws; the
// socket is closed on return whatever happened. `watch`, if given, notes the state before the
// shutdown (who closed first) and the final TCP_INFO just before the close. `sweep`, if given
// (the socket's loop's), bounds the drain instead of a timer of the close's own: `drain` then
// passes up to one of the sweep's ticks late.
asio::awaitable<close_how> async_graceful_close(tcp::socket& socket, clock::duration drain = kDefaultDrain,
                                                close_watch* watch = nullptr, idle_sweep* sweep = nullptr);

// The blocking form, for sockets used from threads. Same guarantees.
close_how graceful_close(tcp::socket& socket, clock::duration drain = kDefaultDrain, close_watch* watch = nullptr);

// An abortive close: SO_LINGER 0, so close() sends a reset at once and discards queued data.
// Only for tests and for refusing a connection whose data does not matter.
void abort_connection(tcp::socket& socket) noexcept;

}  // namespace tcpkit
