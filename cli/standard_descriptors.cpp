#include "standard_descriptors.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace tcpkit::cli {
namespace {

std::array<bool, 3> closed_at_start{};

}  // namespace

void reopen_closed_standard_descriptors() noexcept {
  for (int fd = 0; fd < 3; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    closed_at_start[static_cast<unsigned>(fd)] = true;
    // The lowest free number: fd itself, as every lower one is open by now.
    const int opened = ::open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
    if (opened >= 0 && opened != fd) {
      ::dup2(opened, fd);
      ::close(opened);
    }
  }
}

bool was_closed_at_start(int fd) noexcept {
  return fd >= 0 && fd < 3 && closed_at_start[static_cast<unsigned>(fd)];
}

}  // namespace tcpkit::cli
