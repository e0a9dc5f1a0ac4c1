// The kernel's table of TCP sockets (/proc/net/tcp and tcp6), read to learn about a program's
// sockets without touching them.
#pragma once

#include <cstdint>

namespace tcpkit::check {

// Whether something listens at `port`. No connection is made: a probe connection would itself
// be a client that a fragile server may choke on.
bool is_listening(std::uint16_t port);

// How many connections whose local port is `port` are in TIME_WAIT.
int count_time_wait(std::uint16_t port);

}  // namespace tcpkit::check
