#include "tcpkit/core/errors.hpp"

#include <asio/error.hpp>
#include <fmt/format.h>

#include <cerrno>

namespace tcpkit {
namespace {

class category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "tcpkit"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::short_read: return "peer closed the connection early";
      case errc::timed_out: return "timed out";
      case errc::data_mismatch: return "data mismatch";
      case errc::stalled: return "no progress in either direction (deadlock)";
      case errc::line_too_long: return "line too long";
      case errc::usage: return "invalid argument";
      case errc::interrupted: return "interrupted";
    }
    return "unknown tcpkit error";
  }
};

}  // namespace

const std::error_category& tcpkit_category() noexcept {
  static const category_impl instance;
  return instance;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), tcpkit_category()}; }

error::error(std::error_code code, std::string operation, std::string endpoint, std::string reason)
    : std::system_error(code),
      operation_(std::move(operation)),
      endpoint_(std::move(endpoint)),
      reason_(reason.empty() ? code.message() : std::move(reason)),
      what_(endpoint_.empty() ? fmt::format("{}: {}", operation_, reason_)
                              : fmt::format("{} {}: {}", operation_, endpoint_, reason_)) {}

short_read::short_read(std::size_t expected, std::size_t received, std::string endpoint)
    : error(errc::short_read, "recv", std::move(endpoint),
            fmt::format("was expecting {} bytes but only received {} bytes before the socket closed", expected,
                        received)),
      expected_(expected),
      received_(received) {}

int system_errno(const std::error_code& code) noexcept {
  const auto& category = code.category();
  if (category == asio::error::get_system_category() || category == std::system_category() ||
      category == std::generic_category()) {
    return code.value();
  }
  return 0;
}

exit_status classify(const std::error_code& code) noexcept {
  if (!code) return exit_status::ok;
  if (code.category() == tcpkit_category()) {
    switch (static_cast<errc>(code.value())) {
      case errc::short_read:
      case errc::data_mismatch:
      case errc::line_too_long: return exit_status::peer;
      case errc::timed_out: return exit_status::timed_out;
      case errc::stalled: return exit_status::deadlock;
      case errc::usage: return exit_status::usage;
      case errc::interrupted: return exit_status::interrupted;
    }
    return exit_status::failure;
  }
  if (code.category() == asio::error::get_netdb_category() ||
      code.category() == asio::error::get_addrinfo_category()) {
    return exit_status::resolve;
  }
  if (code == asio::error::eof) return exit_status::peer;
  if (const int err = system_errno(code)) {
    switch (err) {
      case ECONNREFUSED:
      case EHOSTUNREACH:
      case ENETUNREACH:
      case EADDRINUSE:
      case EADDRNOTAVAIL:
      case EACCES:
      case EPERM:
      case EAFNOSUPPORT: return exit_status::unreachable;
      case ETIMEDOUT: return exit_status::timed_out;
      case ECONNRESET:
      case EPIPE:
      case ECONNABORTED: return exit_status::peer;
      case EINTR: return exit_status::interrupted;
      default: break;
    }
  }
  return exit_status::failure;
}

exit_status classify(const std::exception& e) noexcept {
  if (const auto* se = dynamic_cast<const std::system_error*>(&e)) return classify(se->code());
  return exit_status::failure;
}

}  // namespace tcpkit
