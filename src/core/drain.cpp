#include "drain.hpp"

#include <sys/socket.h>

#include <array>
#include <cerrno>

namespace tcpkit::detail {

// Most peers have half-closed by the time this side closes (the sixteen client shuts down
// before it reads the reply): one recv() finds their FIN, instead of a wait for it.
std::optional<close_how> drain_queued(tcp::socket& socket) {
  const asio::mutable_buffer sink = discarded();
  for (int round = 0; round < 4; ++round) {  // bounded: a peer still sending waits its turn
    const ssize_t n = ::recv(socket.native_handle(), sink.data(), sink.size(), MSG_DONTWAIT);
    if (n == 0) return close_how::fin;
    if (n > 0) continue;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::nullopt;
    return close_how::reset;
  }
  return std::nullopt;
}

asio::mutable_buffer discarded() {
  thread_local std::array<char, kDrainChunk> bytes;
  return asio::buffer(bytes);
}

}  // namespace tcpkit::detail
