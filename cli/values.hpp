// The values a user types on tcpkit's command line, read the one way docs/CLI.md describes
// ("Numbers, sizes, durations, hosts"): every option of a kind goes through the same function.
//
//   count     decimal digits, no sign, no leading zero:     1060, 0, 64
//   size      a count with one suffix (case ignored):       1K = 1KiB = 1024, 1KB = 1000, 64M, 1G, 100B
//   seconds   decimal, a fraction or exponent allowed:     10, 0.5, 1e3 (never nan, inf, 0x1p3)
//   host      HOST, HOST:PORT, [V6]:PORT, a bare V6 address: 127.0.0.1:1060, [::1]:1060, ::1
//
// Each function returns the value or throws usage_error naming the option and the value.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tcpkit::cli {

// A command line that cannot be run: the whole message, without the "tcpkit: " prefix.
// `hint` is at most one line that tells the way out ("" when there is none to give).
class usage_error : public std::runtime_error {
 public:
  explicit usage_error(const std::string& message, std::string hint = {})
      : std::runtime_error(message), hint_(std::move(hint)) {}
  const std::string& hint() const { return hint_; }

 private:
  std::string hint_;
};

// "OPTION VALUE: reason", the form of every bad-value message ("--port 0x50: ...").
[[noreturn]] void throw_bad_value(std::string_view option, std::string_view value, std::string_view reason);

// A whole number in [min, max].
std::uint64_t parse_count(std::string_view option, std::string_view text, std::uint64_t min, std::uint64_t max);

// A port: a count in [0, 65535].
std::uint16_t parse_port(std::string_view option, std::string_view text);

// A number of bytes in [min, max], with the suffixes above.
std::uint64_t parse_size(std::string_view option, std::string_view text, std::uint64_t min, std::uint64_t max);

// The longest duration any option takes: 10^6 s (11.6 days). Every deadline is now() plus one
// of these on a clock of int64 nanoseconds, so far larger values would wrap (1e10 s did).
inline constexpr double kMaxSeconds = 1e6;

// Seconds, more than 0 (or at least `min` when given) and at most `max`.
double parse_seconds(std::string_view option, std::string_view text, double min = 0, double max = kMaxSeconds);
// Seconds as given on the command line (--idle-timeout 0.5), as a clock duration.
std::chrono::steady_clock::duration seconds(double s);  // tcpkit::clock's

// What HOST held: the host without brackets, and the port if one was written after it.
struct host_port {
  std::string host;
  std::optional<std::uint16_t> port;
};
host_port parse_host_port(std::string_view option, std::string_view text);

}  // namespace tcpkit::cli
