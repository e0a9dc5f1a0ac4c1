// The seeds' sixteen-octet client as a coroutine on a tcpkit::connection: connect, send exactly
// sixteen bytes, half-close, read exactly sixteen back, close gracefully. Written against the
// installed library.
//
//   sixteen_client HOST PORT
#include <tcpkit/core/connect.hpp>
#include <tcpkit/core/connection.hpp>
#include <tcpkit/core/errors.hpp>
#include <tcpkit/core/escape.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>

#include <array>
#include <cstdio>
#include <string>
#include <string_view>

// The exchange. recv_exact loops until all sixteen bytes are in, however TCP splits them, and
// throws tcpkit::short_read if the server closes first.
asio::awaitable<std::string> ask(std::string host, std::uint16_t port) {
  tcpkit::tcp::socket socket = co_await tcpkit::async_connect_to(host, port);
  std::printf("Client has been assigned socket name %s\n", tcpkit::local_name(socket).c_str());
  std::string peer = tcpkit::peer_name(socket);
  tcpkit::connection conn(std::move(socket), std::move(peer));

  co_await conn.async_send_all(asio::buffer(std::string_view("Hi there, server")));
  (void)conn.half_close();  // "that is all I will send": a server waiting for more sees EOF
  std::array<char, 16> reply{};
  co_await conn.async_recv_exact(asio::buffer(reply));
  co_await conn.async_graceful_close();
  co_return std::string(reply.data(), reply.size());
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
    return 2;
  }
  const auto port = tcpkit::parse_port(argv[2]);
  if (!port || *port == 0) {
    std::fprintf(stderr, "bad port: %s\n", argv[2]);
    return 2;
  }
  try {
    asio::io_context io;
    auto reply = asio::co_spawn(io, ask(argv[1], *port), asio::use_future);
    io.run();
    std::printf("The server said %s\n", tcpkit::quote_bytes(reply.get()).c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sixteen_client: %s\n", e.what());
    return static_cast<int>(tcpkit::classify(e));
  }
}
