#include "tcpkit/core/endpoint.hpp"

#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/escape.hpp"

#include <asio/error.hpp>
#include <fmt/format.h>

#include <net/if.h>

#include <charconv>

namespace tcpkit {

std::string format_address(const asio::ip::address& address) {
  if (address.is_v6()) {
    const auto v6 = address.to_v6();
    if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string();
  }
  return address.to_string();
}

std::string format_endpoint(const tcp::endpoint& endpoint) {
  const auto& address = endpoint.address();
  const bool bracket = address.is_v6() && !address.to_v6().is_v4_mapped();
  return bracket ? fmt::format("[{}]:{}", format_address(address), endpoint.port())
                 : fmt::format("{}:{}", format_address(address), endpoint.port());
}

std::string format_host_port(std::string_view host, std::uint16_t port) {
  host = strip_brackets(host);
  if (host.find(':') != std::string_view::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

std::optional<asio::ip::address> parse_numeric_address(std::string_view host) {
  const std::string text(strip_brackets(host));
  if (text.find('\0') != std::string::npos) {
    // The C libraries below would read only up to the NUL ("::ffff\0..." as "::ffff") and
    // resolve, or bind to, a host that was never asked for.
    throw error(asio::error::host_not_found, "resolve", escape_bytes(text), "a host cannot contain a NUL byte");
  }
  std::error_code ec;
  const auto address = asio::ip::make_address(text, ec);
  if (ec) return std::nullopt;
  // Asio turns a scope it cannot look up into 0; a numeric scope ("%2") is taken as given.
  const auto percent = text.find('%');
  if (percent != std::string::npos) {
    const std::string scope = text.substr(percent + 1);
    const bool numeric = !scope.empty() && scope.find_first_not_of("0123456789") == std::string::npos;
    if (!numeric && ::if_nametoindex(scope.c_str()) == 0) {
      throw error(asio::error::host_not_found, "resolve", text,
                  fmt::format("no network interface named \"{}\" (the IPv6 scope after %)", scope));
    }
  }
  return address;
}

std::string local_name(const tcp::socket& socket) {
  std::error_code ec;
  const auto endpoint = socket.local_endpoint(ec);
  return ec ? std::string("?") : format_endpoint(endpoint);
}

std::string peer_name(const tcp::socket& socket) {
  std::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  return ec ? std::string("?") : format_endpoint(endpoint);
}

std::string_view strip_brackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

}  // namespace tcpkit
