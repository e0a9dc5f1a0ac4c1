// Resolving a name and connecting to it: the client side of the three-way handshake.
//
// connect() is a real network operation and can fail: refused (nothing listens there),
// unreachable, or silence until the deadline. Every address the name resolves to is tried in
// order, all within one total deadline.
#pragma once

#include "tcpkit/core/deadline.hpp"
#include "tcpkit/core/endpoint.hpp"

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace tcpkit {

struct connect_options {
  address_family family = address_family::any;
  clock::duration timeout = std::chrono::seconds(10);  // total, across resolution and all addresses
  bool no_delay = false;                               // TCP_NODELAY on the connected socket
  // If set, each attempt's socket is first bound to a port of the kernel's choosing, and this is
  // told that port and the address about to be tried, before the SYN leaves: a packet capture
  // (--packets) then filters on the exact 4-tuple and sees the whole handshake. May throw; the
  // connect then fails with that exception.
  std::function<void(std::uint16_t local_port, const tcp::endpoint& remote)> before_connect;
};

// What every client takes the same way (its command line's HOST, -p, -4/-6, --connect-timeout
// and --idle-timeout): where to connect, how, and how long the connection may make no
// progress. Each program's client options extend it with their own.
struct client_target {
  std::string host;
  std::uint16_t port = kDefaultPort;
  connect_options connect;
  clock::duration io_timeout = std::chrono::seconds(60);  // the connection's idle deadline
};

// Connects to `host`:`port`. Throws tcpkit::error: "resolve HOST:PORT" (exit 5) when the name
// does not resolve, "connect ADDR:PORT" with the last address's reason (exit 3), or
// "connect HOST:PORT: timed out" (exit 4) when the deadline passes.
// Coroutine parameters are taken by value: a coroutine may outlive the caller's temporaries.
asio::awaitable<tcp::socket> async_connect_to(std::string host, std::uint16_t port, connect_options options = {});

// async_connect_to `target`, unless `stop` is requested first (from any thread; noticed within
// 100 ms): then the attempt is abandoned and the result is std::nullopt. For clients whose stop
// is a request they answer with a result, not a cancellation. A token that cannot be stopped
// costs nothing: the connect is made as async_connect_to makes it.
asio::awaitable<std::optional<tcp::socket>> async_connect_unless_stopped(client_target target, std::stop_token stop);

// The addresses `host`:`port` resolves to, in the order async_connect_to tries them, within
// `options.timeout`. Throws what async_connect_to throws for resolution ("resolve HOST:PORT").
// For programs that open many connections to one name (the load generator) and resolve once.
asio::awaitable<std::vector<tcp::endpoint>> async_resolve_endpoints(std::string host, std::uint16_t port,
                                                                    connect_options options = {});

// The blocking form: runs the coroutine on `io` until connected. The returned socket is
// blocking and may be used from any thread.
tcp::socket connect_to(asio::io_context& io, std::string_view host, std::uint16_t port, connect_options options = {});

}  // namespace tcpkit
