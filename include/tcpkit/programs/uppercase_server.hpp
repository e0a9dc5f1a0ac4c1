// The uppercase server (the seeds' tcp_deadlock.py server): for each connection, read up to
// CHUNK bytes, uppercase a-z, send the result back, until the client's EOF.
//
// Backpressure is the loop's shape: the next read starts only once the previous reply has been
// sent in full, so a connection holds at most one buffer (at most CHUNK) in memory whatever its client does.
// A client that sends without reading first fills its own receive buffer, then our send
// blocks, we stop reading, and its sends block in turn; it costs one chunk and is closed by the
// idle timeout (tcpkit::server) once nothing has moved for that long.
//
//   client ──bytes──> [kernel] ──read ≤ CHUNK──> uppercase ──send_all──> [kernel] ──> client
//                                  ^                                          │
//                                  └──────── only after this completes ───────┘
#pragma once

#include "tcpkit/core/adaptive_buffer.hpp"
#include "tcpkit/lifecycle/server.hpp"

#include <asio/awaitable.hpp>

#include <cstddef>
#include <memory>

namespace tcpkit {

// One connection, as above. Reports "Processing up to CHUNK bytes at a time from PEER", a
// transient "N bytes processed so far", then "N bytes processed" and "Socket closed" once the
// client's EOF has been answered and the socket closed gracefully. Errors (a reset, an idle
// timeout) propagate to the server, which reports them and ends only this connection.
// `conn` and `context` belong to the server, which awaits this coroutine to its end.
// The read buffer starts small and grows up to `chunk` while the connection is fast, within
// `budget` if given (adaptive_buffer.hpp). The session shares ownership of the budget: its
// buffer gives its growth back when the coroutine frame is destroyed, which can be after the
// server and its handler are gone (an io_context destroyed with sessions still pending).
asio::awaitable<void> serve_uppercase_client(connection& conn, session_context& context, std::size_t chunk,
                                             std::shared_ptr<buffer_budget> budget = nullptr);

// serve_uppercase_client with `chunk` bound and one growth budget (64 MiB) shared by all the
// connections of the handler, for tcpkit::server::run().
session_handler uppercase_handler(std::size_t chunk);

}  // namespace tcpkit
