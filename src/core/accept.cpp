#include "tcpkit/core/accept.hpp"

#include <asio/detail/socket_ops.hpp>
#include <asio/error.hpp>
#include <asio/version.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

// The state flags below are Asio's implementation, not its interface: checked for the version
// they were read in (asio/detail/socket_ops.hpp, reactive_socket_service_base.ipp).
static_assert(ASIO_VERSION == 102201, "check accept_ready()'s use of Asio's socket state flags for this Asio");

namespace tcpkit {
namespace {

// What Asio knows about a socket's descriptor (asio/detail/socket_ops.hpp's state flags) is
// held in the socket's protected implementation; a pointer to that member, formed in a derived
// class, reaches it on any tcp::socket.
struct socket_state : tcp::socket {
  static asio::detail::socket_ops::state_type& of(tcp::socket& socket) noexcept {
    return (socket.*(&socket_state::impl_)).get_implementation().state_;
  }
};

}  // namespace

tcp::socket accept_ready(tcp::acceptor& acceptor, const asio::any_io_executor& executor, tcp::endpoint& peer,
                         std::error_code& ec) {
  tcp::socket socket(executor);
  auto length = static_cast<socklen_t>(peer.capacity());
  const int fd = ::accept4(acceptor.native_handle(), peer.data(), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) {
    ec = std::error_code(errno, asio::error::get_system_category());
    return socket;
  }
  if (length > peer.capacity()) {  // cannot happen for TCP; resize() would throw
    ::close(fd);
    ec = make_error_code(std::errc::address_family_not_supported);
    return socket;
  }
  peer.resize(length);
  socket.assign(peer.protocol(), fd, ec);  // registers it with the loop's reactor
  if (ec) {
    ::close(fd);
    return socket;
  }
  // Adopted, Asio takes it for a descriptor that may be shared (possible_dup: epoll_ctl(DEL)
  // before close) and blocking (ioctl(FIONBIO) before the first wait). Neither is so.
  namespace ops = asio::detail::socket_ops;
  auto& state = socket_state::of(socket);
  state = static_cast<ops::state_type>((state & ~ops::possible_dup) | ops::internal_non_blocking);
  return socket;
}

void note_duplicated(tcp::socket& socket) noexcept {
  auto& state = socket_state::of(socket);
  state = static_cast<asio::detail::socket_ops::state_type>(state | asio::detail::socket_ops::possible_dup);
}

}  // namespace tcpkit
