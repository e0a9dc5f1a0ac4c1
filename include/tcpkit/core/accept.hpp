// Taking a connection from a listening socket's backlog without waiting, for a server that
// accepts in batches (lifecycle/server.cpp): the acceptor is non-blocking, and would_block
// says the backlog is empty.
//
// The connection comes with accept4(SOCK_NONBLOCK | SOCK_CLOEXEC), so it needs no further
// system call before its first operation, and none at its close that a socket Asio opened
// itself would not need either:
//
//   Asio's own accept()        accept, ioctl(FIONBIO) on the first wait, epoll_ctl(DEL) at close
//   accept_ready()             accept4
//
// Asio removes an adopted descriptor from its epoll set before closing it because another
// descriptor may share the open file, and the registration would outlive the close. This one
// is new and this process's alone, and close-on-exec: a child forked meanwhile holds it only
// until its exec (for the few microseconds in which an event could still be reported for it,
// a spurious wake-up that Asio's non-blocking operations absorb, as they do for its own sockets).
// Whoever dup()s it later says so first with note_duplicated() (the tracer does).
#pragma once

#include "tcpkit/core/endpoint.hpp"

#include <asio/any_io_executor.hpp>

#include <system_error>

namespace tcpkit {

// The next connection, its socket on `executor`'s loop and `peer` set to its address; or `ec`
// as accept4() failed (would_block: nothing is waiting), the socket then not open.
tcp::socket accept_ready(tcp::acceptor& acceptor, const asio::any_io_executor& executor, tcp::endpoint& peer,
                         std::error_code& ec);

// Tells Asio that `socket`'s descriptor is about to be duplicated (dup()): at its close Asio then
// takes it out of the epoll set first, which close() alone would not do while a duplicate
// keeps the file open. For any tcp::socket, accepted here or opened by Asio itself.
void note_duplicated(tcp::socket& socket) noexcept;

}  // namespace tcpkit
