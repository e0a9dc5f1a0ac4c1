// The checker's side of a connection: blocking sockets where every call takes a deadline, and
// reports how a read ended (complete, EOF, reset, timeout) as a value. A checker must observe
// a misbehaving peer, not throw at it, so the ends that a program under test causes are
// results; only the checker's own failures (no socket, no port) throw tcpkit::error.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tcpkit::check {

using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// How a read or a write ended.
enum class io_end { complete, eof, reset, timeout };
std::string_view to_string(io_end end) noexcept;

struct read_result {
  std::string data;
  io_end end = io_end::complete;
};

// An address to connect to; `text` is how people read it ("127.0.0.1:1060").
struct address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string text;
};

// HOST and PORT resolved with getaddrinfo (the first TCP address). Throws tcpkit::error.
address resolve_address(const std::string& host, std::uint16_t port);

// One TCP connection, owned; closed (FIN) when destroyed unless reset() or release() came first.
class connection {
 public:
  connection() = default;
  explicit connection(int fd) : fd_(fd) {}
  connection(connection&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  connection& operator=(connection&& other) noexcept;
  ~connection() { close(); }

  // Connects within `deadline`; on failure, returns a closed connection and sets `error`.
  static connection open(const address& to, clock::time_point deadline, std::string* error = nullptr);

  bool is_open() const noexcept { return fd_ >= 0; }
  int fd() const noexcept { return fd_; }

  // Writes all of `data` unless the deadline passes (timeout) or the peer resets (reset).
  io_end send(std::string_view data, clock::time_point deadline, std::size_t* sent = nullptr);
  // Exactly `n` bytes, or what arrived before EOF, a reset or the deadline.
  read_result recv_exact(std::size_t n, clock::time_point deadline);
  // Everything until EOF, a reset, the deadline, or `limit` bytes.
  read_result recv_until_eof(clock::time_point deadline, std::size_t limit = 1 << 20);
  // Whatever is readable now, waiting at most until `deadline` for the first byte.
  read_result recv_some(clock::time_point deadline, std::size_t limit = 65536);
  // Whether the peer's data or FIN or reset arrived before `deadline`, without reading it.
  bool readable_before(clock::time_point deadline) const;

  void shutdown_write() noexcept;
  // Abortive close: SO_LINGER 0, so the kernel sends RST instead of FIN.
  void reset() noexcept;
  void close() noexcept;

  // Bytes in this socket's kernel queues (SIOCOUTQ: sent, not yet acknowledged; SIOCINQ:
  // received, not yet read), and the peer's advertised window; -1 when unknown.
  long queued_to_send() const noexcept;
  long queued_to_read() const noexcept;
  long peer_window() const noexcept;

 private:
  int fd_ = -1;
};

// A listening socket on 127.0.0.1 and a free port, where tcpkit plays the server.
class listener {
 public:
  listener();
  ~listener();
  listener(const listener&) = delete;
  listener& operator=(const listener&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  // The next connection, or a closed one if none arrived before `deadline`.
  connection accept(clock::time_point deadline);

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// A port on 127.0.0.1 that nothing is listening at: a socket bound to it but not listening
// keeps it so (connections to it are refused) for as long as this object lives.
class refusing_port {
 public:
  refusing_port();
  ~refusing_port();
  refusing_port(const refusing_port&) = delete;
  refusing_port& operator=(const refusing_port&) = delete;
  std::uint16_t port() const noexcept { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// A free port on 127.0.0.1 for a server that tcpkit starts (the kernel's choice, released).
std::uint16_t pick_free_port();


// A deadline `d` from now.
inline clock::time_point after(clock::duration d) { return clock::now() + d; }

}  // namespace tcpkit::check
