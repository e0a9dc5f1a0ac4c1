// send_all and recv_exact: the two loops that TCP's stream nature demands (the seeds' sendall
// and recv_all). One send() may take only part of the buffer and one recv() may return only
// part of a message, so both loop until the whole count has moved.
//
// Each exists once in blocking form (for threads) and once as a coroutine (for event loops).
#pragma once

#include "tcpkit/core/deadline.hpp"
#include "tcpkit/core/endpoint.hpp"

#include <asio/awaitable.hpp>
#include <asio/buffer.hpp>

#include <cstddef>

namespace tcpkit {

// Errors name the peer ("recv 127.0.0.1:1060: ..."). Once both sides have closed, the OS no
// longer knows the peer's address, so callers that know it pass it as `peer`; otherwise it is
// asked for when the error happens.

// Writes every byte of `data`, however many send() calls that takes. Throws tcpkit::error
// ("send <peer>: <reason>") on failure; how much was sent before it is then unknown to the caller.
void send_all(tcp::socket& socket, asio::const_buffer data, std::string_view peer = {});

// Fills `data` completely. EOF first throws tcpkit::short_read carrying how many bytes did
// arrive; any other failure throws tcpkit::error.
void recv_exact(tcp::socket& socket, asio::mutable_buffer data, std::string_view peer = {});

// Coroutine forms of the above, with the same guarantees. `idle`, when given, is touched after
// every partial transfer so a watchdog sees progress. Unlike tcpkit's other coroutines these
// take `peer` (and `data`) by view, to keep hot loops free of allocations: co_await them at
// once, never co_spawn them with a temporary.
asio::awaitable<void> async_send_all(tcp::socket& socket, asio::const_buffer data, idle_deadline* idle = nullptr,
                                     std::string_view peer = {});
asio::awaitable<void> async_recv_exact(tcp::socket& socket, asio::mutable_buffer data, idle_deadline* idle = nullptr,
                                       std::string_view peer = {});

// Disables Nagle's algorithm: request/reply programs send small writes and must not wait
// ~40 ms for a delayed ACK. Failure is harmless and ignored.
void set_no_delay(tcp::socket& socket) noexcept;

}  // namespace tcpkit
