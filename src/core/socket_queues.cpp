#include "tcpkit/core/socket_queues.hpp"

#include <linux/sockios.h>
#include <sys/ioctl.h>

namespace tcpkit {

std::optional<socket_queues> read_socket_queues(tcp::socket& socket) noexcept {
  const int fd = socket.native_handle();
  int unacknowledged = 0;
  int unread = 0;
  if (fd < 0 || ::ioctl(fd, SIOCOUTQ, &unacknowledged) != 0 || ::ioctl(fd, SIOCINQ, &unread) != 0) return std::nullopt;
  return socket_queues{static_cast<std::uint64_t>(unacknowledged), static_cast<std::uint64_t>(unread)};
}

}  // namespace tcpkit
