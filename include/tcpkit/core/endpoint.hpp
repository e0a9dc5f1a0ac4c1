// Endpoints as people read them: "127.0.0.1:1060", "[::1]:1060"; IPv4-mapped IPv6 addresses
// (what a dual-stack listener sees for an IPv4 peer) are shown as the IPv4 address they carry.
#pragma once

#include <asio/ip/tcp.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tcpkit {

using tcp = asio::ip::tcp;

inline constexpr std::uint16_t kDefaultPort = 1060;  // the seeds' port

// Which address families a name may resolve to (-4 / -6).
enum class address_family { any, v4, v6 };

// "ADDR" for IPv4, "ADDR" without brackets for IPv6; IPv4-mapped IPv6 is shown as IPv4.
std::string format_address(const asio::ip::address& address);

// "ADDR:PORT", or "[ADDR]:PORT" for IPv6.
std::string format_endpoint(const tcp::endpoint& endpoint);

// "HOST:PORT" for a name the user typed, bracketing IPv6 literals: used in error messages
// before any address is known ("resolve example.invalid:1060").
std::string format_host_port(std::string_view host, std::uint16_t port);

// The name and peer of a connected socket, formatted; "?" where the OS no longer knows
// (the peer may already have reset the connection). Never throws.
std::string local_name(const tcp::socket& socket);
std::string peer_name(const tcp::socket& socket);

// Strips the brackets of an IPv6 literal typed as "[::1]"; other text is returned unchanged.
std::string_view strip_brackets(std::string_view host);

// The address `host` spells numerically ("127.0.0.1", "::1", "[::1]", "fe80::1%eth0"), or
// nullopt if it is a name to resolve. An IPv6 scope that names no interface ("fe80::1%nosuchif")
// throws tcpkit::error (operation "resolve", a name-resolution failure: exit 5) naming it,
// rather than becoming scope 0 and a bare "Invalid argument" at connect or bind. So does a host
// with a NUL byte in it (which no command line can hold, but a library caller's string can).
std::optional<asio::ip::address> parse_numeric_address(std::string_view host);

// A port typed by a user: digits only, 0-65535. std::nullopt for anything else.
std::optional<std::uint16_t> parse_port(std::string_view text);

}  // namespace tcpkit
