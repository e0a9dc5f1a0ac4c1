// Opening a listening socket at the interface the user chose (the seeds' "interface" argument):
//
//   ""  or "0.0.0.0"   every IPv4 interface
//   "::"               every interface, IPv4 and IPv6 (dual-stack; IPv4 peers appear mapped)
//   "127.0.0.1"        that address only: reachable from this machine only
//   a name             resolved, first address used
//
// SO_REUSEADDR is set, as in the seeds, so a restarted server can bind while connections of
// its previous run sit in TIME_WAIT. SO_REUSEPORT is never set: a second server on a busy port
// must fail loudly instead of silently sharing it.
#pragma once

#include "tcpkit/core/endpoint.hpp"

#include <asio/any_io_executor.hpp>

#include <string_view>

namespace tcpkit {

struct listen_options {
  address_family family = address_family::any;  // -4 / -6
  int backlog = asio::socket_base::max_listen_connections;
};

// The address a HOST argument means for a server, per the table above. Throws tcpkit::error
// "resolve HOST" (exit 5) for a name that does not resolve.
asio::ip::address listen_address(std::string_view host, address_family family);

// Binds and listens. Throws tcpkit::error "listen ADDR:PORT: <reason>" (exit 3) on failure,
// e.g. "Address already in use".
tcp::acceptor open_listener(const asio::any_io_executor& executor, std::string_view host, std::uint16_t port,
                            listen_options options = {});

}  // namespace tcpkit
