// How many bytes sit in a connected TCP socket's kernel buffers: what a program has handed to
// send() but the peer has not yet acknowledged, and what has arrived but the program has not
// yet read. The numbers that show a deadlock for what it is (docs/DEADLOCK.md).
#pragma once

#include "tcpkit/core/endpoint.hpp"

#include <cstdint>
#include <optional>

namespace tcpkit {

struct socket_queues {
  std::uint64_t send_queue = 0;     // SIOCOUTQ: sent by us, not yet acknowledged by the peer
  std::uint64_t receive_queue = 0;  // SIOCINQ: received by the kernel, not yet read by us
};

// Reads both queues (Linux ioctls SIOCOUTQ and SIOCINQ). std::nullopt if the socket is closed
// or the system cannot tell. Never throws; safe to call while another thread is blocked in a
// send or receive on the same socket.
std::optional<socket_queues> read_socket_queues(tcp::socket& socket) noexcept;

}  // namespace tcpkit
