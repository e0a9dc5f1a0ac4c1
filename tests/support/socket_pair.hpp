// A connected pair of loopback TCP sockets, for library tests that need real sockets without
// a server program: listen on 127.0.0.1:0, connect, accept.
#pragma once

#include "tcpkit/core/endpoint.hpp"

#include <asio/io_context.hpp>

#include <utility>

namespace tcpkit::test {

inline std::pair<tcp::socket, tcp::socket> make_socket_pair(asio::io_context& io) {
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  tcp::socket server = acceptor.accept();
  return {std::move(client), std::move(server)};
}

}  // namespace tcpkit::test
