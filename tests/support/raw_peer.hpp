// A scripted TCP peer for fault and conformance tests: plain POSIX sockets on loopback, every
// call bounded by a deadline (poll), and results that say how a direction ended (EOF, reset,
// or time ran out) instead of throwing. The point is a peer that does exactly what the test
// says, byte for byte and FIN for FIN, with none of tcpkit's own machinery in between.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace tcpkit::test {

using peer_deadline = std::chrono::steady_clock::time_point;

inline peer_deadline in(std::chrono::steady_clock::duration d) { return std::chrono::steady_clock::now() + d; }

// How a receive ended.
enum class ending { eof, reset, timeout, limit };
const char* to_string(ending e);

// An owned, non-blocking socket descriptor.
class raw_socket {
 public:
  raw_socket() = default;
  explicit raw_socket(int fd) : fd_(fd) {}
  raw_socket(raw_socket&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), reset_pending_(std::exchange(other.reset_pending_, false)) {}
  raw_socket& operator=(raw_socket&& other) noexcept;
  ~raw_socket();

  int fd() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }

  // Sends every byte of `data` unless the deadline passes or the connection fails; returns
  // how many bytes the kernel took.
  std::size_t send_all(std::string_view data, peer_deadline deadline);

  // Writes without reading until the kernel has taken nothing for `stuck_after` (the other
  // side has stopped reading and both queues are full). Bytes come from `source(offset, n)`.
  // Returns how many were written; stops at the deadline too.
  template <class Source>
  std::uint64_t write_until_stuck(Source source, peer_deadline deadline,
                                  std::chrono::milliseconds stuck_after = std::chrono::milliseconds(300));

  struct received {
    std::string data;
    ending how = ending::timeout;
  };
  // Reads until EOF, a reset, `limit` bytes, or the deadline.
  received recv_until_eof(peer_deadline deadline, std::size_t limit = std::size_t(1) << 30);
  // Reads exactly n bytes (fewer only if the connection ends or time runs out).
  received recv_exactly(std::size_t n, peer_deadline deadline);

  // True if, within `window`, the peer's FIN or a reset arrives (data may still be unread).
  bool hangup_within(std::chrono::milliseconds window);

  void set_no_delay();  // TCP_NODELAY: every send leaves as its own segment at once
  void shutdown_write();
  void close_with_reset();  // SO_LINGER 0, then close: the peer sees a reset
  void close();

  // The connect completed and the peer reset at once, before connect_loopback could look
  // (SO_ERROR reported it, and reading it cleared it): the next recv_until_eof or
  // recv_exactly reports the reset.
  void note_reset_at_connect() { reset_pending_ = true; }

 private:
  bool wait(short events, peer_deadline deadline);  // false on timeout
  std::size_t write_some(const char* data, std::size_t n, int& error);

  int fd_ = -1;
  bool reset_pending_ = false;
};

// A port on 127.0.0.1 where a connect is refused, for as long as this lives: bound, not
// listening. (A port whose listener was just closed is no such thing: the kernel may hand it
// out again, to the program under test or as a client's own port, and a client connecting
// from the port it connects to meets itself.)
class refusing_port {
 public:
  refusing_port();
  std::uint16_t port() const { return port_; }

 private:
  raw_socket socket_;
  std::uint16_t port_ = 0;
};

// A listener on 127.0.0.1:0.
class raw_listener {
 public:
  raw_listener();
  std::uint16_t port() const { return port_; }
  // The next connection, or an empty socket if none arrives before the deadline.
  raw_socket accept(peer_deadline deadline);

 private:
  raw_socket socket_;
  std::uint16_t port_ = 0;
};

// Connects to 127.0.0.1:port (an empty socket on failure).
raw_socket connect_loopback(std::uint16_t port, peer_deadline deadline);

// The uppercase client's payload, `capitalize this!` repeated, from `offset` for `n` bytes;
// and what a correct server returns for it.
std::string uppercase_request(std::uint64_t offset, std::size_t n);
std::string uppercase_reply(std::uint64_t offset, std::size_t n);

template <class Source>
std::uint64_t raw_socket::write_until_stuck(Source source, peer_deadline deadline, std::chrono::milliseconds stuck_after) {
  std::uint64_t written = 0;
  constexpr std::size_t block = 64 * 1024;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string bytes = source(written, block);
    int error = 0;
    const std::size_t n = write_some(bytes.data(), bytes.size(), error);
    written += n;
    if (error != 0) return written;
    if (n == 0 && !wait(/*POLLOUT*/ 0x004, std::min(deadline, in(stuck_after)))) return written;
  }
  return written;
}

}  // namespace tcpkit::test
