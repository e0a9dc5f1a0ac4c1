// A line server in the spirit of the lab task: read each connection like a file, print every
// line with the peer it came from, and when the client half-closes, acknowledge what arrived
// ("received N lines, M bytes", the reply `tcpkit lines client` checks). Clients are served
// concurrently, each by its own coroutine. Written against the installed library.
//
//   line_server HOST PORT        PORT 0: the kernel picks one; the server prints it
#include <tcpkit/close.hpp>
#include <tcpkit/errors.hpp>
#include <tcpkit/io.hpp>
#include <tcpkit/line_reader.hpp>
#include <tcpkit/lines_protocol.hpp>
#include <tcpkit/listen.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/use_awaitable.hpp>

#include <cstdio>
#include <string>

// One client: its lines, then the acknowledgement, then a graceful close. The socket is owned
// by value by this coroutine, so it lives exactly as long as the conversation.
asio::awaitable<void> serve(tcpkit::tcp::socket socket) {
  const std::string peer = tcpkit::peer_name(socket);
  try {
    tcpkit::line_reader reader(socket, 4096, nullptr, peer);  // lines up to 4 KiB
    tcpkit::line_counter counted;
    while (auto line = co_await reader.async_read_line()) {
      counted.add(line->bytes);
      const std::string_view text = line->text();
      std::printf("%s: %.*s\n", peer.c_str(), static_cast<int>(text.size()), text.data());
      std::fflush(stdout);
    }
    const std::string ack = tcpkit::format_ack(counted.count());
    co_await tcpkit::async_send_all(socket, asio::buffer(ack), nullptr, peer);
    co_await tcpkit::async_graceful_close(socket);
    std::printf("%s: done, %s", peer.c_str(), ack.c_str());
  } catch (const std::exception& e) {  // one client's failure ends only its connection
    std::fprintf(stderr, "line_server: %s\n", e.what());
  }
  std::fflush(stdout);
}

asio::awaitable<void> accept_forever(tcpkit::tcp::acceptor acceptor) {
  for (;;) {
    tcpkit::tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
    asio::co_spawn(acceptor.get_executor(), serve(std::move(socket)), asio::detached);
  }
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
    return 2;
  }
  const auto port = tcpkit::parse_port(argv[2]);
  if (!port) {
    std::fprintf(stderr, "bad port: %s\n", argv[2]);
    return 2;
  }
  try {
    asio::io_context io;
    tcpkit::tcp::acceptor acceptor = tcpkit::open_listener(io.get_executor(), argv[1], *port);
    std::printf("Listening at %s\n", tcpkit::format_endpoint(acceptor.local_endpoint()).c_str());
    std::fflush(stdout);
    asio::co_spawn(io, accept_forever(std::move(acceptor)), asio::detached);
    io.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "line_server: %s\n", e.what());
    return static_cast<int>(tcpkit::classify(e));
  }
}
