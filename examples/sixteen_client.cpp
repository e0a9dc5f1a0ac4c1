// The seeds' sixteen-octet client in a dozen lines of tcpkit: connect, send exactly sixteen
// bytes, read exactly sixteen back. Blocking calls, no coroutines needed.
//
//   sixteen_client HOST PORT
#include <tcpkit/close.hpp>
#include <tcpkit/connect.hpp>
#include <tcpkit/errors.hpp>
#include <tcpkit/escape.hpp>
#include <tcpkit/io.hpp>

#include <array>
#include <cstdio>
#include <string>

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
    tcpkit::tcp::socket socket = tcpkit::connect_to(io, argv[1], *port);
    std::printf("Client has been assigned socket name %s\n", tcpkit::local_name(socket).c_str());

    tcpkit::send_all(socket, asio::buffer(std::string("Hi there, server")));
    std::array<char, 16> reply{};
    tcpkit::recv_exact(socket, asio::buffer(reply));  // throws tcpkit::short_read on early EOF
    tcpkit::graceful_close(socket);

    std::printf("The server said %s\n", tcpkit::quote_bytes({reply.data(), reply.size()}).c_str());
    return 0;
  } catch (const tcpkit::error& e) {
    std::fprintf(stderr, "sixteen_client: %s\n", e.what());
    return static_cast<int>(tcpkit::classify(e));
  }
}
