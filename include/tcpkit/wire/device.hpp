// Which network interface carries a connection, so that a capture watches the right one:
// loopback traffic (also to one of this host's own addresses) is on "lo", other traffic on the
// interface that owns the local address of the route, and "any" when that is not one place.
#pragma once

#include <asio/ip/address.hpp>

#include <string>

namespace tcpkit::wire {

inline constexpr const char* kAnyDevice = "any";  // Linux: every interface at once

// The interface a client's connection to `remote` leaves by. Never throws; "any" if unsure.
std::string device_toward(const asio::ip::address& remote);

// The interface a server listening at `local` is reached by: "lo" for a loopback address,
// "any" for every other (a wildcard, or an address local clients reach over lo). Never throws.
std::string device_of(const asio::ip::address& local);

// `address`, or the IPv4 address an IPv4-mapped IPv6 address carries.
asio::ip::address unmapped(const asio::ip::address& address);

}  // namespace tcpkit::wire
