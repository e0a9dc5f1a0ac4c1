#include "support/raw_peer.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace tcpkit::test {
namespace {

using std::chrono::steady_clock;

int milliseconds_until(peer_deadline deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - steady_clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

void make_non_blocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

[[noreturn]] void fail(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

}  // namespace

const char* to_string(ending e) {
  switch (e) {
    case ending::eof: return "EOF";
    case ending::reset: return "reset";
    case ending::timeout: return "timeout";
    case ending::limit: return "limit";
  }
  return "?";
}

raw_socket& raw_socket::operator=(raw_socket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    reset_pending_ = std::exchange(other.reset_pending_, false);
  }
  return *this;
}

raw_socket::~raw_socket() { close(); }

void raw_socket::close() {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

void raw_socket::close_with_reset() {
  const linger abortive{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
  close();
}

void raw_socket::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

void raw_socket::set_no_delay() {
  const int on = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

bool raw_socket::wait(short events, peer_deadline deadline) {
  pollfd pfd{fd_, events, 0};
  for (;;) {
    const int n = ::poll(&pfd, 1, milliseconds_until(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) fail("poll");
  }
}

std::size_t raw_socket::write_some(const char* data, std::size_t n, int& error) {
  const ssize_t sent = ::send(fd_, data, n, MSG_NOSIGNAL);
  if (sent >= 0) return static_cast<std::size_t>(sent);
  if (errno != EAGAIN && errno != EINTR) error = errno;
  return 0;
}

std::size_t raw_socket::send_all(std::string_view data, peer_deadline deadline) {
  std::size_t done = 0;
  while (done < data.size()) {
    int error = 0;
    const std::size_t n = write_some(data.data() + done, data.size() - done, error);
    done += n;
    if (error != 0) break;
    if (n == 0 && !wait(POLLOUT, deadline)) break;
  }
  return done;
}

raw_socket::received raw_socket::recv_until_eof(peer_deadline deadline, std::size_t limit) {
  received result;
  if (std::exchange(reset_pending_, false)) {
    result.how = ending::reset;
    return result;
  }
  char buffer[64 * 1024];
  while (result.data.size() < limit) {
    const ssize_t n = ::recv(fd_, buffer, std::min(sizeof buffer, limit - result.data.size()), 0);
    if (n > 0) {
      result.data.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      result.how = ending::eof;
      return result;
    } else if (errno == ECONNRESET) {
      result.how = ending::reset;
      return result;
    } else if (errno == EAGAIN || errno == EINTR) {
      if (!wait(POLLIN, deadline)) {
        result.how = ending::timeout;
        return result;
      }
    } else {
      fail("recv");
    }
  }
  result.how = ending::limit;
  return result;
}

raw_socket::received raw_socket::recv_exactly(std::size_t n, peer_deadline deadline) { return recv_until_eof(deadline, n); }

bool raw_socket::hangup_within(std::chrono::milliseconds window) {
  pollfd pfd{fd_, POLLRDHUP, 0};
  return ::poll(&pfd, 1, static_cast<int>(window.count())) > 0;
}

refusing_port::refusing_port() {
  socket_ = raw_socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!socket_) fail("socket");
  sockaddr_in address = loopback(0);
  if (::bind(socket_.fd(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail("bind");
  socklen_t length = sizeof address;
  if (::getsockname(socket_.fd(), reinterpret_cast<sockaddr*>(&address), &length) != 0) fail("getsockname");
  port_ = ntohs(address.sin_port);
}

raw_listener::raw_listener() {
  socket_ = raw_socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!socket_) fail("socket");
  sockaddr_in address = loopback(0);
  if (::bind(socket_.fd(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail("bind");
  if (::listen(socket_.fd(), 16) != 0) fail("listen");
  socklen_t length = sizeof address;
  ::getsockname(socket_.fd(), reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  make_non_blocking(socket_.fd());
}

raw_socket raw_listener::accept(peer_deadline deadline) {
  pollfd pfd{socket_.fd(), POLLIN, 0};
  if (::poll(&pfd, 1, milliseconds_until(deadline)) <= 0) return {};
  raw_socket accepted(::accept4(socket_.fd(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
  return accepted;
}

raw_socket connect_loopback(std::uint16_t port, peer_deadline deadline) {
  raw_socket socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!socket) fail("socket");
  const sockaddr_in address = loopback(port);
  if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    if (errno != EINPROGRESS) return {};
    pollfd pfd{socket.fd(), POLLOUT, 0};
    if (::poll(&pfd, 1, milliseconds_until(deadline)) <= 0) return {};
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &length);
    // A reset (not a refusal) means the handshake completed: a server that resets a
    // connection as soon as it accepts it can be that quick on loopback.
    if (error == ECONNRESET) socket.note_reset_at_connect();
    else if (error != 0) return {};
  }
  return socket;
}

namespace {
constexpr std::string_view kRequest = "capitalize this!";
constexpr std::string_view kReply = "CAPITALIZE THIS!";

// `unit` repeated from `offset` for n bytes, built by doubling (memcpy, not a byte loop: the
// tests make megabytes of it, and sanitizer builds run at -O0).
std::string repeat(std::string_view unit, std::uint64_t offset, std::size_t n) {
  std::string out;
  out.reserve(n + unit.size());
  const std::size_t start = static_cast<std::size_t>(offset % unit.size());
  out.append(unit.substr(start)).append(unit.substr(0, start));
  while (out.size() < n) out.append(out, 0, std::min(out.size(), n - out.size()));
  out.resize(n);
  return out;
}
}  // namespace

std::string uppercase_request(std::uint64_t offset, std::size_t n) { return repeat(kRequest, offset, n); }
std::string uppercase_reply(std::uint64_t offset, std::size_t n) { return repeat(kReply, offset, n); }

}  // namespace tcpkit::test
