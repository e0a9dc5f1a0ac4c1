// A line server in the spirit of the lab task: read each connection like a file, print every
// line with the peer it came from, and when the client half-closes, acknowledge what arrived
// ("received N lines, M bytes", the reply `tcpkit lines client` checks). tcpkit::server runs
// each client in its own coroutine, inside an idle deadline. Written against the installed library.
//
//   line_server HOST PORT        PORT 0: the kernel picks one; the server prints it
#include <tcpkit/core/connection.hpp>
#include <tcpkit/core/errors.hpp>
#include <tcpkit/core/line_reader.hpp>
#include <tcpkit/programs/lines_protocol.hpp>
#include <tcpkit/core/listen.hpp>
#include <tcpkit/lifecycle/server.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include <cstdio>
#include <string>

// One client: its lines, then the acknowledgement, then a graceful close. An exception ends
// only this connection; the server reports it on stderr.
asio::awaitable<void> serve(tcpkit::connection& conn, tcpkit::session_context&) {
  tcpkit::line_reader reader(conn, 4096);  // lines up to 4 KiB
  while (auto line = co_await reader.async_read_line()) {
    const std::string_view text = line->text();
    std::printf("%s: %.*s\n", conn.peer().c_str(), static_cast<int>(text.size()), text.data());
    std::fflush(stdout);
  }
  const std::string ack = tcpkit::format_ack({reader.lines_read(), reader.bytes_read()});
  co_await conn.async_send_all(asio::buffer(ack));
  co_await conn.async_graceful_close();
  std::printf("%s: done, %s", conn.peer().c_str(), ack.c_str());
  std::fflush(stdout);
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
    tcpkit::text_reporter errors(stdout, stderr, /*quiet=*/true);  // the server's errors only
    tcpkit::server server(tcpkit::open_listener(io.get_executor(), argv[1], *port), errors, {});
    std::printf("Listening at %s\n", tcpkit::format_endpoint(server.local_endpoint()).c_str());
    std::fflush(stdout);
    asio::co_spawn(io, server.run(serve), asio::detached);
    io.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "line_server: %s\n", e.what());
    return static_cast<int>(tcpkit::classify(e));
  }
}
