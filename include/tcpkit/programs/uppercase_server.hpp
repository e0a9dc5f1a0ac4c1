// The uppercase server (the seeds' tcp_deadlock.py server): for each connection, read up to
// CHUNK bytes, uppercase a-z, send the result back, until the client's EOF.
//
// A connection holds no buffer of its own while the kernel takes its replies. Every connection
// of one event loop peeks (recv MSG_PEEK) at what has arrived into that loop's one CHUNK-sized
// buffer, transforms it in place and writes it at once; then exactly the bytes the kernel took
// are taken from the receive queue (recv MSG_TRUNC, no second copy). When the kernel refuses
// part of a reply, at most 1 KiB more is taken and held by the connection until it can be
// sent; the other refused bytes stay unread in the kernel's receive queue, to be peeked at
// again, so a slow client's backlog stays in the kernel (where TCP's flow control bounds it),
// not in our memory. After a refusal the next peek is no larger than what the kernel took
// (at least 4 KiB), doubling back to CHUNK while replies go whole.
//
// Backpressure is the loop's shape: the next read starts only once the previous reply has been
// sent in full. A client that sends without reading first fills its own receive buffer, then
// our send is refused, we stop reading, and its sends block in turn; it is closed by the idle
// timeout (tcpkit::server) once nothing has moved for that long.
//
//   client ──bytes──> [kernel] ──peek ≤ window──> uppercase ──send──> [kernel] ──> client
//                        ^        (loop's buffer)            │
//                        └── take what was sent (MSG_TRUNC) ─┘  (≤ 1 KiB of a refusal held)
#pragma once

#include "tcpkit/lifecycle/server.hpp"

#include <asio/awaitable.hpp>

#include <cstddef>

namespace tcpkit {

// One connection, as above. Reports "Processing up to CHUNK bytes at a time from PEER", a
// transient "N bytes processed so far", then "N bytes processed" and "Socket closed" once the
// client's EOF has been answered and the socket closed gracefully. Errors (a reset, an idle
// timeout) propagate to the server, which reports them and ends only this connection.
// `conn` and `context` belong to the server, which awaits this coroutine to its end.
// The session must run on one thread throughout (a tcpkit::server session does: its loop's).
asio::awaitable<void> async_serve_uppercase_client(connection& conn, session_context& context, std::size_t chunk);

// async_serve_uppercase_client with `chunk` bound, for tcpkit::server::run().
session_handler uppercase_handler(std::size_t chunk);

}  // namespace tcpkit
