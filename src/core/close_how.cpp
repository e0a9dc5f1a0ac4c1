#include "tcpkit/core/close_how.hpp"

#include "tcpkit/core/errors.hpp"

#include <asio/error.hpp>

#include <cerrno>

namespace tcpkit {

std::string_view to_string(close_how how) noexcept {
  switch (how) {
    case close_how::fin: return "fin";
    case close_how::reset: return "reset";
    case close_how::idle_timeout: return "idle_timeout";
    case close_how::stall_timeout: return "stall_timeout";
    case close_how::interrupted: return "interrupted";
    case close_how::error: return "error";
    case close_how::drain_timeout: return "drain_timeout";
  }
  return "unknown";
}

close_how classify_ending(const std::error_code& code) noexcept {
  if (code == errc::stalled) return close_how::stall_timeout;
  if (code == errc::timed_out) return close_how::idle_timeout;
  if (code == errc::interrupted || code == asio::error::operation_aborted) return close_how::interrupted;
  if (code == errc::short_read || code == asio::error::eof) return close_how::fin;
  switch (system_errno(code)) {
    case ECONNRESET:
    case EPIPE:
    case ECONNABORTED: return close_how::reset;
    default: return close_how::error;
  }
}

}  // namespace tcpkit
