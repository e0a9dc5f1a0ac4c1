#include "tcpkit/core/listen.hpp"

#include "tcpkit/core/errors.hpp"

#include <asio/io_context.hpp>
#include <asio/ip/v6_only.hpp>

namespace tcpkit {

asio::ip::address listen_address(std::string_view host, address_family family) {
  host = strip_brackets(host);
  if (host.empty()) {
    if (family == address_family::v6) return asio::ip::address_v6::any();
    return asio::ip::address_v4::any();
  }
  if (const auto address = parse_numeric_address(host)) {
    if ((family == address_family::v4 && !address->is_v4()) || (family == address_family::v6 && !address->is_v6())) {
      throw error(make_error_code(std::errc::address_family_not_supported), "listen", std::string(host),
                  family == address_family::v4 ? "not an IPv4 address (-4 was given)" : "not an IPv6 address (-6 was given)");
    }
    return *address;
  }
  std::error_code ec;
  // A name: a passive lookup, as getaddrinfo(AI_PASSIVE) would do for a server.
  asio::io_context io;
  tcp::resolver resolver(io);
  const auto flags = tcp::resolver::passive | tcp::resolver::address_configured;
  auto results = family == address_family::any
                     ? resolver.resolve(std::string(host), "0", flags, ec)
                     : resolver.resolve(family == address_family::v6 ? tcp::v6() : tcp::v4(), std::string(host), "0",
                                        flags, ec);
  if (ec || results.empty()) throw error(ec ? ec : asio::error::host_not_found, "resolve", std::string(host));
  return results.begin()->endpoint().address();
}

tcp::acceptor open_listener(const asio::any_io_executor& executor, std::string_view host, std::uint16_t port,
                            listen_options options) {
  const tcp::endpoint endpoint(listen_address(host, options.family), port);
  tcp::acceptor acceptor(executor);
  std::error_code ec;
  auto fail = [&](std::error_code code) -> void { throw error(code, "listen", format_endpoint(endpoint)); };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) fail(ec);
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) fail(ec);
  if (endpoint.address().is_v6() && endpoint.address().is_unspecified()) {
    // "::" means every interface, both families, unless -6 asked for IPv6 only. Linux
    // defaults to dual-stack but the default is a sysctl (bindv6only), so say it explicitly.
    acceptor.set_option(asio::ip::v6_only(options.family == address_family::v6), ec);
    if (ec) fail(ec);
  }
  acceptor.bind(endpoint, ec);
  if (ec) fail(ec);
  acceptor.listen(options.backlog, ec);
  if (ec) fail(ec);
  return acceptor;
}

}  // namespace tcpkit
