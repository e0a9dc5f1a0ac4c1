// The seeds' first fix for the uppercase deadlock, in one thread: send and receive at the same
// time on an event loop, so neither side's kernel buffers can fill up and stall the other.
// Written against the installed library with C++20 coroutines.
//
//   async_uppercase_client HOST PORT TEXT      e.g. ... 127.0.0.1 1060 'hello, world'
#include <tcpkit/core/close.hpp>
#include <tcpkit/core/connect.hpp>
#include <tcpkit/core/errors.hpp>
#include <tcpkit/core/escape.hpp>
#include <tcpkit/core/io.hpp>

#include <asio/co_spawn.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <system_error>

using namespace asio::experimental::awaitable_operators;

// Sends everything, then half-closes: the FIN tells the server there is no more to uppercase.
asio::awaitable<void> send_text(tcpkit::tcp::socket& socket, std::string text) {
  co_await tcpkit::async_send_all(socket, asio::buffer(text));
  socket.shutdown(tcpkit::tcp::socket::shutdown_send);
}

// Receives until the server's EOF, however the bytes are split into segments, into a buffer
// capped at a size the reply can never reach.
asio::awaitable<void> receive_reply(tcpkit::tcp::socket& socket, std::string* reply, std::size_t expected) {
  std::error_code ec;  // EOF is how the reply ends, not an error
  co_await asio::async_read(socket, asio::dynamic_buffer(*reply, expected + 1),
                            asio::redirect_error(asio::use_awaitable, ec));
  if (ec && ec != asio::error::eof) throw std::system_error(ec, "recv " + tcpkit::peer_name(socket));
}

asio::awaitable<void> run(std::string host, std::uint16_t port, std::string text, std::string* reply) {
  tcpkit::tcp::socket socket = co_await tcpkit::async_connect_to(host, port);
  std::printf("Connected from %s to %s\n", tcpkit::local_name(socket).c_str(), tcpkit::peer_name(socket).c_str());
  co_await (send_text(socket, text) && receive_reply(socket, reply, text.size()));  // both at once
  co_await tcpkit::async_graceful_close(socket);
}

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s HOST PORT TEXT\n", argv[0]);
    return 2;
  }
  const auto port = tcpkit::parse_port(argv[2]);
  if (!port || *port == 0) {
    std::fprintf(stderr, "bad port: %s\n", argv[2]);
    return 2;
  }
  asio::io_context io;
  std::string reply;
  std::exception_ptr failure;
  asio::co_spawn(io, run(argv[1], *port, argv[3], &reply), [&](std::exception_ptr e) { failure = e; });
  io.run();
  try {
    if (failure) std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "async_uppercase_client: %s\n", e.what());
    return static_cast<int>(tcpkit::classify(e));
  }
  std::printf("The server sent back %s\n", tcpkit::quote_bytes(reply).c_str());
  return 0;
}
