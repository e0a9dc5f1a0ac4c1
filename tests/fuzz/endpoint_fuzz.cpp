// libFuzzer target: everything that turns user-typed text into ports and hosts, and bytes into
// text for people and for JSON. Invariants are checked, not just the absence of crashes.
#include "tcpkit/core/endpoint.hpp"
#include "tcpkit/core/escape.hpp"
#include "tcpkit/core/listen.hpp"
#include "tcpkit/core/report.hpp"

#include <net/if.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

bool printable(std::string_view text) {
  for (const char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const bool digits = !input.empty() && input.size() <= 5 && input.find_first_not_of("0123456789") == std::string_view::npos;
  const auto port = tcpkit::parse_port(input);
  if (digits) {
    const long value = std::strtol(std::string(input).c_str(), nullptr, 10);
    require(port.has_value() == (value <= 65535));
    require(!port || *port == value);
  } else {
    require(!port.has_value());  // signs, spaces, hex, empty text: never a port
  }

  const std::string escaped = tcpkit::escape_bytes(input);
  require(printable(escaped));
  require(escaped.size() <= 4 * input.size());

  const std::string json = tcpkit::json_quote(input);
  require(printable(json) && json.size() >= 2 && json.front() == '"' && json.back() == '"');

  const std::string_view host = tcpkit::strip_brackets(input);
  require(host.size() <= input.size());
  const std::string host_port = tcpkit::format_host_port(input, 1060);
  require(host_port.size() >= 5 && host_port.substr(host_port.size() - 5) == ":1060");

  // A host with a NUL byte is refused, never taken as the text before the NUL (which is what
  // the C libraries would read: "::ffff\0..." as "::ffff").
  if (host.find('\0') != std::string_view::npos) {
    bool refused = false;
    try {
      (void)tcpkit::listen_address(input, tcpkit::address_family::any);
    } catch (const std::system_error&) {
      refused = true;
    }
    require(refused);
    return 0;
  }

  // A server's HOST argument, in its numeric forms only, so that no lookup leaves the machine.
  std::error_code ec;
  (void)asio::ip::make_address(std::string(host), ec);
  if (!ec) {
    // Asio takes any IPv6 scope after '%', turning one it cannot look up into 0; tcpkit refuses
    // a scope that is neither a number nor an interface of this machine (endpoint.hpp), and
    // must accept every other literal Asio accepts, as the same address.
    const std::size_t percent = host.find('%');
    const std::string scope = percent == std::string_view::npos ? std::string() : std::string(host.substr(percent + 1));
    const bool numeric_scope = !scope.empty() && scope.find_first_not_of("0123456789") == std::string::npos;
    const bool unknown_scope = percent != std::string_view::npos && !numeric_scope && ::if_nametoindex(scope.c_str()) == 0;
    try {
      const auto address = tcpkit::listen_address(input, tcpkit::address_family::any);
      require(!unknown_scope);
      require(address == asio::ip::make_address(std::string(host)));
    } catch (const std::system_error&) {
      require(unknown_scope);
    }
  }
  return 0;
}
