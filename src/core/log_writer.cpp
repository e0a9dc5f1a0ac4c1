#include "tcpkit/core/log_writer.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <limits>

namespace tcpkit {

log_writer::log_writer(int notice_fd, std::size_t high_water)
    : notice_fd_(notice_fd), high_water_(std::max<std::size_t>(high_water, 1)) {}

log_writer::~log_writer() { close(kDefaultLogCloseLimit); }

bool log_writer::queue_notice(std::size_t limit) {
  if (unnoticed_ == 0) return true;
  const std::string notice = fmt::format("tcpkit: {} log line{} dropped while the log was not being read\n", unnoticed_,
                                         unnoticed_ == 1 ? "" : "s");
  if (writer_.try_append(notice_fd_, notice, limit) != fd_writer::status::queued) return false;
  unnoticed_ = 0;
  return true;
}

void log_writer::write(int fd, std::string_view text) {
  const std::lock_guard lock(mutex_);
  if (queue_notice(high_water_) && writer_.try_append(fd, text, high_water_) == fd_writer::status::queued) return;
  ++dropped_;
  ++unnoticed_;
}

bool log_writer::close(clock::duration limit) {
  {
    const std::lock_guard lock(mutex_);
    // The last thing the log says, past the limit if need be: one line more is no harm, and
    // a loss nobody is told of would be.
    queue_notice(std::numeric_limits<std::size_t>::max());
  }
  return writer_.close(limit);
}

std::uint64_t log_writer::lines_dropped() const {
  const std::lock_guard lock(mutex_);
  return dropped_;
}

log_stream::log_stream(log_writer& log, int fd) : log_(log), fd_(fd), terminal_(::isatty(fd) == 1) {}

}  // namespace tcpkit
