#include "tcpkit/check/wire.hpp"

#include "tcpkit/core/endpoint.hpp"
#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/tcp_info.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>  // TCP_NODELAY
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace tcpkit::check {
namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

// Milliseconds until `deadline` for poll(), at least 0.
int poll_timeout(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
  if (left <= 0) return 0;
  return left > 60'000 ? 60'000 : static_cast<int>(left) + 1;
}

// Waits for `events` on `fd` until `deadline`: true if they (or an error) are pending.
bool wait_for(int fd, short events, clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, poll_timeout(deadline));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return true;  // let the following call report the error
    if (clock::now() >= deadline) return false;
  }
}

int make_socket(int family) {
  int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw error(last_error(), "socket");
  return fd;
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

std::uint16_t bound_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) throw error(last_error(), "getsockname");
  return ntohs(a.sin_port);
}

// A socket bound to 127.0.0.1 and a port of the kernel's choice.
int bind_loopback() {
  int fd = make_socket(AF_INET);
  auto a = loopback(0);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    auto ec = last_error();
    ::close(fd);
    throw error(ec, "bind", "127.0.0.1:0");
  }
  return fd;
}

}  // namespace

std::string_view to_string(io_end end) noexcept {
  switch (end) {
    case io_end::complete: return "complete";
    case io_end::eof: return "EOF";
    case io_end::reset: return "reset";
    case io_end::timeout: return "timeout";
  }
  return "?";
}

address resolve_address(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string name(strip_brackets(host));
  int rc = ::getaddrinfo(name.empty() ? "127.0.0.1" : name.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    throw error(std::error_code(EHOSTUNREACH, std::system_category()), "resolve", format_host_port(host, port),
                ::gai_strerror(rc));
  }
  address result;
  std::memcpy(&result.storage, found->ai_addr, found->ai_addrlen);
  result.length = found->ai_addrlen;
  ::freeaddrinfo(found);
  tcp::endpoint endpoint;
  std::memcpy(endpoint.data(), &result.storage, result.length);
  result.text = format_endpoint(endpoint);
  return result;
}

connection& connection::operator=(connection&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

connection connection::open(const address& to, clock::time_point deadline, std::string* error_text) {
  int fd = make_socket(to.storage.ss_family);
  connection c(fd);
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&to.storage), to.length);
  int err = rc == 0 ? 0 : errno;
  if (err == EINPROGRESS) {
    err = ETIMEDOUT;
    if (wait_for(fd, POLLOUT, deadline)) {
      socklen_t len = sizeof err;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    }
  }
  if (err != 0) {
    if (error_text) *error_text = "connect " + to.text + ": " + std::system_category().message(err);
    return {};
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return c;
}

io_end connection::send(std::string_view data, clock::time_point deadline, std::size_t* sent) {
  std::size_t done = 0;
  io_end end = io_end::complete;
  while (done < data.size()) {
    ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(fd_, POLLOUT, deadline)) {
        end = io_end::timeout;
        break;
      }
    } else {
      end = io_end::reset;
      break;
    }
  }
  if (sent) *sent = done;
  return end;
}

read_result connection::recv_exact(std::size_t n, clock::time_point deadline) {
  read_result r;
  r.data.reserve(n);
  char buffer[65536];
  while (r.data.size() < n) {
    std::size_t want = std::min(sizeof buffer, n - r.data.size());
    ssize_t got = ::recv(fd_, buffer, want, 0);
    if (got > 0) {
      r.data.append(buffer, static_cast<std::size_t>(got));
    } else if (got == 0) {
      r.end = io_end::eof;
      return r;
    } else if (errno == EAGAIN || errno == EINTR) {
      if (!wait_for(fd_, POLLIN, deadline)) {
        r.end = io_end::timeout;
        return r;
      }
    } else {
      r.end = io_end::reset;  // ECONNRESET, or the connection broke otherwise
      return r;
    }
  }
  return r;
}

read_result connection::recv_until_eof(clock::time_point deadline, std::size_t limit) {
  read_result r = recv_exact(limit, deadline);
  if (r.end == io_end::complete) r.end = io_end::timeout;  // the limit came first: no EOF seen
  return r;
}

read_result connection::recv_some(clock::time_point deadline, std::size_t limit) {
  read_result r;
  if (!wait_for(fd_, POLLIN, deadline)) {
    r.end = io_end::timeout;
    return r;
  }
  r.data.resize(limit);
  ssize_t got = ::recv(fd_, r.data.data(), limit, 0);
  if (got > 0) {
    r.data.resize(static_cast<std::size_t>(got));
  } else {
    r.data.clear();
    r.end = got == 0 ? io_end::eof : (errno == EAGAIN ? io_end::timeout : io_end::reset);
  }
  return r;
}

bool connection::readable_before(clock::time_point deadline) const {
  pollfd p{fd_, POLLIN, 0};
  for (;;) {
    int n = ::poll(&p, 1, poll_timeout(deadline));
    if (n != 0) return n > 0;
    if (clock::now() >= deadline) return false;
  }
}

void connection::shutdown_write() noexcept {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

void connection::reset() noexcept {
  if (fd_ < 0) return;
  linger l{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close();
}

void connection::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

long connection::queued_to_send() const noexcept {
  int n = 0;
  return ::ioctl(fd_, SIOCOUTQ, &n) == 0 ? n : -1;
}

long connection::queued_to_read() const noexcept {
  int n = 0;
  return ::ioctl(fd_, SIOCINQ, &n) == 0 ? n : -1;
}

long connection::peer_window() const noexcept {
  auto figures = read_tcp_info(fd_);
  return figures && figures->snd_wnd_bytes ? static_cast<long>(*figures->snd_wnd_bytes) : -1;
}

listener::listener() : fd_(bind_loopback()) {
  if (::listen(fd_, 128) != 0) {
    auto ec = last_error();
    ::close(fd_);
    throw error(ec, "listen", "127.0.0.1:0");
  }
  port_ = bound_port(fd_);
}

listener::~listener() { ::close(fd_); }

connection listener::accept(clock::time_point deadline) {
  for (;;) {
    int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0) return connection(fd);
    if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) throw error(last_error(), "accept");
    if (!wait_for(fd_, POLLIN, deadline)) return {};
  }
}

refusing_port::refusing_port() : fd_(bind_loopback()), port_(bound_port(fd_)) {}
refusing_port::~refusing_port() { ::close(fd_); }

std::uint16_t pick_free_port() {
  int fd = bind_loopback();
  auto port = bound_port(fd);
  ::close(fd);
  return port;
}

}  // namespace tcpkit::check
